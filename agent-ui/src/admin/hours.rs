//! "Business hours": a department's week of opening intervals (day, open,
//! close) and its time zone as a UTC offset.

use shared::api::{DepartmentSetup, OpeningHours};

/// The days, Sunday first as the wire counts them.
pub const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Every offset the select offers, in minutes: −12:00 to +14:00 in
/// quarter hours.
pub fn offsets() -> impl Iterator<Item = i32> {
    (-48..=56).map(|q| q * 15)
}

/// `UTC+05:30`, `UTC−03:00`, `UTC`.
pub fn offset_label(minutes: i32) -> String {
    if minutes == 0 {
        return "UTC".into();
    }
    let sign = if minutes < 0 { '−' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// The rows, checked: times `HH:MM` (`24:00` ends the day), open before
/// close.
pub fn check(rows: &[OpeningHours]) -> Result<Vec<OpeningHours>, String> {
    rows.iter()
        .map(|r| {
            let day = DAYS.get(usize::from(r.day)).ok_or("Choose a day.")?;
            match (minutes(&r.open), minutes(&r.close)) {
                (Some(o), Some(c)) if o < c => Ok(OpeningHours {
                    day: r.day,
                    open: r.open.trim().to_string(),
                    close: r.close.trim().to_string(),
                }),
                (Some(_), Some(_)) => Err(format!("{day}: it opens before it closes.")),
                _ => Err(format!("{day}: times are written HH:MM, as 09:00.")),
            }
        })
        .collect()
}

/// The departments with `id`'s hours and offset replaced.
pub fn apply(
    list: &[DepartmentSetup],
    id: &str,
    rows: &[OpeningHours],
    offset: i32,
) -> Result<Vec<DepartmentSetup>, String> {
    let hours = check(rows)?;
    let mut out = list.to_vec();
    let d = out
        .iter_mut()
        .find(|d| d.id == id)
        .ok_or("That department is gone; reload the list.")?;
    d.hours = hours;
    d.utc_offset_minutes = offset;
    Ok(out)
}

/// A new row: the day after the last row's, 09:00 to 17:00.
pub fn next_row(rows: &[OpeningHours]) -> OpeningHours {
    let day = rows.last().map_or(1, |r| (r.day + 1) % 7);
    OpeningHours {
        day,
        open: "09:00".into(),
        close: "17:00".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u8, open: &str, close: &str) -> OpeningHours {
        OpeningHours {
            day,
            open: open.into(),
            close: close.into(),
        }
    }

    #[test]
    fn labels_of_offsets() {
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(330), "UTC+05:30");
        assert_eq!(offset_label(-180), "UTC−03:00");
        assert_eq!(offset_label(840), "UTC+14:00");
        let all: Vec<_> = offsets().collect();
        assert_eq!((all[0], *all.last().unwrap()), (-720, 840));
        assert!(all.contains(&345)); // Nepal
    }

    #[test]
    fn rows_are_checked() {
        assert_eq!(
            check(&[row(1, " 09:00", "17:30 "), row(6, "00:00", "24:00")]),
            Ok(vec![row(1, "09:00", "17:30"), row(6, "00:00", "24:00")])
        );
        assert_eq!(
            check(&[row(2, "17:00", "09:00")]),
            Err("Tuesday: it opens before it closes.".into())
        );
        assert_eq!(
            check(&[row(3, "9", "17:00")]),
            Err("Wednesday: times are written HH:MM, as 09:00.".into())
        );
        assert_eq!(check(&[row(3, "09:00", "24:30")]).is_err(), true);
    }

    #[test]
    fn applying_to_one_department() {
        let list = vec![
            DepartmentSetup {
                id: "sales".into(),
                name: "Sales".into(),
                hours: vec![],
                utc_offset_minutes: 0,
            },
            DepartmentSetup {
                id: "support".into(),
                name: "Support".into(),
                hours: vec![],
                utc_offset_minutes: 0,
            },
        ];
        let out = apply(&list, "support", &[row(1, "09:00", "17:00")], -300).unwrap();
        assert_eq!(out[0], list[0]);
        assert_eq!(out[1].hours, vec![row(1, "09:00", "17:00")]);
        assert_eq!(out[1].utc_offset_minutes, -300);
    }

    #[test]
    fn new_rows_follow_the_last() {
        assert_eq!(next_row(&[]), row(1, "09:00", "17:00"));
        assert_eq!(next_row(&[row(6, "10:00", "12:00")]).day, 0);
    }
}
