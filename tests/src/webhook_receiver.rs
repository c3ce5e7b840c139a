//! A webhook receiver on 127.0.0.1 for the tests and the webhook benchmark:
//! it keeps every request it gets (headers, body, when) and answers as
//! told (fail a delivery's first attempts, answer slowly).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived.
    pub at: Instant,
    /// `X-LiveChat-Event`.
    pub event: String,
    /// `X-LiveChat-Delivery`.
    pub delivery: String,
    /// `X-LiveChat-Timestamp`.
    pub timestamp: String,
    /// `X-LiveChat-Signature`.
    pub signature: String,
    /// The body.
    pub body: String,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }

    /// Whether the signature is `v1=` and the hex HMAC-SHA256 of
    /// `"<timestamp>.<body>"` under `secret`, as a site would check it.
    pub fn signed_by(&self, secret: &str) -> bool {
        let Some(hex) = self.signature.strip_prefix("v1=") else {
            return false;
        };
        let Some(given) = decode_hex(hex) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(self.timestamp.as_bytes());
        mac.update(b".");
        mac.update(self.body.as_bytes());
        // Constant-time comparison, as a receiver should do.
        mac.verify_slice(&given).is_ok()
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// How the receiver answers.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Each delivery's first this many attempts get a 500.
    pub fail_first: u32,
    /// Every answer waits this long.
    pub delay: Duration,
}

#[derive(Default)]
struct Shared {
    log: Vec<Received>,
    attempts: HashMap<String, u32>,
    behaviour: Behaviour,
}

/// A running receiver; it stops when dropped.
pub struct Receiver {
    /// Where to point a webhook.
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    pub async fn start(behaviour: Behaviour) -> anyhow::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr()?.port());
        let shared = Arc::new(Mutex::new(Shared {
            behaviour,
            ..Shared::default()
        }));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, shared, task })
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Received> {
        self.shared.lock().map(|s| s.log.clone()).unwrap_or_default()
    }

    /// Changes how it answers from now on.
    pub fn behave(&self, behaviour: Behaviour) {
        if let Ok(mut s) = self.shared.lock() {
            s.behaviour = behaviour;
        }
    }

    /// Waits until `done` holds for the log, or `limit` passes; answers
    /// the log either way.
    pub async fn wait_for(
        &self,
        limit: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let until = Instant::now() + limit;
        loop {
            let log = self.log();
            if done(&log) || Instant::now() > until {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let at = Instant::now();
    let delivery = header("x-livechat-delivery");
    let (status, delay) = {
        let Ok(mut s) = shared.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR;
        };
        let fail_first = s.behaviour.fail_first;
        let delay = s.behaviour.delay;
        let n = s.attempts.entry(delivery.clone()).or_insert(0);
        *n += 1;
        let status = if *n <= fail_first {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::NO_CONTENT
        };
        (status, delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Ok(mut s) = shared.lock() {
        s.log.push(Received {
            at,
            event: header("x-livechat-event"),
            delivery,
            timestamp: header("x-livechat-timestamp"),
            signature: header("x-livechat-signature"),
            body: String::from_utf8_lossy(&body).into_owned(),
            answered: status.as_u16(),
        });
    }
    status
}
