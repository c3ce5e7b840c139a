//! The Routing screen: the workspace's algorithm, capacity, offer timeout
//! and grace period (seconds in the form, milliseconds on the wire), and
//! each department's own algorithm and capacity.

use super::{count_text, parse_count};
use shared::api::{DepartmentRouting, DepartmentSetup, RoutingSetup};
use shared::routing::Algorithm;

/// The algorithms, with their `<select>` values and words.
pub const ALGORITHMS: [(Algorithm, &str, &str); 4] = [
    (
        Algorithm::ManualSelection,
        "manual_selection",
        "Manual selection",
    ),
    (Algorithm::AutoSelection, "auto_selection", "Auto selection"),
    (Algorithm::LoadBalancing, "load_balancing", "Load balancing"),
    (Algorithm::LoadRotation, "load_rotation", "Load rotation"),
];

/// The algorithm a `<select>`'s value names; none for anything else (a
/// department's "Workspace's algorithm").
pub fn algorithm_of(value: &str) -> Option<Algorithm> {
    ALGORITHMS
        .iter()
        .find(|(_, v, _)| *v == value)
        .map(|(a, _, _)| *a)
}

/// An algorithm's `<select>` value.
pub fn algorithm_value(a: Algorithm) -> &'static str {
    ALGORITHMS
        .iter()
        .find(|(x, _, _)| *x == a)
        .map_or("", |(_, v, _)| v)
}

/// The highest capacity the form accepts.
pub const MAX_CAPACITY: u32 = 1_000;

/// One department's line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentDraft {
    /// Its id.
    pub department: String,
    /// Its name.
    pub name: String,
    /// Its own algorithm, if any.
    pub algorithm: Option<Algorithm>,
    /// Its own capacity, as typed.
    pub capacity: String,
}

/// The form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingDraft {
    /// The workspace's algorithm.
    pub algorithm: Algorithm,
    /// Per-agent limit, as typed.
    pub capacity: String,
    /// Offer timeout in seconds, as typed.
    pub offer_timeout: String,
    /// Grace period in seconds, as typed.
    pub grace: String,
    /// One line per department of the workspace.
    pub departments: Vec<DepartmentDraft>,
}

pub(super) fn seconds(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

pub(super) fn parse_seconds(text: &str, min: f64, max: f64, what: &str) -> Result<i64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && (min..=max).contains(&s) => Ok((s * 1000.0).round() as i64),
        _ => Err(format!(
            "{what} is a number of seconds from {min} to {max}."
        )),
    }
}

impl RoutingDraft {
    /// The form filled with the workspace's settings (manual selection
    /// and the defaults when it has none), a line per department.
    pub fn of(routing: Option<&RoutingSetup>, departments: &[DepartmentSetup]) -> Self {
        let default = RoutingSetup {
            algorithm: Algorithm::ManualSelection,
            capacity: None,
            offer_timeout_ms: 30_000,
            grace_ms: 60_000,
            departments: Vec::new(),
        };
        let r = routing.unwrap_or(&default);
        Self {
            algorithm: r.algorithm,
            capacity: count_text(r.capacity),
            offer_timeout: seconds(r.offer_timeout_ms),
            grace: seconds(r.grace_ms),
            departments: departments
                .iter()
                .map(|d| {
                    let own = r.departments.iter().find(|x| x.department == d.id);
                    DepartmentDraft {
                        department: d.id.clone(),
                        name: d.name.clone(),
                        algorithm: own.and_then(|o| o.algorithm),
                        capacity: count_text(own.and_then(|o| o.capacity)),
                    }
                })
                .collect(),
        }
    }

    /// What "Save" sends, or the hint that stops it. Departments without
    /// their own settings are left out.
    pub fn setup(&self) -> Result<RoutingSetup, String> {
        let capacity = parse_count(&self.capacity, 1, MAX_CAPACITY, "A capacity")?;
        let offer_timeout_ms = parse_seconds(&self.offer_timeout, 1.0, 600.0, "The offer timeout")?;
        let grace_ms = parse_seconds(&self.grace, 0.0, 3600.0, "The grace period")?;
        let mut departments = Vec::new();
        for d in &self.departments {
            let what = format!("{}'s capacity", d.name);
            let capacity = parse_count(&d.capacity, 1, MAX_CAPACITY, &what)?;
            if d.algorithm.is_some() || capacity.is_some() {
                departments.push(DepartmentRouting {
                    department: d.department.clone(),
                    algorithm: d.algorithm,
                    capacity,
                });
            }
        }
        Ok(RoutingSetup {
            algorithm: self.algorithm,
            capacity,
            offer_timeout_ms,
            grace_ms,
            departments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dept(id: &str) -> DepartmentSetup {
        DepartmentSetup {
            id: id.into(),
            name: id.to_uppercase(),
            hours: vec![],
            utc_offset_minutes: 0,
        }
    }

    #[test]
    fn seconds_in_the_form_milliseconds_on_the_wire() {
        let mut draft = RoutingDraft::of(None, &[dept("sales"), dept("support")]);
        assert_eq!(draft.offer_timeout, "30");
        assert_eq!(draft.grace, "60");
        assert_eq!(draft.algorithm, Algorithm::ManualSelection);
        draft.algorithm = Algorithm::LoadBalancing;
        draft.offer_timeout = "12.5".into();
        draft.grace = "0".into();
        draft.capacity = "3".into();
        draft.departments[1].algorithm = Some(Algorithm::AutoSelection);
        draft.departments[1].capacity = "2".into();
        let sent = serde_json::to_value(draft.setup().unwrap()).unwrap();
        assert_eq!(
            sent,
            json!({ "algorithm": "load_balancing", "capacity": 3, "offer_timeout_ms": 12500,
                    "grace_ms": 0,
                    "departments": [{ "department": "support", "algorithm": "auto_selection", "capacity": 2 }] })
        );
        // And back.
        let back = RoutingDraft::of(
            Some(&draft.setup().unwrap()),
            &[dept("sales"), dept("support")],
        );
        assert_eq!(back, draft);
    }

    #[test]
    fn hints() {
        let mut draft = RoutingDraft::of(None, &[dept("sales")]);
        draft.offer_timeout = "0.5".into();
        assert_eq!(
            draft.setup().unwrap_err(),
            "The offer timeout is a number of seconds from 1 to 600."
        );
        draft.offer_timeout = "30".into();
        draft.grace = "soon".into();
        assert_eq!(
            draft.setup().unwrap_err(),
            "The grace period is a number of seconds from 0 to 3600."
        );
        draft.grace = "60".into();
        draft.departments[0].capacity = "0".into();
        assert_eq!(
            draft.setup().unwrap_err(),
            "SALES's capacity is a whole number from 1 to 1000"
        );
    }

    #[test]
    fn algorithms_round_trip() {
        for (a, v, _) in ALGORITHMS {
            assert_eq!(algorithm_of(v), Some(a));
            assert_eq!(algorithm_value(a), v);
        }
        assert_eq!(algorithm_of(""), None);
    }
}
