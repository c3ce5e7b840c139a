//! "Reports", the pure part: the period chosen (last 7 days, last 30 days,
//! or from one date to another, in the browser's time zone) as the
//! query's `from` and `to`, the query string, the charts' geometry (bars
//! as rectangles in a fixed view box, the axis's ticks), the sentences
//! that stand for a chart, the figures in words, and the CSV download's
//! path and file name. Natively tested; the component draws it.

use shared::admin::{Report, ReportRow};

const DAY_MS: i64 = 86_400_000;

/// The period the screen asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Period {
    /// Today and the six days before.
    Last7,
    /// Today and the 29 days before.
    Last30,
    /// From one date to another, both included (`YYYY-MM-DD`, as a date
    /// field gives them).
    Custom {
        /// The first day.
        from: String,
        /// The last day.
        to: String,
    },
}

impl Period {
    /// Its value in the period chooser.
    pub fn value(&self) -> &'static str {
        match self {
            Period::Last7 => "7",
            Period::Last30 => "30",
            Period::Custom { .. } => "custom",
        }
    }
}

/// The day number (since the epoch) of a `YYYY-MM-DD` date.
pub fn parse_day(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let date = chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some(date.signed_duration_since(epoch).num_days())
}

/// A day number as `YYYY-MM-DD`.
pub fn day_text(day: i64) -> String {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::TimeDelta::days(day)))
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        .unwrap_or_default()
}

/// `(from, to)` in ms since the epoch for `period`, whole days in the time
/// zone `tz_minutes` east of UTC, `now` being today; or why not.
pub fn range(period: &Period, now: i64, tz_minutes: i32) -> Result<(i64, i64), String> {
    let tz = i64::from(tz_minutes) * 60_000;
    let today = (now + tz).div_euclid(DAY_MS);
    let (first, last) = match period {
        Period::Last7 => (today - 6, today),
        Period::Last30 => (today - 29, today),
        Period::Custom { from, to } => {
            let first = parse_day(from).ok_or("Choose the first day.")?;
            let last = parse_day(to).ok_or("Choose the last day.")?;
            if last < first {
                return Err("The last day comes before the first.".into());
            }
            if last - first >= 366 {
                return Err("A report covers at most 366 days.".into());
            }
            (first, last)
        }
    };
    Ok((first * DAY_MS - tz, (last + 1) * DAY_MS - tz))
}

/// What the screen asks the server for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask {
    /// Start (inclusive).
    pub from: i64,
    /// End (exclusive).
    pub to: i64,
    /// Only this department.
    pub department: Option<String>,
    /// Only this agent.
    pub agent: Option<String>,
    /// The browser's offset from UTC in minutes (east positive).
    pub tz_minutes: i32,
}

impl Ask {
    /// `GET /api/v1/reports?…`.
    pub fn path(&self) -> String {
        let mut path = format!(
            "/api/v1/reports?from={}&to={}&tz={}",
            self.from, self.to, self.tz_minutes
        );
        // Ids are letters, digits, `-` and `_`: nothing to escape.
        if let Some(d) = &self.department {
            path.push_str(&format!("&department={d}"));
        }
        if let Some(a) = &self.agent {
            path.push_str(&format!("&agent={a}"));
        }
        path
    }

    /// The path of one table as CSV.
    pub fn csv_path(&self, table: Table) -> String {
        format!("{}&format=csv&table={}", self.path(), table.key())
    }

    /// The name a table's CSV is saved as.
    pub fn file_name(&self, table: Table) -> String {
        let tz = i64::from(self.tz_minutes) * 60_000;
        format!(
            "chats-{}-{}-to-{}.csv",
            table.key().replace('_', "-"),
            day_text((self.from + tz).div_euclid(DAY_MS)),
            day_text((self.to - 1 + tz).div_euclid(DAY_MS)),
        )
    }
}

/// The report's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Per day.
    ByDay,
    /// Per hour of the day.
    ByHour,
    /// Per agent.
    ByAgent,
    /// Per department.
    ByDepartment,
}

impl Table {
    /// Every table, in the screen's order.
    pub const ALL: [Table; 4] = [
        Table::ByDay,
        Table::ByHour,
        Table::ByAgent,
        Table::ByDepartment,
    ];

    /// The server's word for it.
    pub fn key(self) -> &'static str {
        match self {
            Table::ByDay => "by_day",
            Table::ByHour => "by_hour",
            Table::ByAgent => "by_agent",
            Table::ByDepartment => "by_department",
        }
    }

    /// Its heading.
    pub fn title(self) -> &'static str {
        match self {
            Table::ByDay => "Chats per day",
            Table::ByHour => "Chats per hour of the day",
            Table::ByAgent => "Per agent",
            Table::ByDepartment => "Per department",
        }
    }

    /// Its first column's heading.
    pub fn column(self) -> &'static str {
        match self {
            Table::ByDay => "Day",
            Table::ByHour => "Hour",
            Table::ByAgent => "Agent",
            Table::ByDepartment => "Department",
        }
    }

    /// Its rows.
    pub fn rows(self, report: &Report) -> &[ReportRow] {
        match self {
            Table::ByDay => &report.by_day,
            Table::ByHour => &report.by_hour,
            Table::ByAgent => &report.by_agent,
            Table::ByDepartment => &report.by_department,
        }
    }
}

/// A time figure in words; "—" where there is none.
pub fn time_words(ms: Option<f64>) -> String {
    match ms {
        None => "—".into(),
        Some(ms) => crate::room::duration(ms.round() as i64),
    }
}

/// A rating figure: the average as a percentage of the best, and how many.
pub fn rating_words(row: &ReportRow) -> String {
    match row.avg_rating {
        None => "—".into(),
        Some(r) => format!("{:.0}% ({})", r * 100.0, row.ratings),
    }
}

/// A calls figure: how many, how many answered, and their time.
pub fn call_words(row: &ReportRow) -> String {
    if row.calls == 0 {
        return "—".into();
    }
    format!(
        "{} ({} answered, {})",
        row.calls,
        row.calls_answered,
        crate::room::duration(row.call_ms)
    )
}

/// The width and height of a chart's view box.
pub const CHART_W: f64 = 600.0;
/// See [`CHART_W`].
pub const CHART_H: f64 = 200.0;
/// Room left of the bars for the axis's numbers, and under them for the
/// labels.
pub const AXIS_W: f64 = 36.0;
/// See [`AXIS_W`].
pub const LABEL_H: f64 = 20.0;

/// One bar of a chart, in view box units.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Its value.
    pub value: u64,
    /// Its label.
    pub label: String,
}

/// Ticks for an axis from 0 to at least `max`: steps of 1, 2 or 5 times a
/// power of ten, at most six ticks; `[0, 1]` for an empty chart.
pub fn ticks(max: u64) -> Vec<u64> {
    if max == 0 {
        return vec![0, 1];
    }
    let mut power = 1u64;
    loop {
        for step in [power, power * 2, power * 5] {
            let top = max.div_ceil(step) * step;
            if top / step <= 5 {
                return (0..=top / step).map(|i| i * step).collect();
            }
        }
        power = power.saturating_mul(10);
    }
}

/// The bars of `values` (label, value) in the chart's view box, scaled to
/// the last tick.
pub fn bars(values: &[(String, u64)]) -> (Vec<Bar>, Vec<u64>) {
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let ticks = ticks(max);
    let top = ticks.last().copied().unwrap_or(1).max(1) as f64;
    let plot_w = CHART_W - AXIS_W;
    let plot_h = CHART_H - LABEL_H;
    let slot = plot_w / values.len().max(1) as f64;
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let h = plot_h * (*v as f64) / top;
            Bar {
                x: AXIS_W + slot * i as f64 + slot * 0.15,
                y: plot_h - h,
                w: slot * 0.7,
                h,
                value: *v,
                label: label.clone(),
            }
        })
        .collect();
    (bars, ticks)
}

/// Where a tick's line is drawn (view box units from the top).
pub fn tick_y(tick: u64, ticks: &[u64]) -> f64 {
    let top = ticks.last().copied().unwrap_or(1).max(1) as f64;
    (CHART_H - LABEL_H) * (1.0 - tick as f64 / top)
}

/// Which bars get a label under them: at most about twelve.
pub fn labelled(i: usize, count: usize) -> bool {
    let every = count.div_ceil(12).max(1);
    i % every == 0
}

/// A chart's text alternative: the total and the busiest bar.
pub fn chart_summary(title: &str, values: &[(String, u64)]) -> String {
    let total: u64 = values.iter().map(|(_, v)| v).sum();
    let busiest = values
        .iter()
        .filter(|(_, v)| *v > 0)
        .max_by_key(|(_, v)| *v);
    match busiest {
        None => format!("{title}: no chats."),
        Some((label, v)) => {
            let chats = if *v == 1 { "chat" } else { "chats" };
            format!("{title}: {total} in all; the busiest is {label} with {v} {chats}.")
        }
    }
}

/// `(label, chats)` of a table's rows, for its chart.
pub fn chart_values(rows: &[ReportRow]) -> Vec<(String, u64)> {
    rows.iter().map(|r| (r.label.clone(), r.chats)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    #[test]
    fn periods_are_whole_days_in_the_time_zone() {
        let noon = T0 + 12 * 3_600_000;
        assert_eq!(
            range(&Period::Last7, noon, 0),
            Ok((T0 - 6 * DAY_MS, T0 + DAY_MS))
        );
        // An hour east of UTC, days start an hour earlier.
        assert_eq!(
            range(&Period::Last30, noon, 60),
            Ok((T0 - 29 * DAY_MS - 3_600_000, T0 + DAY_MS - 3_600_000))
        );
        let custom = |from: &str, to: &str| Period::Custom {
            from: from.into(),
            to: to.into(),
        };
        assert_eq!(
            range(&custom("2026-01-01", "2026-01-01"), noon, -300),
            Ok((T0 + 300 * 60_000, T0 + DAY_MS + 300 * 60_000))
        );
        assert!(range(&custom("2026-01-02", "2026-01-01"), noon, 0)
            .unwrap_err()
            .contains("before"));
        assert!(range(&custom("", "2026-01-01"), noon, 0).is_err());
        assert!(range(&custom("2024-01-01", "2026-01-01"), noon, 0)
            .unwrap_err()
            .contains("366"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_day("2026-01-01"), Some(T0 / DAY_MS));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("soon"), None);
        assert_eq!(day_text(T0 / DAY_MS + 31), "2026-02-01");
    }

    #[test]
    fn paths_and_file_names() {
        let ask = Ask {
            from: T0,
            to: T0 + 2 * DAY_MS,
            department: Some("sales".into()),
            agent: None,
            tz_minutes: -120,
        };
        assert_eq!(
            ask.path(),
            format!(
                "/api/v1/reports?from={T0}&to={}&tz=-120&department=sales",
                T0 + 2 * DAY_MS
            )
        );
        assert!(ask
            .csv_path(Table::ByAgent)
            .ends_with("&department=sales&format=csv&table=by_agent"));
        assert_eq!(
            ask.file_name(Table::ByDay),
            "chats-by-day-2025-12-31-to-2026-01-02.csv"
        );
    }

    #[track_caller]
    fn check_ticks(max: u64, expected: &[u64]) {
        assert_eq!(ticks(max), expected);
    }

    #[test]
    fn axis_ticks() {
        check_ticks(0, &[0, 1]);
        check_ticks(1, &[0, 1]);
        check_ticks(3, &[0, 1, 2, 3]);
        check_ticks(7, &[0, 2, 4, 6, 8]);
        check_ticks(10, &[0, 2, 4, 6, 8, 10]);
        check_ticks(11, &[0, 5, 10, 15]);
        check_ticks(48, &[0, 10, 20, 30, 40, 50]);
        check_ticks(1234, &[0, 500, 1000, 1500]);
    }

    #[test]
    fn bars_fill_the_plot_in_proportion() {
        let values = vec![
            ("a".to_string(), 4),
            ("b".to_string(), 0),
            ("c".to_string(), 2),
        ];
        let (bars, ticks) = bars(&values);
        assert_eq!(ticks, [0, 1, 2, 3, 4]);
        let plot_h = CHART_H - LABEL_H;
        assert_eq!(bars[0].h, plot_h);
        assert_eq!(bars[0].y, 0.0);
        assert_eq!(bars[1].h, 0.0);
        assert_eq!(bars[2].h, plot_h / 2.0);
        assert_eq!(bars[2].y + bars[2].h, plot_h);
        // Side by side, inside the view box.
        assert!(bars[0].x >= AXIS_W && bars[0].x + bars[0].w < bars[1].x);
        assert!(bars[2].x + bars[2].w <= CHART_W);
        assert_eq!(tick_y(4, &ticks), 0.0);
        assert_eq!(tick_y(0, &ticks), plot_h);
    }

    #[test]
    fn words() {
        assert_eq!(time_words(None), "—");
        assert_eq!(time_words(Some(65_400.0)), "1 min 5 s");
        let row = ReportRow {
            ratings: 3,
            avg_rating: Some(0.75),
            ..ReportRow::default()
        };
        assert_eq!(rating_words(&row), "75% (3)");
        assert_eq!(call_words(&row), "—");
        let row = ReportRow {
            calls: 3,
            calls_answered: 2,
            call_ms: 125_000,
            ..ReportRow::default()
        };
        assert_eq!(call_words(&row), "3 (2 answered, 2 min 5 s)");
        let values = vec![("09:00".to_string(), 3), ("10:00".to_string(), 5)];
        assert_eq!(
            chart_summary("Chats per hour", &values),
            "Chats per hour: 8 in all; the busiest is 10:00 with 5 chats."
        );
        assert_eq!(
            chart_summary("Chats per day", &[]),
            "Chats per day: no chats."
        );
        assert!(labelled(0, 24) && !labelled(1, 24) && labelled(2, 24));
        assert!(labelled(5, 7));
    }
}
