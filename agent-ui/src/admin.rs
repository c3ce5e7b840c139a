//! The Administration area's pure parts, natively tested: its screens and
//! who sees its entry, and for each screen the draft its form edits, the
//! hint it shows before anything is sent, and the body it sends (the
//! bodies of `shared::admin`). The screens themselves are
//! `components/admin/`; the calls `api/admin.rs`. The server checks every
//! change again and its 400 sentence is what a refused save shows.

pub mod audit;
pub mod calls;
pub mod departments;
pub mod grants;
pub mod hours;
pub mod labels;
pub mod pages;
pub mod people;
pub mod routing;
pub mod sites;
pub mod tokens;
pub mod webhooks;

use shared::api::Role;

/// The screens of the Administration area, in the order of its navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Screen {
    /// People and invitations.
    Agents,
    /// Departments.
    Departments,
    /// The roles × permissions grid.
    Roles,
    /// Sites: origins, secret, theme, pre-chat form, snippet.
    Sites,
    /// Algorithms, capacity, offer timeout, grace period.
    Routing,
    /// Audio and video calls: on or off, ring timeout, STUN and TURN.
    Calls,
    /// Each department's week and time zone.
    Hours,
    /// The workspace's canned responses.
    Canned,
    /// Tags and dispositions.
    Labels,
    /// Webhooks and their deliveries.
    Webhooks,
    /// API tokens.
    Tokens,
    /// The audit log.
    Audit,
}

impl Screen {
    /// Every screen, in navigation order.
    pub const ALL: [Screen; 12] = [
        Screen::Agents,
        Screen::Departments,
        Screen::Roles,
        Screen::Sites,
        Screen::Routing,
        Screen::Calls,
        Screen::Hours,
        Screen::Canned,
        Screen::Labels,
        Screen::Webhooks,
        Screen::Tokens,
        Screen::Audit,
    ];

    /// Its accessible name, as the product names it.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Agents => "Agents",
            Screen::Departments => "Departments",
            Screen::Roles => "Roles and permissions",
            Screen::Sites => "Sites",
            Screen::Routing => "Routing",
            Screen::Calls => "Calls",
            Screen::Hours => "Business hours",
            Screen::Canned => "Canned responses",
            Screen::Labels => "Tags and dispositions",
            Screen::Webhooks => "Webhooks",
            Screen::Tokens => "API tokens",
            Screen::Audit => "Audit log",
        }
    }
}

/// Whether a role sees the "Administration" entry (the server decides what
/// each screen may do, and a refusal shows its sentence).
pub fn for_role(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// The roles a person may have, in the order forms list them.
pub const ROLES: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

/// A role's word for people.
pub fn role_word(role: Role) -> &'static str {
    match role {
        Role::Agent => "Agent",
        Role::Manager => "Manager",
        Role::Admin => "Admin",
        Role::Unknown => "Unknown",
    }
}

/// A role's value in a `<select>` (its wire name).
pub fn role_value(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Manager => "manager",
        Role::Admin => "admin",
        Role::Unknown => "",
    }
}

/// The role a `<select>`'s value names.
pub fn role_of(value: &str) -> Role {
    ROLES
        .into_iter()
        .find(|r| role_value(*r) == value)
        .unwrap_or(Role::Unknown)
}

/// A count typed in a form: empty is none; otherwise a whole number from
/// `min` to `max`. `what` names it in the hint.
pub fn parse_count(text: &str, min: u32, max: u32, what: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!("{what} is a whole number from {min} to {max}")),
    }
}

/// A count for its form's field: empty when none.
pub fn count_text(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_carry_the_products_names() {
        let names: Vec<_> = Screen::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "Agents",
                "Departments",
                "Roles and permissions",
                "Sites",
                "Routing",
                "Calls",
                "Business hours",
                "Canned responses",
                "Tags and dispositions",
                "Webhooks",
                "API tokens",
                "Audit log"
            ]
        );
    }

    #[test]
    fn managers_and_admins_see_the_entry() {
        assert!(!for_role(Role::Agent));
        assert!(for_role(Role::Manager));
        assert!(for_role(Role::Admin));
        assert!(!for_role(Role::Unknown));
    }

    #[test]
    fn roles_round_trip_through_their_values() {
        for r in ROLES {
            assert_eq!(role_of(role_value(r)), r);
        }
        assert_eq!(role_of("owner"), Role::Unknown);
    }

    #[track_caller]
    fn check(text: &str, expected: Result<Option<u32>, &str>) {
        assert_eq!(
            parse_count(text, 1, 100, "a capacity"),
            expected.map_err(String::from)
        );
    }

    #[test]
    fn counts() {
        check("", Ok(None));
        check("  ", Ok(None));
        check(" 5 ", Ok(Some(5)));
        check("100", Ok(Some(100)));
        check("0", Err("a capacity is a whole number from 1 to 100"));
        check("101", Err("a capacity is a whole number from 1 to 100"));
        check("2.5", Err("a capacity is a whole number from 1 to 100"));
        check("-1", Err("a capacity is a whole number from 1 to 100"));
        check("many", Err("a capacity is a whole number from 1 to 100"));
        assert_eq!(count_text(Some(3)), "3");
        assert_eq!(count_text(None), "");
    }
}
