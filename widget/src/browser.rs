//! Small reads of the browser the widget needs: the site key and the
//! pop-out flag in the frame's address, the browser's language, and
//! whether the page is visible. (The clock and message ids come from
//! `chat_client::web`.)

/// The value of `name` in a `?a=1&b=2` query or `#a=1` fragment (other
/// fields are ignored), still percent-encoded; `None` when absent or empty.
pub fn field_in<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .trim_start_matches(['?', '#'])
        .split('&')
        .find_map(|field| field.strip_prefix(name)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// The site key of this frame: `?site=KEY`, or the older `#site=KEY`.
pub fn site_key() -> Option<String> {
    let location = location()?;
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let raw = field_in(&search, "site").or_else(|| field_in(&hash, "site"))?;
    js_sys::decode_uri_component(raw).ok().map(String::from)
}

/// True when the frame was opened as its own window (`&popout=1`).
pub fn popout() -> bool {
    let search = location().and_then(|l| l.search().ok()).unwrap_or_default();
    field_in(&search, "popout") == Some("1")
}

/// True when the loader loaded the frame to forget the stored visitor
/// (`&reset=1`: the page called `reset()` before the chat was loaded).
pub fn reset_asked() -> bool {
    let search = location().and_then(|l| l.search().ok()).unwrap_or_default();
    field_in(&search, "reset") == Some("1")
}

/// The address of the frame as its own window, for `site_key`.
pub fn popout_url(site_key: &str) -> String {
    let path = location()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_else(|| String::from("/widget/frame.html"));
    crate::i18n::join(&[&path, "?site=", &crate::net::encode(site_key), "&popout=1"])
}

/// The browser's preferred language tag.
pub fn language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default()
}

/// True while the page is on screen (`document.visibilityState`).
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

#[cfg(test)]
mod tests {
    use super::field_in;

    #[track_caller]
    fn check(query: &str, name: &str, expected: Option<&str>) {
        assert_eq!(field_in(query, name), expected, "{query:?}");
    }

    #[test]
    fn fields() {
        check("?site=demo.website", "site", Some("demo.website"));
        check("#site=demo.website", "site", Some("demo.website"));
        check("?x=1&site=a%20b&popout=1", "site", Some("a%20b"));
        check("?x=1&site=a%20b&popout=1", "popout", Some("1"));
        check("?site=a&reset=1", "reset", Some("1"));
        check("?website=x", "site", None);
        check("?site=", "site", None);
        check("", "site", None);
        check("#other=1", "site", None);
    }
}
