//! Every limit, tripped against the real worker: the refusal it answers
//! (an `error` frame with the client id of the refused message, a socket
//! closed with 4429, or `429` with `Retry-After` and a sentence), and that
//! nothing of anyone else was lost: a conversation started before the
//! limit tripped still delivers and stores its messages.
//!
//! These workers run with the standard limits (`Worker::start_limited`),
//! or with one per-object limit made small through `LIMITS` so a test
//! trips it in a few frames. Limits counted by the platform's Rate
//! Limiting binding keep `wrangler.toml`'s numbers and are counted per
//! `CF-Connecting-IP`, which each test sets (`Worker::api_from`). The
//! binding counts in fixed windows, so a test that must trip one sends up
//! to twice its limit plus one (two windows can hold at most twice it).
//!
//! This file holds what the tests share (requests from an address, a
//! bystander's conversation); `per_socket.rs` the limits of a socket and
//! of a visitor's sockets, `per_address.rs` those per address and per
//! site, `sign_in.rs` sign-in attempts, `storage.rs` the queue's length
//! and ids nobody created.

use anyhow::{bail, Context, Result};
use futures_util::future::join_all;
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};
use std::time::Duration;
use tests::{Api, Socket, Worker};

mod per_address;
mod per_socket;
mod sign_in;
mod storage;

/// An HTTP answer with its `Retry-After`.
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: serde_json::Value,
}

impl Reply {
    /// Checks a limit's refusal: 429, the code, a `Retry-After` and a
    /// sentence naming what was limited.
    #[track_caller]
    fn limited(&self, code: &str, retry_after: u64, words: &str) {
        assert_eq!(self.status, 429, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert_eq!(self.retry_after, Some(retry_after), "{}", self.body);
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
    }
}

/// Sends a request from `ip` (`CF-Connecting-IP`) with the worker's own
/// `Origin`, as the widget's frame does.
async fn request(
    worker: &Worker,
    ip: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Result<Reply> {
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut req = reqwest::Client::new()
        .request(method, worker.url(path))
        .header("origin", worker.origin())
        .header("cf-connecting-ip", ip);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let text = resp.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok(Reply {
        status,
        retry_after,
        body,
    })
}

/// Sends `attempt(i)` for i = 0, 1, … (`parallel` at a time) until one is
/// refused with 429, at most `most` times; answers that refusal and how
/// many passed before it.
async fn until_refused<F, Fut>(most: usize, parallel: usize, attempt: F) -> Result<(Reply, usize)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    let mut passed = 0;
    let mut i = 0;
    while i < most {
        let batch: Vec<_> = (i..(i + parallel).min(most)).map(&attempt).collect();
        i += batch.len();
        let mut refused = None;
        for reply in join_all(batch).await {
            let reply = reply?;
            match reply.status {
                429 => refused = refused.or(Some(reply)),
                200 => passed += 1,
                other => bail!("attempt answered {other}: {}", reply.body),
            }
        }
        if let Some(r) = refused {
            return Ok((r, passed));
        }
    }
    bail!("{most} attempts and none refused")
}

/// Someone else's conversation, started before a limit trips: its visitor
/// and an agent (Mark, who monitors) on it.
struct Bystander {
    api: Api,
    id: String,
    token: String,
    visitor: Socket,
    agent: Socket,
    sent: usize,
}

async fn bystander(worker: &Worker) -> Result<Bystander> {
    let api = worker.api_from("192.0.2.250");
    let v = api.visitor().await?;
    let (id, visitor) = api.first_message(&v, "before").await?;
    let mark = api.login("mark@demo.test").await?;
    // The queue hears of it just after its first message is stored.
    let mut agent = None;
    for _ in 0..50 {
        if let Ok((a, _)) = api.join(&id, &mark.token, 0).await {
            agent = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Bystander {
        api,
        id,
        token: v.token,
        visitor,
        agent: agent.context("the agent could not open the bystander's chat")?,
        sent: 1,
    })
}

impl Bystander {
    /// Writes three more messages: each is acked, reaches the agent, and
    /// every message ever written is stored (a fresh socket's replay).
    async fn still_chats(&mut self) -> Result<()> {
        for _ in 0..3 {
            self.sent += 1;
            let cid = format!("by-{}", self.sent);
            self.visitor
                .send(&ClientFrame::Send {
                    client_id: cid.as_str().into(),
                    text: format!("message {}", self.sent),
                    kind: Default::default(),
                })
                .await?;
            self.visitor
                .recv_until(
                    |f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id.0 == cid),
                )
                .await?;
            self.agent
                .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.client_id.as_ref().is_some_and(|c| c.0 == cid)))
                .await?;
        }
        let (mut again, _) = self.api.join(&self.id, &self.token, 0).await?;
        let stored: Vec<String> = again
            .drain(Duration::from_millis(500))
            .await
            .into_iter()
            .filter_map(|f| match f {
                ServerFrame::Message(m) if m.author.side == shared::frame::Side::Visitor => {
                    Some(m.text)
                }
                _ => None,
            })
            .collect();
        let mut expected = vec!["before".to_owned()];
        expected.extend((2..=self.sent).map(|i| format!("message {i}")));
        assert_eq!(stored, expected, "the bystander's messages as stored");
        Ok(())
    }
}

/// A WebSocket upgrade of `path` over plain HTTP from `ip`: its answer's
/// status, headers and body can be read whatever they are.
async fn upgrade(worker: &Worker, path: &str, ip: &str) -> Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .get(worker.url(path))
        .header("origin", worker.origin())
        .header("cf-connecting-ip", ip)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await?)
}

fn send(cid: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: cid.into(),
        text: format!("text of {cid}"),
        kind: Default::default(),
    }
}
