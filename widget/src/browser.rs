//! Small reads of the browser the widget needs: the site key in the frame's
//! address, whether the page is visible, the clock, and random client ids.

use shared::ids::ClientMsgId;

/// The site key from a `#site=KEY` fragment (other `&`-separated fields are
/// ignored), still percent-encoded.
pub fn site_key_in(hash: &str) -> Option<&str> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|field| field.strip_prefix("site="))
        .filter(|key| !key.is_empty())
}

/// The site key of this frame, from `location.hash`.
pub fn site_key() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let raw = site_key_in(&hash)?;
    js_sys::decode_uri_component(raw).ok().map(String::from)
}

/// True while the page is on screen (`document.visibilityState`).
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Milliseconds since the Unix epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A fresh client id for a message: `c-` and 16 random hex digits.
pub fn client_id() -> ClientMsgId {
    let mut bytes = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    let mut id = String::with_capacity(18);
    id.push_str("c-");
    for b in bytes {
        id.push(hex(b >> 4));
        id.push(hex(b & 15));
    }
    ClientMsgId(id)
}

fn hex(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::site_key_in;

    #[track_caller]
    fn check(hash: &str, expected: Option<&str>) {
        assert_eq!(site_key_in(hash), expected, "{hash:?}");
    }

    #[test]
    fn site_keys() {
        check("#site=demo.website", Some("demo.website"));
        check("#x=1&site=a%20b", Some("a%20b"));
        check("#site=", None);
        check("", None);
        check("#other=1", None);
    }
}
