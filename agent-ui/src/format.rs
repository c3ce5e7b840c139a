//! Words and numbers as the agent reads them: clock times, how long a
//! visitor has waited, who is typing, the tab title. Pure functions.

/// The tab title, with the total of unread messages when there are any,
/// and "New chat" while an offer waits for an answer.
pub fn title(unread: usize, offered: bool) -> String {
    let base = if offered {
        "New chat — Live chat — Agent"
    } else {
        "Live chat — Agent"
    };
    if unread == 0 {
        base.into()
    } else {
        format!("({unread}) {base}")
    }
}

/// How long someone has waited, from milliseconds: "just now", "4 min",
/// "2 h 5 min".
pub fn waited(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min"),
        _ if minutes % 60 == 0 => format!("{} h", minutes / 60),
        _ => format!("{} h {} min", minutes / 60, minutes % 60),
    }
}

/// The line under the messages while others type: "Anna is typing…".
pub fn typing(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [init @ .., last] => Some(format!("{} and {last} are typing…", init.join(", "))),
    }
}

/// Hours and minutes of a time in milliseconds since the epoch, in the
/// browser's time zone.
pub fn clock(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// Now, in milliseconds since the epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A fresh client id for a send: unique per author, far under 64 bytes.
pub fn client_id() -> shared::ClientMsgId {
    let random = (js_sys::Math::random() * 2f64.powi(48)) as u64;
    shared::ClientMsgId(format!("c-{:x}-{random:x}", now() as u64))
}

#[cfg(test)]
mod tests {
    use super::{title, typing, waited};

    #[track_caller]
    fn check_waited(ms: i64, expected: &str) {
        assert_eq!(waited(ms), expected);
    }

    #[test]
    fn waiting_times() {
        check_waited(-5, "just now");
        check_waited(59_999, "just now");
        check_waited(60_000, "1 min");
        check_waited(59 * 60_000, "59 min");
        check_waited(60 * 60_000, "1 h");
        check_waited(125 * 60_000, "2 h 5 min");
    }

    #[test]
    fn typing_lines_and_titles() {
        assert_eq!(typing(&[]), None);
        assert_eq!(typing(&["Anna".into()]).as_deref(), Some("Anna is typing…"));
        assert_eq!(
            typing(&["Anna".into(), "Bo".into(), "Cy".into()]).as_deref(),
            Some("Anna, Bo and Cy are typing…")
        );
        assert_eq!(title(0, false), "Live chat — Agent");
        assert_eq!(title(3, false), "(3) Live chat — Agent");
        assert_eq!(title(0, true), "New chat — Live chat — Agent");
        assert_eq!(title(2, true), "(2) New chat — Live chat — Agent");
    }
}
