//! Direct bindings for the message path. The worker crate's general calls
//! cross into JavaScript several times each: `SqlStorage::exec` builds an
//! array binding by binding and decodes the statement's text at every
//! call, and `send_with_str` decodes the frame again for every socket.
//! These make one crossing per insert and one per socket, with the
//! statement's text and a frame sent to several sockets decoded once.

use wasm_bindgen::prelude::*;
use worker::js_sys::JsString;

#[wasm_bindgen]
extern "C" {
    /// `ctx.storage.sql`.
    pub type Sql;
    /// `exec(query, ...bindings)` with a message row's five bindings.
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec5(
        this: &Sql,
        query: &JsString,
        a: f64,
        b: &str,
        c: &JsValue,
        d: f64,
        e: &str,
    ) -> Result<Cursor, JsValue>;

    /// A cursor `exec` answered.
    pub type Cursor;
    #[wasm_bindgen(method, getter, js_name = rowsWritten)]
    fn rows_written(this: &Cursor) -> f64;

    /// A `WebSocket`.
    type Socket;
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send(this: &Socket, data: &JsString) -> Result<(), JsValue>;
}

/// The message insert, its text decoded once.
pub struct MessageInsert {
    sql: Sql,
    query: JsString,
}

impl MessageInsert {
    pub fn new(sql: &worker::SqlStorage) -> Self {
        Self {
            sql: AsRef::<JsValue>::as_ref(sql).clone().unchecked_into(),
            query: JsString::from(
                "INSERT INTO messages (seq, author_id, client_id, sent_at, body) VALUES (?, ?, ?, ?, ?)",
            ),
        }
    }

    /// Inserts one message to everyone; answers the rows written.
    pub fn run(
        &self,
        seq: u64,
        author: &str,
        client_id: Option<&str>,
        sent_at: i64,
        body: &str,
    ) -> worker::Result<u64> {
        let client_id = client_id.map_or(JsValue::NULL, JsValue::from_str);
        let cursor = self
            .sql
            .exec5(
                &self.query,
                seq as f64,
                author,
                &client_id,
                sent_at as f64,
                body,
            )
            .map_err(worker::Error::from)?;
        Ok(cursor.rows_written() as u64)
    }
}

/// `text` to each of `sockets`, decoded into a JavaScript string once. A
/// socket that closed meanwhile is skipped (its close event cleans up).
pub fn send_all<'a>(sockets: impl IntoIterator<Item = &'a worker::WebSocket>, text: &str) {
    let mut decoded: Option<JsString> = None;
    for ws in sockets {
        let text = decoded.get_or_insert_with(|| JsString::from(text));
        let socket: &worker::web_sys::WebSocket = ws.as_ref();
        let _ = socket.unchecked_ref::<Socket>().send(text);
    }
}
