//! Agents by the dozen, for the benchmarks: their setups in a workspace,
//! and all of them online at once with every offer they get reported.

use crate::Api;
use anyhow::Result;
use shared::api::{AgentSetup, LoginRequest};
use shared::inbox::InboxFrame;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Agent `i`'s email and password in workspace `workspace`.
fn credentials(workspace: &str, i: usize) -> LoginRequest {
    LoginRequest {
        workspace: workspace.into(),
        email: format!("agent{i}@{workspace}.test"),
        password: format!("{workspace}-password-{i}"),
    }
}

/// `count` agents of `workspace` in `departments`, active, without a
/// capacity limit (every offer finds room).
pub fn agent_setups(workspace: &str, count: usize, departments: &[&str]) -> Vec<AgentSetup> {
    (0..count)
        .map(|i| {
            let login = credentials(workspace, i);
            AgentSetup {
                email: login.email,
                name: format!("Agent {i}"),
                role: shared::api::Role::Agent,
                password: login.password,
                departments: departments.iter().map(|d| (*d).to_owned()).collect(),
                username: None,
                capacity: None,
                active: true,
            }
        })
        .collect()
}

/// Signs in the `count` agents [`agent_setups`] made, opens their inboxes
/// and makes them available; `on_offer` hears every offer (the
/// conversation's id, when it arrived) until the run ends. Answers their
/// tokens. Sign-ins hash passwords (PBKDF2) on the worker's one thread, so
/// a few go at a time; under `wrangler dev` a request whose isolate was
/// busy for long is now and then answered 503 by wrangler's proxy
/// ("restarted mid-request"), and [`Api::agent_online`] retries those.
pub async fn agents_online<F>(
    api: &Api,
    workspace: &str,
    count: usize,
    on_offer: F,
) -> Result<Vec<String>>
where
    F: Fn(String, Instant) + Clone + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(4));
    let mut joins = Vec::new();
    for i in 0..count {
        let (api, gate, on_offer) = (api.clone(), gate.clone(), on_offer.clone());
        let login = credentials(workspace, i);
        joins.push(tokio::spawn(async move {
            let _p = gate.acquire().await?;
            let (token, mut inbox) = api.agent_online(&login).await?;
            tokio::spawn(async move {
                while let Ok(frame) = inbox
                    .next_quiet::<InboxFrame>(Duration::from_secs(600))
                    .await
                {
                    if let InboxFrame::Offer { conversation, .. } = frame {
                        on_offer(conversation.id.0, Instant::now());
                    }
                }
            });
            anyhow::Ok(token)
        }));
    }
    let mut tokens = Vec::new();
    for j in joins {
        tokens.push(j.await??);
    }
    Ok(tokens)
}
