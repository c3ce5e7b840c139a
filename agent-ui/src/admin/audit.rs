//! The Audit log's filters (who, what, from, to) as the query of `GET
//! /api/v1/admin/audit`, with "Older" paging.

/// The words an entry's `what` may be, for the "What" filter.
pub const WHATS: [&str; 21] = [
    "departments.update",
    "sites.update",
    "site.secret.rotate",
    "routing.update",
    "grants.update",
    "labels.update",
    "person.update",
    "person.invite",
    "person.join",
    "person.password_reset",
    "invitation.revoke",
    "canned.create",
    "canned.remove",
    "api_token.create",
    "api_token.revoke",
    "webhook.create",
    "webhook.update",
    "webhook.remove",
    "webhook.redeliver",
    "workspace.setup",
    "workspace.create",
];

/// The filters as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// A person's id (or `operator`, `api:<id>`); empty: anyone.
    pub who: String,
    /// One of [`WHATS`]; empty: anything.
    pub what: String,
    /// A day, `YYYY-MM-DD` (UTC); empty: from the start.
    pub from: String,
    /// A day, `YYYY-MM-DD` (UTC), included; empty: up to now.
    pub to: String,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Midnight UTC of `YYYY-MM-DD`, in ms since the epoch.
pub fn day_start(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > len[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400_000)
}

fn encode(out: &mut String, value: &str) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

impl Filter {
    /// The query string (without `?`) for the page before `before`, or
    /// the hint that stops it.
    pub fn query(&self, before: Option<i64>) -> Result<String, String> {
        let from = match self.from.trim() {
            "" => None,
            t => Some(day_start(t).ok_or("Write the first day as YYYY-MM-DD.")?),
        };
        let to = match self.to.trim() {
            "" => None,
            t => Some(day_start(t).ok_or("Write the last day as YYYY-MM-DD.")? + 86_400_000),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err("The first day comes before the last.".into());
            }
        }
        let mut q = String::new();
        let mut add = |key: &str, value: &str| {
            if value.is_empty() {
                return;
            }
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(key);
            q.push('=');
            encode(&mut q, value);
        };
        add("who", self.who.trim());
        add("what", self.what.trim());
        add("from", &from.map(|n| n.to_string()).unwrap_or_default());
        add("to", &to.map(|n| n.to_string()).unwrap_or_default());
        add("before", &before.map(|n| n.to_string()).unwrap_or_default());
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert_eq!(day_start("1970-01-01"), Some(0));
        assert_eq!(day_start("2026-11-23"), Some(1_795_392_000_000));
        assert_eq!(day_start("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(day_start("2023-02-29"), None);
        assert_eq!(day_start("2023-13-01"), None);
        assert_eq!(day_start("yesterday"), None);
    }

    #[test]
    fn queries() {
        assert_eq!(Filter::default().query(None), Ok(String::new()));
        let f = Filter {
            who: "api:t 1".into(),
            what: "person.invite".into(),
            from: "2026-11-23".into(),
            to: "2026-11-23".into(),
        };
        assert_eq!(
            f.query(Some(42)),
            Ok(
                "who=api%3At%201&what=person.invite&from=1795392000000&to=1795478400000&before=42"
                    .into()
            )
        );
        let f = Filter {
            from: "2026-11-24".into(),
            to: "2026-11-23".into(),
            ..Filter::default()
        };
        assert_eq!(
            f.query(None),
            Err("The first day comes before the last.".into())
        );
        let f = Filter {
            to: "23/11/2026".into(),
            ..Filter::default()
        };
        assert_eq!(
            f.query(None),
            Err("Write the last day as YYYY-MM-DD.".into())
        );
    }
}
