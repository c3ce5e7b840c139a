//! Small reads of the browser the widget needs: the site key in the frame's
//! address, and whether the page is visible. (The clock and message ids come
//! from `chat_client::web`.)

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
