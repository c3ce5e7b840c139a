//! A bare echo object on hibernatable WebSockets: the floor the benchmark
//! compares conversation latency against (same runtime, same sockets, no
//! storage, no logic). Reachable only when `ENABLE_BENCH_ECHO` is `true`.

use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

#[durable_object]
pub struct EchoObject {
    state: State,
}

impl DurableObject for EchoObject {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        // Echo to every socket of the room, as a conversation relays to
        // both sides.
        if let WebSocketIncomingMessage::String(text) = message {
            for peer in self.state.get_websockets() {
                if peer != ws {
                    let _ = peer.send_with_str(&text);
                }
            }
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}
