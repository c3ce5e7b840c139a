//! Roles and what they allow. The server asks [`allows`] before every action;
//! the apps only hide what would be refused anyway.

use shared::api::Role;
use std::collections::BTreeMap;

pub use shared::api::Permission;

/// Whether `role` grants `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    if permission == Unknown {
        return false;
    }
    match role {
        Role::Admin | Role::Manager => true,
        Role::Agent => matches!(
            permission,
            ViewQueue | TakeChat | Reply | Transfer | EditContact | CreateCannedResponse
                | RequestPdfTranscript
        ),
        Role::Unknown => false,
    }
}

/// A workspace's own grants: for each role listed, exactly the permissions
/// it has there (a role not listed keeps [`allows`]'s defaults).
pub type Grants = BTreeMap<Role, Vec<Permission>>;

/// Whether `role` grants `permission` in a workspace with these grants.
pub fn allows_in(grants: &Grants, role: Role, permission: Permission) -> bool {
    if permission == Permission::Unknown || role == Role::Unknown {
        return false;
    }
    match grants.get(&role) {
        Some(granted) => granted.contains(&permission),
        None => allows(role, permission),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(role: Role, permission: Permission, expected: bool) {
        assert_eq!(
            allows(role, permission),
            expected,
            "{role:?} {permission:?}"
        );
    }

    #[test]
    fn role_table() {
        check(Role::Agent, Permission::ViewQueue, true);
        check(Role::Agent, Permission::TakeChat, true);
        check(Role::Agent, Permission::Reply, true);
        check(Role::Agent, Permission::Transfer, true);
        check(Role::Agent, Permission::Monitor, false);
        check(Role::Agent, Permission::ManageWorkspace, false);
        check(Role::Agent, Permission::EditContact, true);
        check(Role::Agent, Permission::CreateCannedResponse, true);
        check(Role::Agent, Permission::RequestPdfTranscript, true);
        check(Role::Manager, Permission::Monitor, true);
        check(Role::Manager, Permission::ManageWorkspace, true);
        check(Role::Admin, Permission::ManageWorkspace, true);
    }

    #[test]
    fn a_workspace_can_change_a_roles_grants() {
        let grants = Grants::from([(
            Role::Agent,
            vec![
                Permission::ViewQueue,
                Permission::TakeChat,
                Permission::Reply,
            ],
        )]);
        assert!(!allows_in(&grants, Role::Agent, Permission::Transfer));
        assert!(allows_in(&grants, Role::Agent, Permission::TakeChat));
        assert!(
            allows_in(&grants, Role::Manager, Permission::Transfer),
            "unlisted roles keep their defaults"
        );
        assert!(allows_in(&Grants::new(), Role::Agent, Permission::Transfer));
    }
}
