//! The harness shared by the integration tests and the benchmark: it starts
//! the real worker in wrangler's local runtime (workerd, as `wrangler dev`
//! runs it) on a free loopback port with its own state folder, seeds the demo workspace, and talks to it over HTTP and
//! WebSocket with the `shared` wire types.

pub mod openapi;
pub mod process;
pub mod webhook_receiver;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{
    ApiError, ConversationStarted, LoginResponse, StartConversation, VisitorSession,
    VisitorSessionRequest, WorkspaceSetup,
};
use shared::frame::{ClientFrame, ServerFrame};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The secret the test worker signs tokens with.
pub const AUTH_SECRET: &str = "test-secret-0123456789abcdef";
/// The token that guards the setup endpoint in tests.
pub const SETUP_TOKEN: &str = "test-setup-0123456789abcdef";
/// The deployment's sign-up code in tests.
pub const SIGNUP_CODE: &str = "test-signup-0123456789";
/// The demo site's key.
pub const SITE_KEY: &str = "demo.website";

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
        .to_path_buf()
}

/// The demo workspace, as `scripts/demo-workspace.json` defines it.
pub fn demo_workspace() -> Result<WorkspaceSetup> {
    let text = std::fs::read_to_string(root().join("scripts/demo-workspace.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// The password of a demo person.
pub fn password(email: &str) -> String {
    demo_workspace()
        .ok()
        .and_then(|w| w.agents.into_iter().find(|a| a.email == email))
        .map(|a| a.password)
        .unwrap_or_default()
}

/// The first webhook retry's delay the test worker runs with:
/// `LIVECHAT_WEBHOOK_RETRY_BASE_MS`, else 300 ms.
pub fn webhook_retry_base_ms() -> u64 {
    std::env::var("LIVECHAT_WEBHOOK_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

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

/// An HTTP status and body, for checking refusals.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
}

impl Answer {
    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).with_context(|| format!("{} {}", self.status, self.body))
    }

    /// The error code of an error answer.
    pub fn code(&self) -> Result<shared::ErrorCode> {
        Ok(self.json::<ApiError>()?.error.code)
    }
}

/// The HTTP API, typed.
#[derive(Clone)]
pub struct Api {
    base: String,
    ws: String,
    http: reqwest::Client,
    /// The address its requests claim ([`Worker::api_from`]).
    ip: Option<String>,
}

impl Api {
    /// Rows a conversation's object wrote since it was loaded (its
    /// storage's bill), by the benchmark's route.
    pub async fn rows_written(&self, conversation: &str) -> Result<u64> {
        let answer = self
            .raw(
                "GET",
                &format!("/api/v1/bench/rows/{conversation}"),
                None,
                None,
            )
            .await?;
        if answer.status != 200 {
            bail!("rows: {} {}", answer.status, answer.body);
        }
        Ok(answer.json::<serde_json::Value>()?["rows_written"]
            .as_u64()
            .unwrap_or_default())
    }

    /// Sends a request with an optional bearer token and raw body.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Result<Answer> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await?;
        Ok(Answer {
            status: resp.status().as_u16(),
            body: resp.text().await?,
        })
    }

    /// GETs `path` and answers its status, content type and bytes.
    pub async fn bytes(&self, path: &str, token: Option<&str>) -> Result<(u16, String, Vec<u8>)> {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok((status, kind, resp.bytes().await?.to_vec()))
    }

    /// POSTs JSON and expects a 200 answer of type `T`.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T> {
        let answer = self
            .raw("POST", path, token, Some(serde_json::to_string(body)?))
            .await?;
        if answer.status != 200 {
            bail!("POST {path}: {} {}", answer.status, answer.body);
        }
        answer.json()
    }

    /// POSTs like [`Api::post`] a request that is safe to repeat (a sign-in,
    /// a new session), again when wrangler's local proxy answers that the
    /// runtime restarted under it: a local development artifact, not an
    /// answer of the product.
    pub async fn post_again_if_restarted<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            let answer = self
                .raw("POST", path, token, Some(serde_json::to_string(body)?))
                .await?;
            if answer.status == 503 && answer.body.contains("restarted mid-request") && attempt < 3
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            if answer.status != 200 {
                bail!("POST {path}: {} {}", answer.status, answer.body);
            }
            return answer.json();
        }
    }

    /// A new visitor of the demo site.
    pub async fn visitor(&self) -> Result<VisitorSession> {
        self.post_again_if_restarted(
            "/api/v1/visitor/session",
            None,
            &VisitorSessionRequest {
                site_key: SITE_KEY.into(),
                user: None,
            },
        )
        .await
    }

    /// A new conversation for a visitor.
    pub async fn start(&self, visitor: &VisitorSession) -> Result<String> {
        let started: ConversationStarted = self
            .post(
                "/api/v1/visitor/conversations",
                Some(&visitor.token),
                &StartConversation::default(),
            )
            .await?;
        Ok(started.conversation_id.0)
    }

    /// A new conversation for `visitor`, joined, with `text` written and
    /// acknowledged: the conversation id and the visitor's socket.
    pub async fn first_message(
        &self,
        visitor: &VisitorSession,
        text: &str,
    ) -> Result<(String, Socket)> {
        let id = self.start(visitor).await?;
        let (mut socket, _) = self.join(&id, &visitor.token, 0).await?;
        socket
            .send(&shared::frame::ClientFrame::Send {
                client_id: "v-1".into(),
                text: text.into(),
                kind: Default::default(),
            })
            .await?;
        socket
            .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await?;
        Ok((id, socket))
    }

    /// Two agents take one conversation at once: checks exactly one wins
    /// and the other is told it was taken. Answers whether `a` won.
    pub async fn race_to_take(&self, a: &str, b: &str, id: &str) -> Result<bool> {
        let (first, second) = tokio::join!(self.take(a, id), self.take(b, id));
        let (first, second) = (first?, second?);
        let mut statuses = [first.status, second.status];
        statuses.sort();
        if statuses != [200, 409] {
            bail!("not exactly one winner: {} / {}", first.body, second.body);
        }
        let loser = if first.status == 200 { &second } else { &first };
        if loser.code()? != shared::ErrorCode::AlreadyTaken {
            bail!("the loser was not told it was taken: {}", loser.body);
        }
        Ok(first.status == 200)
    }

    /// Signs a demo person in.
    pub async fn login(&self, email: &str) -> Result<LoginResponse> {
        self.login_to("demo", email).await
    }

    /// Signs a demo person in to another workspace seeded from the demo.
    pub async fn login_to(&self, workspace: &str, email: &str) -> Result<LoginResponse> {
        self.post_again_if_restarted(
            "/api/v1/agent/login",
            None,
            &shared::api::LoginRequest {
                workspace: workspace.into(),
                email: email.into(),
                password: password(email),
            },
        )
        .await
    }

    /// Creates or updates a workspace.
    pub async fn setup(&self, setup: &WorkspaceSetup) -> Result<()> {
        let _: serde_json::Value = self
            .post("/api/v1/admin/setup", Some(SETUP_TOKEN), setup)
            .await?;
        Ok(())
    }

    /// A new visitor of a site.
    pub async fn visitor_of(&self, site_key: &str) -> Result<VisitorSession> {
        self.post(
            "/api/v1/visitor/session",
            None,
            &VisitorSessionRequest {
                site_key: site_key.into(),
                user: None,
            },
        )
        .await
    }

    /// An agent action on a conversation (`hold`, `forward`, ...).
    pub async fn act(
        &self,
        token: &str,
        id: &str,
        action: &str,
        body: serde_json::Value,
    ) -> Result<Answer> {
        self.raw(
            "POST",
            &format!("/api/v1/agent/conversations/{id}/{action}"),
            Some(token),
            Some(body.to_string()),
        )
        .await
    }

    /// A waiting visitor's place in their queue.
    pub async fn queue_position(
        &self,
        id: &str,
        visitor_token: &str,
    ) -> Result<shared::api::QueuePosition> {
        self.raw(
            "GET",
            &format!("/api/v1/visitor/conversations/{id}/queue"),
            Some(visitor_token),
            None,
        )
        .await?
        .json()
    }

    /// Sets an agent's status (`available`, `away`, `offline`).
    pub async fn status(&self, token: &str, status: &str) -> Result<Answer> {
        let body = serde_json::json!({ "status": status }).to_string();
        self.raw("POST", "/api/v1/agent/status", Some(token), Some(body))
            .await
    }

    /// Asks to take a conversation.
    pub async fn take(&self, token: &str, id: &str) -> Result<Answer> {
        self.raw(
            "POST",
            &format!("/api/v1/agent/conversations/{id}/take"),
            Some(token),
            None,
        )
        .await
    }

    /// Opens a conversation socket (no hello sent yet).
    pub async fn socket(&self, id: &str, token: &str) -> Result<Socket> {
        let url = format!("{}/api/v1/conversations/{id}/ws?token={token}", self.ws);
        match &self.ip {
            None => Socket::connect(&url).await,
            Some(ip) => {
                let origin = ws_origin(&url);
                Socket::connect_with(&url, &[("origin", &origin), ("cf-connecting-ip", ip)]).await
            }
        }
    }

    /// Opens a conversation socket and says hello.
    pub async fn join(
        &self,
        id: &str,
        token: &str,
        last_seq: u64,
    ) -> Result<(Socket, ServerFrame)> {
        let mut s = self.socket(id, token).await?;
        s.send(&ClientFrame::Hello {
            version: shared::PROTOCOL_VERSION,
            last_seq,
        })
        .await?;
        let welcome = s.recv().await?;
        if !matches!(welcome, ServerFrame::Welcome { .. }) {
            bail!("expected welcome, got {welcome:?}");
        }
        Ok((s, welcome))
    }

    /// Sends JSON (or nothing) with a bearer token; answers status and
    /// body whatever they are.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer> {
        self.raw(method, path, token, body.map(|b| b.to_string()))
            .await
    }

    /// Sends JSON and expects a 200 answer of type `T`.
    pub async fn expect<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let answer = self.send(method, path, Some(token), body).await?;
        if answer.status != 200 {
            bail!("{method} {path}: {} {}", answer.status, answer.body);
        }
        answer.json()
    }

    /// Signs up a new workspace with the deployment's code; answers its
    /// administrator's sign-in.
    pub async fn sign_up(
        &self,
        workspace: &str,
        email: &str,
        password: &str,
    ) -> Result<LoginResponse> {
        self.post(
            "/api/v1/signup",
            None,
            &shared::admin::SignupRequest {
                code: SIGNUP_CODE.into(),
                workspace: workspace.into(),
                workspace_name: format!("{workspace} Ltd"),
                name: "Ada Admin".into(),
                email: email.into(),
                password: password.into(),
            },
        )
        .await
    }

    /// The emails the local sink kept for a workspace, newest first.
    pub async fn mail(&self, workspace: &str) -> Result<Vec<serde_json::Value>> {
        let answer = self
            .raw(
                "GET",
                &format!("/api/v1/dev/mail?workspace={workspace}"),
                Some(SETUP_TOKEN),
                None,
            )
            .await?;
        answer.json()
    }

    /// Opens an agent's inbox socket.
    pub async fn inbox(&self, token: &str) -> Result<Socket> {
        Socket::connect(&format!("{}/api/v1/agent/inbox?token={token}", self.ws)).await
    }

    /// Puts an agent online as the benchmarks do: signs in, opens the
    /// inbox (its first frame read) and sets "available". Answers the
    /// token and the inbox. Sign-in and status are repeated ([`retried`]).
    pub async fn agent_online(
        &self,
        credentials: &shared::api::LoginRequest,
    ) -> Result<(String, Socket)> {
        let login = retried(|| {
            self.post::<shared::api::LoginResponse>("/api/v1/agent/login", None, credentials)
        })
        .await?;
        let mut inbox = self.inbox(&login.token).await?;
        let _ = inbox.next::<shared::inbox::InboxFrame>().await?;
        retried(|| async {
            let answer = self.status(&login.token, "available").await?;
            anyhow::ensure!(answer.status == 200, "status: {}", answer.body);
            Ok(())
        })
        .await?;
        Ok((login.token, inbox))
    }
}

/// Runs `attempt` up to three times while wrangler's proxy answers that
/// the worker restarted mid-request (a sign-in's PBKDF2 keeps the isolate
/// busy for long); only for requests that are safe to repeat.
pub async fn retried<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    for _ in 0..2 {
        match attempt().await {
            Err(e) if format!("{e:#}").contains("restarted mid-request") => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            done => return done,
        }
    }
    attempt().await
}

/// `http://host:port` of a `ws://host:port/...` URL.
pub fn ws_origin(url: &str) -> String {
    let rest = url
        .strip_prefix("ws://")
        .map(|r| ("http://", r))
        .or_else(|| url.strip_prefix("wss://").map(|r| ("https://", r)));
    match rest {
        Some((scheme, r)) => format!("{scheme}{}", r.split('/').next().unwrap_or_default()),
        None => url.to_owned(),
    }
}

/// A WebSocket speaking JSON text frames.
pub struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How long a test waits for one frame.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

impl Socket {
    /// Connects, with the `Origin` of the worker the URL names (as a
    /// browser on the worker's own frame page does).
    pub async fn connect(url: &str) -> Result<Socket> {
        let origin = ws_origin(url);
        Socket::connect_from(url, Some(&origin)).await
    }

    /// Connects with the given headers.
    pub async fn connect_with(url: &str, headers: &[(&'static str, &str)]) -> Result<Socket> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse()?);
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| format!("connecting {url}"))?;
        Ok(Socket { ws })
    }

    /// Connects with the given `Origin` header, or none.
    pub async fn connect_from(url: &str, origin: Option<&str>) -> Result<Socket> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request()?;
        if let Some(origin) = origin {
            request.headers_mut().insert("origin", origin.parse()?);
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| format!("connecting {url}"))?;
        Ok(Socket { ws })
    }

    /// Sends a frame.
    pub async fn send(&mut self, frame: &impl Serialize) -> Result<()> {
        self.send_text(serde_json::to_string(frame)?).await
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: String) -> Result<()> {
        self.ws.send(WsMessage::text(text)).await?;
        Ok(())
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.ws.send(WsMessage::binary(bytes)).await?;
        Ok(())
    }

    /// The next text frame, parsed as `T`.
    pub async fn next<T: DeserializeOwned>(&mut self) -> Result<T> {
        loop {
            let msg = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .map_err(|_| anyhow!("no frame within {FRAME_TIMEOUT:?}"))?
                .ok_or_else(|| anyhow!("socket ended"))??;
            match msg {
                WsMessage::Text(t) => {
                    return serde_json::from_str(t.as_str()).with_context(|| format!("frame {t}"))
                }
                WsMessage::Close(c) => bail!("socket closed: {c:?}"),
                _ => {}
            }
        }
    }

    /// The next server frame.
    pub async fn recv(&mut self) -> Result<ServerFrame> {
        self.next().await
    }

    /// Frames until one matches, returning it (earlier ones are dropped).
    pub async fn recv_until(
        &mut self,
        mut pred: impl FnMut(&ServerFrame) -> bool,
    ) -> Result<ServerFrame> {
        loop {
            let f = self.recv().await?;
            if pred(&f) {
                return Ok(f);
            }
        }
    }

    /// Every frame that arrives within `quiet` of the previous one.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(quiet, self.ws.next()).await {
            if let WsMessage::Text(t) = msg {
                if let Ok(f) = serde_json::from_str(t.as_str()) {
                    frames.push(f);
                }
            }
        }
        frames
    }

    /// Waits for the server to close the socket and returns the close code.
    pub async fn closed(&mut self) -> Result<u16> {
        loop {
            let msg = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .map_err(|_| anyhow!("socket not closed within {FRAME_TIMEOUT:?}"))?;
            match msg {
                Some(Ok(WsMessage::Close(Some(c)))) => return Ok(u16::from(c.code)),
                Some(Ok(WsMessage::Close(None))) | None => return Ok(u16::from(CloseCode::Status)),
                Some(Ok(_)) => {}
                Some(Err(e)) => bail!("socket failed before closing: {e}"),
            }
        }
    }

    /// Drops the connection without a close handshake, like a lost network.
    pub fn abort(self) {
        drop(self);
    }

    /// Closes politely.
    pub async fn close(mut self) -> Result<()> {
        self.ws.close(None).await?;
        Ok(())
    }
}

impl Socket {
    /// Inbox frames until one matches.
    pub async fn recv_until_inbox(
        &mut self,
        mut pred: impl FnMut(&shared::inbox::InboxFrame) -> bool,
    ) -> Result<shared::inbox::InboxFrame> {
        loop {
            let f: shared::inbox::InboxFrame = self.next().await?;
            if pred(&f) {
                return Ok(f);
            }
        }
    }

    /// Every inbox frame that arrives within `quiet` of the previous one.
    pub async fn drain_inbox(&mut self, quiet: Duration) -> Vec<shared::inbox::InboxFrame> {
        let mut frames = Vec::new();
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(quiet, self.ws.next()).await {
            if let WsMessage::Text(t) = msg {
                if let Ok(f) = serde_json::from_str(t.as_str()) {
                    frames.push(f);
                }
            }
        }
        frames
    }
}

impl Socket {
    /// The next frame, waiting up to `limit` (for long-lived listeners).
    pub async fn next_quiet<T: DeserializeOwned>(&mut self, limit: Duration) -> Result<T> {
        loop {
            let msg = tokio::time::timeout(limit, self.ws.next())
                .await
                .map_err(|_| anyhow!("no frame within {limit:?}"))?
                .ok_or_else(|| anyhow!("socket ended"))??;
            if let WsMessage::Text(t) = msg {
                return Ok(serde_json::from_str(t.as_str())?);
            }
        }
    }
}

/// The wall clock in ms since the Unix epoch, as the worker reads it.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
