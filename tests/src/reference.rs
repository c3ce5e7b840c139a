//! The benchmarks' reference: a local worker of its own running the plain
//! JavaScript room (`bench/reference/room.js`), its storage beside the
//! product's.

use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;
use std::time::Duration;

pub struct Reference {
    pub port: u16,
    pub child: tokio::process::Child,
    pub _state: tempfile::TempDir,
}

impl Reference {
    /// Starts it; a port taken meanwhile by another process (wrangler then
    /// exits at once) means another try on other ports.
    pub async fn start(parent: &Path) -> Result<Reference> {
        let mut tries = 0;
        loop {
            match Self::start_once(parent).await {
                Err(e) if tries < 3 => {
                    tries += 1;
                    eprintln!("the reference worker did not start ({e:#}); again");
                }
                started => return started,
            }
        }
    }

    pub async fn start_once(parent: &Path) -> Result<Reference> {
        let root = crate::root();
        let state = tempfile::Builder::new()
            .prefix("livechat-reference-")
            .tempdir_in(parent)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log_path = state.path().join("wrangler.log");
        let log = std::fs::File::create(&log_path)?;
        let reference_dir = root.join("bench/reference");
        let child = crate::local_worker(
            &reference_dir.join("wrangler.toml"),
            port,
            &state.path().join("state"),
            serde_json::json!({}),
        )?
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the local worker for bench/reference")?;
        let mut reference = Reference {
            port,
            child,
            _state: state,
        };
        let client = reqwest::Client::new();
        for _ in 0..240 {
            if let Ok(Some(status)) = reference.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                bail!("the reference worker exited ({status}):\n{log}");
            }
            let url = format!("http://127.0.0.1:{port}/room/ready/rows");
            if let Ok(r) = client.get(url).send().await {
                if r.status().is_success() {
                    return Ok(reference);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!("the reference worker (bench/reference) did not start in 60 s")
    }

    pub fn group(&self) -> Option<u32> {
        self.child.id()
    }

    pub async fn rows(&self, room: &str) -> Result<u64> {
        rows_at(&format!("http://127.0.0.1:{}/room/{room}/rows", self.port)).await
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
        }
    }
}

pub async fn rows_at(url: &str) -> Result<u64> {
    let v: serde_json::Value = reqwest::get(url).await?.error_for_status()?.json().await?;
    v["rows_written"]
        .as_u64()
        .ok_or_else(|| anyhow!("no rows_written in {v}"))
}
