//! Timestamps as the transcript prints them, in the header's UTC offset.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike};

/// The display offset: the header's, or UTC when it is out of range.
pub(crate) struct Zone(FixedOffset);

impl Zone {
    pub(crate) fn new(offset_minutes: i32) -> Zone {
        let offset = offset_minutes
            .checked_mul(60)
            .and_then(FixedOffset::east_opt)
            .unwrap_or(FixedOffset::east_opt(0).expect("zero is a valid offset"));
        Zone(offset)
    }

    /// "UTC+02:00", "UTC-03:30", "UTC".
    pub(crate) fn label(&self) -> String {
        let secs = self.0.local_minus_utc();
        if secs == 0 {
            return "UTC".to_owned();
        }
        let sign = if secs < 0 { '-' } else { '+' };
        let mins = secs.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", mins / 60, mins % 60)
    }

    /// The wall-clock time at `ms`: the instant moved by the offset, read as
    /// UTC (checked all the way, where `naive_local` would panic at the
    /// calendar's ends).
    fn local(&self, ms: i64) -> Option<NaiveDateTime> {
        let shifted = ms.checked_add(i64::from(self.0.local_minus_utc()) * 1000)?;
        DateTime::from_timestamp_millis(shifted).map(|t| t.naive_utc())
    }

    /// "2024-05-02 14:03:07", or the raw number if the calendar cannot hold it.
    pub(crate) fn date_time(&self, ms: i64) -> String {
        match self.local(ms) {
            Some(t) => format!("{} {}", date(&t), time(&t)),
            None => format!("{ms} ms"),
        }
    }

    /// "2024-05-02" and "14:03:07" apart, for the day headings and message
    /// lines.
    pub(crate) fn day_and_time(&self, ms: i64) -> (String, String) {
        match self.local(ms) {
            Some(t) => (date(&t), time(&t)),
            None => (String::new(), format!("{ms} ms")),
        }
    }
}

fn date(t: &NaiveDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

fn time(t: &NaiveDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// A file size for people: "512 B", "12.3 KB", "4.0 MB" (binary units,
/// rounded to a tenth; integer arithmetic, which keeps float formatting out
/// of the Wasm).
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let tenths = (u128::from(bytes) * 10 + u128::from(unit) / 2) / u128::from(unit);
            return format!("{}.{} {name}", tenths / 10, tenths % 10);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(offset: i32, ms: i64, expected: &str) {
        assert_eq!(Zone::new(offset).date_time(ms), expected);
    }

    #[test]
    fn times_in_the_offset() {
        check(0, 0, "1970-01-01 00:00:00");
        check(120, 1_714_658_587_000, "2024-05-02 16:03:07");
        check(-210, 1_714_658_587_999, "2024-05-02 10:33:07");
        check(0, -1, "1969-12-31 23:59:59");
        // Out of the calendar's range: the number, not a panic.
        check(0, i64::MAX, "9223372036854775807 ms");
        check(60, 8_210_298_412_799_999, "8210298412799999 ms");
        check(-60, i64::MIN, "-9223372036854775808 ms");
        check(i32::MAX, 0, "1970-01-01 00:00:00");
    }

    #[test]
    fn zone_labels() {
        assert_eq!(Zone::new(0).label(), "UTC");
        assert_eq!(Zone::new(120).label(), "UTC+02:00");
        assert_eq!(Zone::new(-210).label(), "UTC-03:30");
        assert_eq!(Zone::new(100_000).label(), "UTC");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(12_595), "12.3 KB");
        assert_eq!(size(4 * 1024 * 1024), "4.0 MB");
        assert_eq!(size(u64::MAX), "17179869184.0 GB");
        assert_eq!(size(1024 * 1024 - 1), "1024.0 KB");
        assert_eq!(size(48_213), "47.1 KB");
    }
}
