//! The "Roles and permissions" grid: roles (agent, manager, admin) ×
//! permissions, one checkbox each, saved at once as every role's list.

use super::ROLES;
use shared::admin::all_permissions;
use shared::api::{Permission, Role, RoleGrants};
use std::collections::BTreeSet;

/// A permission's words for people.
pub fn permission_word(p: Permission) -> &'static str {
    match p {
        Permission::ViewQueue => "View the queue",
        Permission::TakeChat => "Take chats",
        Permission::Reply => "Reply",
        Permission::Transfer => "Transfer",
        Permission::Monitor => "Monitor",
        Permission::ManageWorkspace => "Manage the workspace",
        Permission::EditContact => "Edit contacts",
        Permission::CreateCannedResponse => "Create canned responses",
        Permission::RequestPdfTranscript => "Request PDF transcript",
        Permission::Unknown => "Unknown",
    }
}

/// The grid's checked boxes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid(BTreeSet<(Role, Permission)>);

impl Grid {
    /// The grid of the workspace's grants.
    pub fn of(grants: &[RoleGrants]) -> Self {
        Self(
            grants
                .iter()
                .flat_map(|g| g.permissions.iter().map(move |p| (g.role, *p)))
                .collect(),
        )
    }

    /// Whether `role` has `permission`.
    pub fn has(&self, role: Role, permission: Permission) -> bool {
        self.0.contains(&(role, permission))
    }

    /// Checks or clears one box.
    pub fn set(&mut self, role: Role, permission: Permission, on: bool) {
        if on {
            self.0.insert((role, permission));
        } else {
            self.0.remove(&(role, permission));
        }
    }

    /// What "Save" sends: every role, its permissions in the grid's order.
    pub fn grants(&self) -> Vec<RoleGrants> {
        ROLES
            .into_iter()
            .map(|role| RoleGrants {
                role,
                permissions: all_permissions()
                    .into_iter()
                    .filter(|p| self.has(role, *p))
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_grid_sends_every_role() {
        let mut grid = Grid::of(&[
            RoleGrants {
                role: Role::Agent,
                permissions: vec![Permission::Reply, Permission::ViewQueue],
            },
            RoleGrants {
                role: Role::Admin,
                permissions: all_permissions().to_vec(),
            },
        ]);
        assert!(grid.has(Role::Agent, Permission::Reply));
        assert!(!grid.has(Role::Manager, Permission::Reply));
        grid.set(Role::Agent, Permission::Transfer, true);
        grid.set(Role::Agent, Permission::Reply, false);
        grid.set(Role::Manager, Permission::Monitor, true);
        let sent = serde_json::to_value(grid.grants()).unwrap();
        assert_eq!(
            sent[0],
            json!({ "role": "agent", "permissions": ["view_queue", "transfer"] })
        );
        assert_eq!(
            sent[1],
            json!({ "role": "manager", "permissions": ["monitor"] })
        );
        assert_eq!(sent[2]["permissions"].as_array().unwrap().len(), 9);
    }

    #[test]
    fn every_permission_has_words() {
        for p in all_permissions() {
            assert_ne!(permission_word(p), "Unknown");
        }
        assert_eq!(permission_word(Permission::Transfer), "Transfer");
        assert_eq!(
            permission_word(Permission::RequestPdfTranscript),
            "Request PDF transcript"
        );
    }
}
