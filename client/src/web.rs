//! The browser shell around the pure parts (feature `web`): [`Driver`] runs a
//! [`crate::machine::Machine`] over a real WebSocket and one timer, [`http`]
//! makes the typed JSON calls of the HTTP API over `gloo-net`, [`markup`]
//! draws formatted messages and [`emoji`] the emoji picker's grid with the
//! DOM's own calls (never HTML), and the small
//! readers below give the machines what they take as values: the clock and
//! fresh message ids.

mod driver;
pub mod emoji;
pub mod files;
pub mod http;
pub mod markup;

pub use driver::Driver;

use crate::machine::Millis;
use shared::ids::ClientMsgId;

/// The `ws://` or `wss://` origin matching the page's own origin.
pub fn ws_origin() -> String {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .unwrap_or_default();
    let host = location.and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}")
}

/// Now, in milliseconds since the Unix epoch.
pub fn now() -> Millis {
    // `Date.now()` is a whole number of milliseconds; a clock set before
    // 1970 reads as 0.
    js_sys::Date::now().max(0.0) as Millis
}

/// A fresh client id for a message: `c-` and 32 hex digits from the
/// browser's `crypto.getRandomValues` (there in every browser that runs
/// Wasm, secure context or not). `None` only if `crypto` refuses: then
/// nothing is sent rather than an id that might repeat.
pub fn client_id() -> Option<ClientMsgId> {
    let mut bytes = [0u8; 16];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(ClientMsgId(hex_id(&bytes)))
}

/// `c-` and the bytes in lower-case hex.
fn hex_id(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(2 + bytes.len() * 2);
    id.push_str("c-");
    for b in bytes {
        id.push(char::from(DIGITS[usize::from(b >> 4)]));
        id.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::hex_id;

    #[test]
    fn ids_are_hex_and_short_enough() {
        assert_eq!(hex_id(&[0x00, 0x0f, 0xa5, 0xff]), "c-000fa5ff");
        let id = hex_id(&[0xab; 16]);
        assert_eq!(id.len(), 34);
        assert!(id.len() <= shared::MAX_CLIENT_ID_BYTES);
    }
}
