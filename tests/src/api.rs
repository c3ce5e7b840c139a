//! The client of the worker's HTTP API the tests speak through: sessions,
//! sign-ins, conversations, an agent's actions, and answers as they are.

use crate::*;

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
    pub(crate) base: String,
    pub(crate) ws: String,
    pub(crate) http: reqwest::Client,
    /// The address its requests claim ([`Worker::api_from`]).
    pub(crate) ip: Option<String>,
}

impl Api {
    /// Rows a conversation's object wrote since it was loaded (its
    /// storage's bill), by the benchmark's route.
    pub async fn rows_written(&self, conversation: &str) -> Result<u64> {
        self.object_rows("conversation", conversation).await
    }

    /// Rows one object wrote since it was loaded: `kind` is
    /// `conversation`, `workspace`, `contacts` or `reports`, `name` a
    /// conversation's id or a workspace's slug.
    pub async fn object_rows(&self, kind: &str, name: &str) -> Result<u64> {
        let answer = self
            .raw(
                "GET",
                &format!("/api/v1/bench/rows/{kind}/{name}"),
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
