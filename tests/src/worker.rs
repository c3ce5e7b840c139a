//! The worker the tests and benchmarks run: wrangler's local runtime
//! started through `tests/local-worker.mjs`, on a free port, with its
//! storage in a folder of its own, stopped with its process group.

use crate::*;

/// The command that runs a worker locally (`tests/local-worker.mjs`:
/// wrangler's local runtime, without the inspector unless
/// `LIVECHAT_INSPECTOR=1`, since its network tracing costs every
/// subrequest CPU in wrangler's Node process) of the worker `config`
/// describes, on `port`, with its storage
/// under `state` and `vars` as plain-text bindings. In its own process
/// group, which [`Worker`]'s drop stops.
pub fn local_worker(
    config: &Path,
    port: u16,
    state: &Path,
    vars: serde_json::Value,
) -> Result<tokio::process::Command> {
    let mut options = serde_json::json!({
        "config": config,
        "port": port,
        "persist": state,
        "vars": vars,
        // LIVECHAT_WRANGLER_LOG=info shows every request in the log.
        "logLevel": std::env::var("LIVECHAT_WRANGLER_LOG").unwrap_or_else(|_| "warn".into()),
    });
    if std::env::var("LIVECHAT_INSPECTOR").is_ok_and(|v| v == "1") {
        options["inspectorPort"] = free_port()?.into();
    }
    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(config.parent().unwrap_or(Path::new(".")))
        .arg(root().join("tests/local-worker.mjs"))
        .arg(options.to_string())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    Ok(cmd)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Where a benchmark keeps its worker's storage: `LIVECHAT_BENCH_STATE`, else
/// /dev/shm when present (a tmpfs takes the disk out of the figures), else
/// the temporary folder.
pub fn bench_state_parent() -> PathBuf {
    std::env::var_os("LIVECHAT_BENCH_STATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if Path::new("/dev/shm").is_dir() {
                "/dev/shm".into()
            } else {
                std::env::temp_dir()
            }
        })
}

/// The `LIMITS` the test workers run with: `LIVECHAT_LIMITS`, else `off`.
/// The suites open many sessions and conversations from 127.0.0.1 and the
/// benchmarks send as fast as they can, so every limit is lifted for them
/// explicitly; the limits' own tests start their workers with
/// [`Worker::start_limited`].
pub fn default_limits() -> String {
    std::env::var("LIVECHAT_LIMITS").unwrap_or_else(|_| "off".into())
}

/// How a start that failed before the worker answered is reported.
const EXITED_EARLY: &str = "the local worker exited before it was ready";

/// A running local worker. Dropping it stops it.
pub struct Worker {
    /// Its HTTP port on 127.0.0.1.
    pub port: u16,
    child: Option<tokio::process::Child>,
    state: PathBuf,
    _state_dir: Option<tempfile::TempDir>,
    /// Where wrangler's output goes.
    pub log: PathBuf,
    /// Its `LIMITS` setting.
    limits: String,
}

impl Worker {
    /// Starts a worker with fresh storage and seeds the demo workspace.
    pub async fn start() -> Result<Worker> {
        Self::start_in(&std::env::temp_dir()).await
    }

    /// Starts a worker whose fresh storage lives under `parent` (a tmpfs
    /// folder such as /dev/shm takes the disk out of a benchmark).
    pub async fn start_in(parent: &Path) -> Result<Worker> {
        Self::start_with(parent, &default_limits()).await
    }

    /// Starts a worker with fresh storage and the given `LIMITS` (`""` for
    /// the standard limits, JSON to override some), and seeds the demo
    /// workspace.
    pub async fn start_limited(limits: &str) -> Result<Worker> {
        Self::start_with(&std::env::temp_dir(), limits).await
    }

    /// [`Worker::start_in`] with the given `LIMITS`.
    pub async fn start_with(parent: &Path, limits: &str) -> Result<Worker> {
        let dir = tempfile::Builder::new()
            .prefix("livechat-state-")
            .tempdir_in(parent)?;
        let state = dir.path().to_path_buf();
        let mut worker = Self::spawn_limited(state, limits.to_owned()).await?;
        worker._state_dir = Some(dir);
        worker.seed().await?;
        Ok(worker)
    }

    /// Starts a worker on an existing state folder (no seeding). Its ports
    /// are found free, but another test's process may take one (or one of
    /// the runtime's own) before wrangler binds it, and wrangler then exits
    /// at once: it starts again, on other ports.
    pub async fn spawn(state: PathBuf) -> Result<Worker> {
        Self::spawn_limited(state, default_limits()).await
    }

    async fn spawn_limited(state: PathBuf, limits: String) -> Result<Worker> {
        let mut attempt = 1;
        loop {
            match Self::spawn_once(state.clone(), limits.clone()).await {
                Err(e) if attempt < 4 && format!("{e:#}").contains(EXITED_EARLY) => {
                    attempt += 1;
                }
                started => return started,
            }
        }
    }

    async fn spawn_once(state: PathBuf, limits: String) -> Result<Worker> {
        let root = root();
        if !root.join("edge/build/worker/shim.mjs").exists() {
            bail!("the worker is not built: run scripts/build.sh first");
        }
        let port = free_port()?;
        let log = state.with_extension(format!("wrangler-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let vars = serde_json::json!({
            "AUTH_SECRET": AUTH_SECRET,
            "SETUP_TOKEN": SETUP_TOKEN,
            "SIGNUP_CODE": SIGNUP_CODE,
            "ENABLE_BENCH_ECHO": "true",
            "LIMITS": limits,
            // Webhook retries in a fraction of a second rather than 30 s.
            "WEBHOOK_RETRY_BASE_MS": webhook_retry_base_ms().to_string(),
        });
        let mut cmd = local_worker(&root.join("wrangler.toml"), port, &state, vars)?;
        cmd.stdout(out.try_clone()?).stderr(out);
        let child = cmd.spawn().context("starting the local worker")?;
        let mut worker = Worker {
            port,
            child: Some(child),
            state,
            _state_dir: None,
            log,
            limits,
        };
        worker.wait_ready().await?;
        Ok(worker)
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let client = reqwest::Client::new();
        for _ in 0..240 {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                bail!("{EXITED_EARLY} ({status}):\n{log}");
            }
            if let Ok(r) = client.get(self.url("/api/v1/health")).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        bail!("the local worker did not become ready in 60 s:\n{log}")
    }

    /// Seeds the demo workspace.
    pub async fn seed(&self) -> Result<()> {
        let resp = reqwest::Client::new()
            .post(self.url("/api/v1/admin/setup"))
            .bearer_auth(SETUP_TOKEN)
            .json(&demo_workspace()?)
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("seeding failed: {} {}", resp.status(), resp.text().await?);
        }
        Ok(())
    }

    /// Stops the worker and starts it again on the same storage.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill().await;
        let fresh = Self::spawn_limited(self.state.clone(), self.limits.clone()).await?;
        let mut fresh = std::mem::ManuallyDrop::new(fresh);
        self.port = fresh.port;
        self.child = fresh.child.take();
        self.log = fresh.log.clone();
        Ok(())
    }

    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                // wrangler runs workerd as a child: stop the whole group.
                unsafe {
                    libc::kill(-(pid as i32), libc::SIGTERM);
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
            let _ = child.kill().await;
            if let Some(pid) = child.id() {
                unsafe {
                    libc::kill(-(pid as i32), libc::SIGKILL);
                }
            }
        }
    }

    /// The process group of its wrangler (and the workerd processes it
    /// started), while it runs.
    pub fn group(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// An absolute HTTP URL.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// An absolute WebSocket URL.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    /// The worker's own origin, which its visitor API always allows (the
    /// frame page it serves calls from there).
    pub fn origin(&self) -> String {
        self.url("")
    }

    /// An HTTP client that sends `Origin: <worker>` on every request, as
    /// the widget's frame does.
    pub fn client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(origin) = reqwest::header::HeaderValue::from_str(&self.origin()) {
            headers.insert(reqwest::header::ORIGIN, origin);
        }
        // A request that hangs fails the test instead of hanging the run.
        reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .default_headers(headers)
            .build()
            .unwrap_or_default()
    }

    /// An API client for this worker.
    pub fn api(&self) -> Api {
        Api {
            base: self.url(""),
            ws: self.ws_url(""),
            http: self.client(),
            ip: None,
        }
    }

    /// An API client whose requests and sockets come from `ip`, as the
    /// platform would say (`CF-Connecting-IP`, which wrangler's local runtime keeps
    /// when a request carries it): limits keyed by address count it apart.
    pub fn api_from(&self, ip: &str) -> Api {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(origin) = reqwest::header::HeaderValue::from_str(&self.origin()) {
            headers.insert(reqwest::header::ORIGIN, origin);
        }
        if let Ok(ip) = reqwest::header::HeaderValue::from_str(ip) {
            headers.insert("cf-connecting-ip", ip);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .default_headers(headers)
            .build()
            .unwrap_or_default();
        Api {
            base: self.url(""),
            ws: self.ws_url(""),
            http,
            ip: Some(ip.to_owned()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            if let Some(pid) = child.id() {
                unsafe {
                    libc::kill(-(pid as i32), libc::SIGKILL);
                }
            }
        }
    }
}
