//! Words and numbers as the agent reads them: clock times, dates, how long a
//! visitor has waited, who is typing, the tab title. Pure functions, and thin
//! readers of the browser's clock.

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

/// A moment as the browser's clock shows it, in its time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    /// The full year.
    pub year: u32,
    /// The month, 0 (January) to 11.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
}

impl Local {
    /// A time in milliseconds since the epoch, in the browser's time zone.
    pub fn at(ms: f64) -> Self {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        Local {
            year: date.get_full_year(),
            month: date.get_month(),
            day: date.get_date(),
            hour: date.get_hours(),
            minute: date.get_minutes(),
        }
    }

    fn same_day(&self, other: &Local) -> bool {
        (self.year, self.month, self.day) == (other.year, other.month, other.day)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// When something happened, as short as is clear: "Today, 14:05",
/// "Yesterday, 09:30", "12 Mar, 14:05", and with the year when it is not
/// this year's: "30 Dec 2024, 18:00".
pub fn stamp(at: Local, today: Local, yesterday: Local) -> String {
    let time = format!("{:02}:{:02}", at.hour, at.minute);
    let month = MONTHS.get(at.month as usize).copied().unwrap_or("");
    if at.same_day(&today) {
        format!("Today, {time}")
    } else if at.same_day(&yesterday) {
        format!("Yesterday, {time}")
    } else if at.year == today.year {
        format!("{} {month}, {time}", at.day)
    } else {
        format!("{} {month} {}, {time}", at.day, at.year)
    }
}

/// [`stamp`] of `ms` seen at `now`, both milliseconds since the epoch.
pub fn when(ms: i64, now: f64) -> String {
    stamp(
        Local::at(ms as f64),
        Local::at(now),
        Local::at(now - 86_400_000.0),
    )
}

/// A time in milliseconds since the epoch in ISO 8601 (UTC), for a
/// `<time datetime>`; `None` outside the range a browser's date can hold.
pub fn iso(ms: i64) -> Option<String> {
    (ms.unsigned_abs() <= 8_640_000_000_000_000).then(|| {
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
            .to_iso_string()
            .into()
    })
}

/// Now, in milliseconds since the epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

#[cfg(test)]
mod tests {
    use super::{stamp, title, typing, waited, Local};

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

    fn local(year: u32, month: u32, day: u32, hour: u32, minute: u32) -> Local {
        Local {
            year,
            month,
            day,
            hour,
            minute,
        }
    }

    #[test]
    fn dates_say_as_little_as_is_clear() {
        let today = local(2025, 2, 12, 16, 0);
        let yesterday = local(2025, 2, 11, 16, 0);
        let check = |at: Local, expected: &str| assert_eq!(stamp(at, today, yesterday), expected);
        check(local(2025, 2, 12, 14, 5), "Today, 14:05");
        check(local(2025, 2, 11, 9, 30), "Yesterday, 09:30");
        check(local(2025, 2, 10, 23, 59), "10 Mar, 23:59");
        check(local(2025, 0, 1, 0, 0), "1 Jan, 00:00");
        check(local(2024, 11, 30, 18, 0), "30 Dec 2024, 18:00");
        // Yesterday across a year's end.
        let today = local(2025, 0, 1, 8, 0);
        let yesterday = local(2024, 11, 31, 8, 0);
        assert_eq!(
            stamp(local(2024, 11, 31, 22, 15), today, yesterday),
            "Yesterday, 22:15"
        );
    }
}
