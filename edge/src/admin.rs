//! The administration API's gate: every route under `/api/v1/admin/`
//! starts with [`authorize`], which the workspace answers on every
//! request (a changed role or a deactivation applies to the next request).

use crate::auth::Kind;
use crate::error::Result;
use crate::workspace_object::Asking;
use shared::api::AgentProfile;
use worker::{Env, Request};

/// Who is managing which workspace.
#[derive(Clone, Debug)]
pub struct Admin {
    /// The workspace's slug.
    pub workspace: String,
    /// The person, as the workspace knows them now.
    pub person: AgentProfile,
}

/// The request's agent token, if its person may manage its workspace
/// (`manage_workspace`); otherwise 401 or 403 with the reason.
pub async fn authorize(req: &Request, env: &Env) -> Result<Admin> {
    let claims = crate::claims(req, env, Kind::Agent)?;
    let ask = Asking {
        who: crate::principal(&claims),
        conversation: None,
        action: None,
    };
    let person: AgentProfile = crate::http::ask(
        &crate::workspace(env, &claims.workspace)?,
        "/admin/check",
        &ask,
    )
    .await?;
    Ok(Admin {
        workspace: claims.workspace,
        person,
    })
}
