//! A WebSocket speaking the protocol's JSON text frames, with the waits
//! a test needs (the next frame, a frame that matches, the close).

use crate::*;

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
        self.drain_as(quiet).await
    }

    /// Every frame of type `T` that arrives within `quiet` of the previous
    /// one (others are skipped).
    async fn drain_as<T: DeserializeOwned>(&mut self, quiet: Duration) -> Vec<T> {
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
        self.drain_as(quiet).await
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
