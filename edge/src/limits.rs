//! The worker's side of the limits whose rules are in
//! [`chat_core::limits`]: the deployment's `LIMITS` setting, who a request
//! comes from, and the platform's Rate Limiting bindings, which count what
//! is keyed by IP address, site or account across every isolate. A
//! binding's refusal answers `429 too_many_requests` with `Retry-After`.

use crate::error::{Error, Result};
use chat_core::limits::{Keyed, Limits};
use worker::{Env, Request};

/// The deployment's limits: the `LIMITS` variable (`off`, JSON overrides)
/// over [`Limits::standard`]. A setting that cannot be read is logged and
/// the standard limits apply: a typo never lifts them.
/// Read once per isolate: a deployment's settings never change under a
/// running isolate.
pub fn of(env: &Env) -> Limits {
    thread_local! {
        static LIMITS: std::cell::OnceCell<Limits> = const { std::cell::OnceCell::new() };
    }
    LIMITS.with(|known| {
        known
            .get_or_init(|| {
                let setting = env.var("LIMITS").ok().map(|v| v.to_string());
                Limits::from_setting(setting.as_deref()).unwrap_or_else(|e| {
                    worker::console_error!("{e}; the standard limits apply");
                    Limits::standard()
                })
            })
            .clone()
    })
}

/// The address a request comes from, as the platform saw it
/// (`CF-Connecting-IP`, which the platform sets and clients cannot).
pub fn client_ip(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Counts one more of `keyed` for `by` in its binding; refused once the
/// binding says the window is full. A binding that is missing or fails is
/// logged and lets the request through: the per-object limits still hold.
pub async fn check(env: &Env, limits: &Limits, keyed: Keyed, by: &str) -> Result<()> {
    if !limits.keyed {
        return Ok(());
    }
    let limiter = match env.rate_limiter(keyed.binding()) {
        Ok(l) => l,
        Err(e) => {
            worker::console_error!("rate limit binding {}: {e}", keyed.binding());
            return Ok(());
        }
    };
    match limiter.limit(keyed.key(by)).await {
        Ok(outcome) if !outcome.success => Err(Error::Limited(keyed.refusal())),
        Ok(_) => Ok(()),
        Err(e) => {
            worker::console_error!("rate limit {}: {e}", keyed.binding());
            Ok(())
        }
    }
}
