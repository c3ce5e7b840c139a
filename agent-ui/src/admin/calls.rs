//! The Calls screen: whether agents may start audio and video calls, the
//! sites and departments where they may not, how long a call rings
//! (seconds in the form, milliseconds on the wire), and the STUN and TURN
//! servers (one URL a line) with the TURN shared secret. The server checks
//! every value again and says what it refuses.

use shared::api::{DepartmentSetup, SiteSetup};
use shared::call::{CallSettings, RING_TIMEOUT_RANGE_MS};

/// A site or department with its "calls off" box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Calls are off there.
    pub off: bool,
}

/// The form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallsDraft {
    /// Calls on for the workspace.
    pub enabled: bool,
    /// Ring timeout in seconds, as typed.
    pub ring: String,
    /// Every site, with whether calls are off there.
    pub sites: Vec<Place>,
    /// Every department, likewise.
    pub departments: Vec<Place>,
    /// STUN URLs, one a line.
    pub stun: String,
    /// TURN URLs, one a line.
    pub turn: String,
    /// The TURN shared secret, as typed.
    pub secret: String,
}

fn places(all: impl Iterator<Item = (String, String)>, off: &[String]) -> Vec<Place> {
    all.map(|(id, name)| Place {
        off: off.contains(&id),
        id,
        name,
    })
    .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.split(['\n', ' ', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CallsDraft {
    /// The form for the workspace's settings.
    pub fn of(c: &CallSettings, sites: &[SiteSetup], departments: &[DepartmentSetup]) -> Self {
        Self {
            enabled: c.enabled,
            ring: super::routing::seconds(c.ring_timeout_ms),
            sites: places(
                sites.iter().map(|s| (s.id.clone(), s.name.clone())),
                &c.off_sites,
            ),
            departments: places(
                departments.iter().map(|d| (d.id.clone(), d.name.clone())),
                &c.off_departments,
            ),
            stun: c.stun_urls.join("\n"),
            turn: c.turn_urls.join("\n"),
            secret: c.turn_secret.clone().unwrap_or_default(),
        }
    }

    /// What "Save" sends, or a hint for the person when the form cannot be
    /// right (the server checks the URLs and the secret).
    pub fn setup(&self) -> Result<CallSettings, String> {
        let (min, max) = RING_TIMEOUT_RANGE_MS;
        let ring = super::routing::parse_seconds(
            &self.ring,
            min as f64 / 1000.0,
            max as f64 / 1000.0,
            "The ring timeout",
        )?;
        let turn_urls = lines(&self.turn);
        let secret = self.secret.trim();
        if !turn_urls.is_empty() && secret.is_empty() {
            return Err("TURN servers need their shared secret".into());
        }
        let off = |p: &[Place]| p.iter().filter(|p| p.off).map(|p| p.id.clone()).collect();
        Ok(CallSettings {
            enabled: self.enabled,
            off_sites: off(&self.sites),
            off_departments: off(&self.departments),
            ring_timeout_ms: ring,
            stun_urls: lines(&self.stun),
            turn_urls,
            turn_secret: (!secret.is_empty()).then(|| secret.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, name: &str) -> SiteSetup {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "department": "support"
        }))
        .unwrap()
    }

    fn department(id: &str, name: &str) -> DepartmentSetup {
        serde_json::from_value(serde_json::json!({ "id": id, "name": name })).unwrap()
    }

    #[test]
    fn the_form_round_trips_the_settings() {
        let settings = CallSettings {
            enabled: true,
            off_sites: vec!["shop".into()],
            off_departments: vec![],
            ring_timeout_ms: 30_000,
            stun_urls: vec!["stun:stun.example.com:3478".into()],
            turn_urls: vec!["turn:turn.example.com:3478".into()],
            turn_secret: Some("0123456789abcdef".into()),
        };
        let sites = [site("website", "Acme website"), site("shop", "Shop")];
        let departments = [department("support", "Support")];
        let draft = CallsDraft::of(&settings, &sites, &departments);
        assert_eq!(draft.ring, "30");
        assert_eq!(
            draft.sites.iter().map(|p| p.off).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!(draft.setup(), Ok(settings));
    }

    #[test]
    fn what_the_form_refuses_and_reads() {
        let mut draft = CallsDraft::of(
            &CallSettings::default(),
            &[],
            &[department("sales", "Sales")],
        );
        draft.departments[0].off = true;
        draft.stun = " stun:a.example.com\n\nstun:b.example.com, ".into();
        let set = draft.setup().unwrap();
        assert_eq!(set.off_departments, ["sales"]);
        assert_eq!(set.stun_urls, ["stun:a.example.com", "stun:b.example.com"]);
        assert_eq!(set.turn_secret, None);
        draft.ring = "2".into();
        assert!(draft.setup().unwrap_err().contains("ring timeout"));
        draft.ring = "45".into();
        draft.turn = "turn:t.example.com".into();
        assert_eq!(
            draft.setup(),
            Err("TURN servers need their shared secret".into())
        );
    }
}
