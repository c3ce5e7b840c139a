//! Business hours: whether a department is open at a given instant. Pure:
//! the time comes in as milliseconds since the epoch, the department's
//! clock as a fixed offset from UTC.

use serde::{Deserialize, Serialize};

/// One opening interval on one day of the week, in the department's time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// 0 = Sunday … 6 = Saturday.
    pub day: u8,
    /// Opening time, minutes after midnight.
    pub open: u16,
    /// Closing time, minutes after midnight (exclusive); may not pass midnight.
    pub close: u16,
}

/// Parses `"HH:MM"` into minutes after midnight (`"24:00"` is the end of the day).
pub fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Whether `now_ms` falls inside one of `intervals`, read on a clock
/// `utc_offset_minutes` ahead of UTC. No intervals: always open.
pub fn is_open(intervals: &[Interval], utc_offset_minutes: i32, now_ms: i64) -> bool {
    if intervals.is_empty() {
        return true;
    }
    let local_minutes = now_ms.div_euclid(60_000) + i64::from(utc_offset_minutes);
    let day_number = local_minutes.div_euclid(1_440);
    let minute = local_minutes.rem_euclid(1_440) as u16;
    // 1970-01-01 was a Thursday (day 4).
    let weekday = (day_number + 4).rem_euclid(7) as u8;
    intervals
        .iter()
        .any(|i| i.day == weekday && i.open <= minute && minute < i.close)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23 is a Monday; 10:30 UTC.
    const MONDAY_1030_UTC: i64 = 1_795_429_800_000;

    fn nine_to_five(days: &[u8]) -> Vec<Interval> {
        days.iter()
            .map(|&day| Interval {
                day,
                open: 540,
                close: 1020,
            })
            .collect()
    }

    #[track_caller]
    fn check(intervals: &[Interval], offset: i32, now: i64, expected: bool) {
        assert_eq!(
            is_open(intervals, offset, now),
            expected,
            "offset {offset} now {now}"
        );
    }

    #[test]
    fn opening_hours() {
        let weekdays = nine_to_five(&[1, 2, 3, 4, 5]);
        check(&[], 0, MONDAY_1030_UTC, true);
        check(&weekdays, 0, MONDAY_1030_UTC, true);
        check(&weekdays, -120, MONDAY_1030_UTC, false); // 08:30 local
        check(&weekdays, 389, MONDAY_1030_UTC, true); // 16:59 local
        check(&weekdays, 390, MONDAY_1030_UTC, false); // 17:00 local: closing is exclusive
        check(&weekdays, -660, MONDAY_1030_UTC, false); // Sunday 23:30 local
        check(&weekdays, 0, MONDAY_1030_UTC - 3 * 86_400_000, true); // Friday 10:30
        check(&weekdays, 0, MONDAY_1030_UTC - 86_400_000, false); // Sunday 10:30
        check(&nine_to_five(&[0]), -660, MONDAY_1030_UTC, false);
        check(
            &[Interval {
                day: 0,
                open: 0,
                close: 1440,
            }],
            -660,
            MONDAY_1030_UTC,
            true,
        );
    }

    #[test]
    fn times() {
        for (text, expected) in [
            ("09:00", Some(540)),
            ("00:00", Some(0)),
            ("24:00", Some(1440)),
            ("23:59", Some(1439)),
            ("24:01", None),
            ("9", None),
            ("aa:bb", None),
            ("12:60", None),
            (" 17:30 ", Some(1050)),
        ] {
            assert_eq!(parse_time(text), expected, "{text}");
        }
    }
}
