//! Working days on the official holiday calendar.
//!
//! Statutory periods (行政许可法 第四十二条、第八十二条) count working days, and the day a period
//! starts is not counted. A working day is Monday–Friday unless the State Council's notice gives
//! it off, or a Saturday/Sunday the notice makes an adjusted working day (调休上班). Years with no
//! notice in the data fall back to the plain weekday rule; [`WorkingDayCalendar::covers`] says
//! which years those are.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// The notices for 2019–2026, as shipped in `data/reference/cn-holidays.csv`.
const OFFICIAL_CSV: &str = include_str!("../../../data/reference/cn-holidays.csv");
const HEADER: [&str; 3] = ["date", "name", "is_off_day"];

/// One dated line of a holiday notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct HolidayEntry {
    pub date: NaiveDate,
    /// The holiday the line belongs to, e.g. `春节` or `国庆节、中秋节`.
    pub name: String,
    /// `true`: a day off (including weekend days inside the holiday); `false`: an adjusted
    /// working day.
    pub is_off_day: bool,
}

/// What kind of day a date is on the official calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    Workday,
    Weekend,
    /// A day off of the named holiday.
    Holiday {
        name: String,
    },
    /// A Saturday or Sunday worked in exchange for the named holiday.
    AdjustedWorkday {
        name: String,
    },
}

impl DayKind {
    pub fn is_working_day(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday { .. })
    }

    /// Chinese label for display: 工作日 / 休息日 / 春节假期 / 春节调休上班.
    pub fn label(&self) -> String {
        match self {
            DayKind::Workday => "工作日".to_owned(),
            DayKind::Weekend => "休息日".to_owned(),
            DayKind::Holiday { name } => format!("{name}假期"),
            DayKind::AdjustedWorkday { name } => format!("{name}调休上班"),
        }
    }
}

/// Why holiday data cannot be used. Line numbers count the header as line 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CalendarError {
    #[error("假日安排文件为空，缺少表头“date,name,is_off_day”")]
    Empty,
    #[error("假日安排文件的表头应为“date,name,is_off_day”，实际为“{found}”")]
    Header { found: String },
    #[error("第 {line} 行应有 3 个字段，实际为 {found} 个")]
    FieldCount { line: u64, found: usize },
    #[error("第 {line} 行无法读取：{detail}")]
    Unreadable { line: u64, detail: String },
    #[error("第 {line} 行“{field}”字段：{problem}")]
    Field {
        line: u64,
        field: &'static str,
        problem: FieldProblem,
    },
    #[error("日期 {date} 重复出现")]
    DuplicateDate { date: NaiveDate },
    /// A year between two covered years has no notice: its dates would silently fall back to the
    /// weekday rule, which is almost certainly a data mistake.
    #[error("假日安排缺少 {missing} 年（已有 {before} 年和 {after} 年的安排）")]
    MissingYear {
        missing: i32,
        before: i32,
        after: i32,
    },
}

/// What is wrong with one field of a line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum FieldProblem {
    #[error("日期“{found}”无效，应为 YYYY-MM-DD")]
    BadDate { found: String },
    #[error("节日名称不能为空")]
    EmptyName,
    #[error("“{found}”无效，应为 true 或 false")]
    BadFlag { found: String },
    #[error("日期 {date} 与第 {first_line} 行重复")]
    DuplicateDate { date: NaiveDate, first_line: u64 },
}

/// The official working-day calendar. Cheap to clone: the tables are shared.
#[derive(Debug, Clone)]
pub struct WorkingDayCalendar {
    inner: Arc<Tables>,
}

#[derive(Debug)]
struct Tables {
    /// Sorted by date, no duplicates.
    entries: Vec<HolidayEntry>,
    covered_years: Option<RangeInclusive<i32>>,
    /// Whole years from the first to the last entry; `None` without entries.
    span: Option<Span>,
}

/// Prefix counts of working days over whole years, so that counting is a subtraction and adding
/// a binary search, with no work per day.
#[derive(Debug)]
struct Span {
    first: NaiveDate,
    last: NaiveDate,
    /// `working_before[i]` = working days in `[first, first + i)`; one more element than days.
    working_before: Vec<u32>,
}

static OFFICIAL: LazyLock<WorkingDayCalendar> = LazyLock::new(|| {
    // The embedded file is fixed at compile time and `tests::the_official_data_parses` proves it
    // valid, so this cannot fail in a built binary.
    WorkingDayCalendar::parse_csv(OFFICIAL_CSV)
        .and_then(WorkingDayCalendar::from_entries)
        .expect("the embedded cn-holidays.csv is valid")
});

impl WorkingDayCalendar {
    /// The calendar of the State Council notices shipped with the product (2019–2026).
    pub fn official() -> Self {
        OFFICIAL.clone()
    }

    /// Builds a calendar; entries may come in any order but no date may appear twice, and the
    /// covered years must have no gaps.
    pub fn from_entries(mut entries: Vec<HolidayEntry>) -> Result<Self, CalendarError> {
        entries.sort_by_key(|entry| entry.date);
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].date == pair[1].date) {
            return Err(CalendarError::DuplicateDate { date: pair[0].date });
        }
        let covered_years = covered_years_of(&entries)?;
        let span = Span::build(&entries);
        Ok(Self {
            inner: Arc::new(Tables {
                entries,
                covered_years,
                span,
            }),
        })
    }

    /// Reads `date,name,is_off_day` CSV (RFC 4180, header required).
    pub fn parse_csv(text: &str) -> Result<Vec<HolidayEntry>, CalendarError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut records = reader.records();

        let header = match records.next() {
            None => return Err(CalendarError::Empty),
            Some(record) => record.map_err(|error| unreadable(1, &error))?,
        };
        if !header.iter().eq(HEADER) {
            return Err(CalendarError::Header {
                found: header.iter().collect::<Vec<_>>().join(","),
            });
        }

        let mut entries = Vec::new();
        let mut lines_by_date = std::collections::HashMap::new();
        for record in records {
            let record = record.map_err(|error| {
                let line = error.position().map_or(0, csv::Position::line);
                unreadable(line, &error)
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            let [date, name, flag] = [0, 1, 2].map(|index| record.get(index));
            let (Some(date), Some(name), Some(flag), 3) = (date, name, flag, record.len()) else {
                return Err(CalendarError::FieldCount {
                    line,
                    found: record.len(),
                });
            };
            let field_error = |field, problem| CalendarError::Field {
                line,
                field,
                problem,
            };

            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .ok()
                .filter(|_| is_iso_shape(date))
                .ok_or_else(|| {
                    field_error(
                        "date",
                        FieldProblem::BadDate {
                            found: date.to_owned(),
                        },
                    )
                })?;
            if let Some(&first_line) = lines_by_date.get(&date) {
                return Err(field_error(
                    "date",
                    FieldProblem::DuplicateDate { date, first_line },
                ));
            }
            lines_by_date.insert(date, line);
            if name.is_empty() {
                return Err(field_error("name", FieldProblem::EmptyName));
            }
            let is_off_day = match flag {
                "true" => true,
                "false" => false,
                other => {
                    return Err(field_error(
                        "is_off_day",
                        FieldProblem::BadFlag {
                            found: other.to_owned(),
                        },
                    ));
                }
            };
            entries.push(HolidayEntry {
                date,
                name: name.to_owned(),
                is_off_day,
            });
        }
        Ok(entries)
    }

    /// This calendar updated with a newer notice file (`import calendar FILE`).
    ///
    /// Every year the newer entries cover is replaced as a whole, so a re-issued notice can also
    /// remove a day; dates of other years are replaced or added one by one (the late-December
    /// days a notice lists for the next 元旦).
    pub fn merged(&self, newer: Vec<HolidayEntry>) -> Result<Self, CalendarError> {
        let replaced_years = Self::from_entries(newer.clone())?.covered_years();
        let replaced = |entry: &HolidayEntry| {
            replaced_years
                .as_ref()
                .is_some_and(|years| years.contains(&entry.date.year()))
                || newer.iter().any(|new| new.date == entry.date)
        };
        let mut entries: Vec<HolidayEntry> = self
            .entries()
            .filter(|entry| !replaced(entry))
            .cloned()
            .collect();
        entries.extend(newer);
        Self::from_entries(entries)
    }

    /// All entries in date order.
    pub fn entries(&self) -> impl Iterator<Item = &HolidayEntry> {
        self.inner.entries.iter()
    }

    fn entry(&self, date: NaiveDate) -> Option<&HolidayEntry> {
        let entries = &self.inner.entries;
        entries
            .binary_search_by_key(&date, |entry| entry.date)
            .ok()
            .and_then(|index| entries.get(index))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.inner
            .span
            .as_ref()
            .and_then(|span| span.is_working(date))
            .unwrap_or_else(|| is_weekday(date))
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        match self.entry(date) {
            Some(entry) if entry.is_off_day => DayKind::Holiday {
                name: entry.name.clone(),
            },
            // The 2020 data lists Monday 2020-02-03 as a working day; it is simply a workday.
            Some(entry) if !is_weekday(date) => DayKind::AdjustedWorkday {
                name: entry.name.clone(),
            },
            _ if is_weekday(date) => DayKind::Workday,
            _ => DayKind::Weekend,
        }
    }

    /// The date a period of `days` working days ends when it starts on `from`: the `days`-th
    /// working day strictly after `from`, or `from` itself for 0 (即办). Saturates at the last
    /// date chrono can represent, hundreds of thousands of years away.
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        self.checked_add_working_days(from, days)
            .unwrap_or(NaiveDate::MAX)
    }

    /// [`Self::add_working_days`], or `None` past the last representable date.
    pub fn checked_add_working_days(&self, from: NaiveDate, days: u32) -> Option<NaiveDate> {
        if days == 0 {
            return Some(from);
        }
        let target = self.working_through(from) + i64::from(days);
        self.first_date_with_count(target)
    }

    /// Working days `d` with `start < d ≤ end`; negative, `−(count of end < d ≤ start)`, when
    /// `end` is before `start`.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        self.working_through(end) - self.working_through(start)
    }

    /// The first working day on or after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working_day(date) {
            date
        } else {
            self.add_working_days(date, 1)
        }
    }

    /// Whether the date's year has a notice in the data, so its working days are official rather
    /// than the weekday fallback.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.inner
            .covered_years
            .as_ref()
            .is_some_and(|years| years.contains(&date.year()))
    }

    pub fn covered_years(&self) -> Option<RangeInclusive<i32>> {
        self.inner.covered_years.clone()
    }

    /// A running count of working days, anchored so that it is 0 on the day before the span (or
    /// on the weekday count's origin without data): `working_through(b) − working_through(a)`
    /// counts the working days in `(a, b]`.
    fn working_through(&self, date: NaiveDate) -> i64 {
        let day = day_number(date);
        let Some(span) = &self.inner.span else {
            return weekdays_through(day);
        };
        if let Some(index) = span.index(date) {
            return span
                .working_before
                .get(index + 1)
                .map_or(0, |&n| i64::from(n));
        }
        if date < span.first {
            weekdays_through(day) - weekdays_through(day_number(span.first) - 1)
        } else {
            span.total() + weekdays_through(day) - weekdays_through(day_number(span.last))
        }
    }

    /// The first date whose running count reaches `target`; it is always a working day.
    fn first_date_with_count(&self, target: i64) -> Option<NaiveDate> {
        let Some(span) = &self.inner.span else {
            return date_of(first_day_with_weekday_count(target));
        };
        if target <= 0 {
            let offset = weekdays_through(day_number(span.first) - 1);
            return date_of(first_day_with_weekday_count(target + offset));
        }
        if target > span.total() {
            let offset = weekdays_through(day_number(span.last));
            return date_of(first_day_with_weekday_count(target - span.total() + offset));
        }
        // 1 ≤ target ≤ total, and working_before[0] = 0, so the index is at least 1.
        let index = span
            .working_before
            .partition_point(|&n| i64::from(n) < target);
        let offset = u64::try_from(index.saturating_sub(1)).ok()?;
        span.first.checked_add_days(chrono::Days::new(offset))
    }
}

impl Span {
    fn build(entries: &[HolidayEntry]) -> Option<Span> {
        let first = NaiveDate::from_ymd_opt(entries.first()?.date.year(), 1, 1)?;
        let last = NaiveDate::from_ymd_opt(entries.last()?.date.year(), 12, 31)?;
        let days = usize::try_from((last - first).num_days()).ok()?;
        let mut working_before = Vec::with_capacity(days + 2);
        working_before.push(0u32);
        let mut pending = entries.iter().peekable();
        let mut count = 0u32;
        for date in first.iter_days().take_while(|date| *date <= last) {
            let listed = pending.next_if(|entry| entry.date == date);
            let working = match listed {
                Some(entry) => !entry.is_off_day,
                None => is_weekday(date),
            };
            count += u32::from(working);
            working_before.push(count);
        }
        Some(Span {
            first,
            last,
            working_before,
        })
    }

    fn index(&self, date: NaiveDate) -> Option<usize> {
        if date < self.first || date > self.last {
            return None;
        }
        usize::try_from((date - self.first).num_days()).ok()
    }

    /// `None` outside the span.
    fn is_working(&self, date: NaiveDate) -> Option<bool> {
        let index = self.index(date)?;
        Some(self.working_before.get(index + 1)? > self.working_before.get(index)?)
    }

    fn total(&self) -> i64 {
        self.working_before.last().map_or(0, |&n| i64::from(n))
    }
}

/// A year is covered when it has entries before December. Each notice lists 元旦 to 国庆节 of
/// its own year; the only dates it lists outside that year are late-December days around the
/// next 元旦 (the 2019 notice lists 2018-12-29..31), which do not make 2018 covered.
fn covered_years_of(
    entries: &[HolidayEntry],
) -> Result<Option<RangeInclusive<i32>>, CalendarError> {
    let mut years: Vec<i32> = entries
        .iter()
        .filter(|entry| entry.date.month() < 12)
        .map(|entry| entry.date.year())
        .collect();
    years.dedup();
    if let Some(pair) = years.windows(2).find(|pair| pair[1] != pair[0] + 1) {
        return Err(CalendarError::MissingYear {
            missing: pair[0] + 1,
            before: pair[0],
            after: pair[1],
        });
    }
    Ok(years.first().zip(years.last()).map(|(&a, &b)| a..=b))
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `YYYY-MM-DD` exactly: chrono alone also accepts `2024-1-5` and signed years.
fn is_iso_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

fn unreadable(line: u64, error: &csv::Error) -> CalendarError {
    CalendarError::Unreadable {
        line,
        detail: error.to_string(),
    }
}

/// Days since 0001-01-01, a Monday, so that `day % 7` is the weekday counted from Monday.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 1
}

fn date_of(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 1).ok()?)
}

/// Weekdays among day numbers `0..=day` (negative, counting back, for days before the origin):
/// a difference of two values counts the weekdays in a half-open interval in O(1).
fn weekdays_through(day: i64) -> i64 {
    let days = day + 1;
    5 * days.div_euclid(7) + days.rem_euclid(7).min(5)
}

/// The smallest day number whose [`weekdays_through`] reaches `count`: the `count`-th weekday
/// counted from the origin, the inverse used to jump over whole weeks.
fn first_day_with_weekday_count(count: i64) -> i64 {
    let index = count - 1;
    7 * index.div_euclid(5) + index.rem_euclid(5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn official() -> WorkingDayCalendar {
        WorkingDayCalendar::official()
    }

    #[test]
    fn the_official_data_parses() {
        let entries = WorkingDayCalendar::parse_csv(OFFICIAL_CSV).unwrap();
        assert_eq!(entries.len(), 286);
        assert_eq!(entries.iter().filter(|entry| entry.is_off_day).count(), 232);
        let calendar = WorkingDayCalendar::from_entries(entries).unwrap();
        assert_eq!(calendar.covered_years(), Some(2019..=2026));
        assert_eq!(official().entries().count(), 286);
    }

    #[test]
    fn covers_only_years_with_a_notice() {
        let calendar = official();
        assert!(!calendar.covers(d("2018-12-31")));
        assert!(calendar.covers(d("2019-01-01")));
        assert!(calendar.covers(d("2026-12-31")));
        assert!(!calendar.covers(d("2027-01-01")));
    }

    #[test]
    fn spring_festival_2024() {
        let calendar = official();
        // 2024-02-10 (Sat) .. 02-17 (Sat) off; Sun 02-04 and Sun 02-18 worked.
        for day in 10..=17 {
            let date = NaiveDate::from_ymd_opt(2024, 2, day).unwrap();
            assert!(!calendar.is_working_day(date), "{date}");
            assert_eq!(
                calendar.day_kind(date),
                DayKind::Holiday {
                    name: "春节".into()
                }
            );
        }
        assert!(calendar.is_working_day(d("2024-02-04")));
        assert!(calendar.is_working_day(d("2024-02-18")));
        assert_eq!(
            calendar.day_kind(d("2024-02-18")),
            DayKind::AdjustedWorkday {
                name: "春节".into()
            }
        );
        assert_eq!(calendar.day_kind(d("2024-02-09")), DayKind::Workday);
        assert_eq!(calendar.day_kind(d("2024-02-24")), DayKind::Weekend);

        assert_eq!(
            calendar.add_working_days(d("2024-02-08"), 1),
            d("2024-02-09")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-02-09"), 1),
            d("2024-02-18")
        );
        // 02-18 (Sun), 19, 20, 21, 22, 23 → the 5th after 02-09 is 02-22.
        assert_eq!(
            calendar.add_working_days(d("2024-02-09"), 5),
            d("2024-02-22")
        );
        // 即办: the day itself, even on a holiday.
        assert_eq!(
            calendar.add_working_days(d("2024-02-12"), 0),
            d("2024-02-12")
        );
        // A period starting inside the holiday: 02-18 is the first working day.
        assert_eq!(
            calendar.add_working_days(d("2024-02-12"), 1),
            d("2024-02-18")
        );
        assert_eq!(calendar.next_working_day(d("2024-02-10")), d("2024-02-18"));
        assert_eq!(calendar.next_working_day(d("2024-02-09")), d("2024-02-09"));

        // 02-01 (Thu) .. 02-29: Feb 2024 has 21 weekdays, minus 02-12..16 (5), plus 02-04 and
        // 02-18, so 18 working days in (01-31, 02-29].
        assert_eq!(
            calendar.working_days_between(d("2024-01-31"), d("2024-02-29")),
            18
        );
    }

    #[test]
    fn national_day_2024() {
        let calendar = official();
        // 09-29 (Sun) worked, 10-01..07 off, 10-12 (Sat) worked.
        assert!(calendar.is_working_day(d("2024-09-29")));
        assert!(calendar.is_working_day(d("2024-10-12")));
        assert!(!calendar.is_working_day(d("2024-10-07")));
        // From Fri 09-27: 09-29 (Sun), 09-30 (Mon), then 10-08 (Tue), 10-09, 10-10.
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 1),
            d("2024-09-29")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 2),
            d("2024-09-30")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 3),
            d("2024-10-08")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 5),
            d("2024-10-10")
        );
        // 10-11 (Fri), 10-12 (Sat, worked), then Mon 10-14.
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 6),
            d("2024-10-11")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 7),
            d("2024-10-12")
        );
        assert_eq!(
            calendar.add_working_days(d("2024-09-27"), 8),
            d("2024-10-14")
        );
        assert_eq!(
            calendar.working_days_between(d("2024-09-27"), d("2024-10-14")),
            8
        );
        assert_eq!(
            calendar.working_days_between(d("2024-10-14"), d("2024-09-27")),
            -8
        );
        // (09-30, 10-07] holds no working day.
        assert_eq!(
            calendar.working_days_between(d("2024-09-30"), d("2024-10-07")),
            0
        );
    }

    #[test]
    fn whole_years_match_a_day_by_day_count() {
        let calendar = official();
        for year in 2018..=2028 {
            let start = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap();
            let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            let slow = start
                .iter_days()
                .skip(1)
                .take_while(|date| *date <= end)
                .filter(|&date| calendar.day_kind(date).is_working_day())
                .count() as i64;
            assert_eq!(calendar.working_days_between(start, end), slow, "{year}");
        }
        // 2024 by hand: 262 weekdays, 19 of them off (元旦 1, 春节 5, 清明 2, 劳动节 3, 端午 1,
        // 中秋 2, 国庆 5), plus 8 adjusted working days: 251.
        assert_eq!(
            calendar.working_days_between(d("2023-12-31"), d("2024-12-31")),
            251
        );
    }

    #[test]
    fn falls_back_to_weekdays_beyond_the_data() {
        let calendar = official();
        // 2027-01-01 is a Friday: no notice, so a working day.
        assert!(calendar.is_working_day(d("2027-01-01")));
        assert_eq!(
            calendar.add_working_days(d("2026-12-31"), 1),
            d("2027-01-01")
        );
        assert_eq!(
            calendar.add_working_days(d("2027-01-01"), 1),
            d("2027-01-04")
        );
        assert_eq!(
            calendar.add_working_days(d("2027-01-01"), 10),
            d("2027-01-15")
        );
        // Before the data: Fri 2017-12-29 + 1 = Mon 2018-01-01 (no 2018 notice is loaded).
        assert_eq!(
            calendar.add_working_days(d("2017-12-29"), 1),
            d("2018-01-01")
        );
        assert_eq!(
            calendar.add_working_days(d("2000-01-03"), 5),
            d("2000-01-10")
        );
        // Crossing from before the span into it: 2018-12-28 (Fri) → 12-29 (Sat, worked).
        assert_eq!(
            calendar.add_working_days(d("2018-12-28"), 1),
            d("2018-12-29")
        );
        assert_eq!(
            calendar.add_working_days(d("2018-12-29"), 1),
            d("2019-01-02")
        );
    }

    #[test]
    fn an_empty_calendar_is_the_weekday_rule() {
        let calendar = WorkingDayCalendar::from_entries(Vec::new()).unwrap();
        assert_eq!(calendar.covered_years(), None);
        assert!(!calendar.covers(d("2024-01-01")));
        assert_eq!(
            calendar.add_working_days(d("2024-02-09"), 1),
            d("2024-02-12")
        );
        assert_eq!(
            calendar.working_days_between(d("2024-02-09"), d("2024-02-16")),
            5
        );
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let calendar = official();
        assert_eq!(calendar.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(calendar.checked_add_working_days(NaiveDate::MAX, 1), None);
        let far = calendar.add_working_days(d("2024-01-01"), u32::MAX);
        assert_eq!(far, NaiveDate::MAX);
    }

    #[test]
    fn weekday_arithmetic_matches_chrono() {
        let start = d("1999-12-20");
        let mut expected = weekdays_through(day_number(start) - 1);
        for date in start.iter_days().take(60) {
            expected += i64::from(is_weekday(date));
            assert_eq!(weekdays_through(day_number(date)), expected, "{date}");
            if is_weekday(date) {
                assert_eq!(date_of(first_day_with_weekday_count(expected)), Some(date));
            }
        }
        assert_eq!(
            date_of(day_number(d("2024-02-09"))).unwrap().weekday(),
            Weekday::Fri
        );
    }

    #[test]
    fn reports_csv_problems_with_line_and_field() {
        let message = |text: &str| WorkingDayCalendar::parse_csv(text).unwrap_err().to_string();
        let header = "date,name,is_off_day\n";
        assert_eq!(
            message(""),
            "假日安排文件为空，缺少表头“date,name,is_off_day”"
        );
        assert_eq!(
            message("day,name,off\n"),
            "假日安排文件的表头应为“date,name,is_off_day”，实际为“day,name,off”"
        );
        assert_eq!(
            message(&format!(
                "{header}2024-01-01,元旦,true\n2024-13-01,元旦,true\n"
            )),
            "第 3 行“date”字段：日期“2024-13-01”无效，应为 YYYY-MM-DD"
        );
        assert_eq!(
            message(&format!("{header}2024-1-1,元旦,true\n")),
            "第 2 行“date”字段：日期“2024-1-1”无效，应为 YYYY-MM-DD"
        );
        assert_eq!(
            message(&format!("{header}2024-01-01,,true\n")),
            "第 2 行“name”字段：节日名称不能为空"
        );
        assert_eq!(
            message(&format!("{header}2024-01-01,元旦,yes\n")),
            "第 2 行“is_off_day”字段：“yes”无效，应为 true 或 false"
        );
        assert_eq!(
            message(&format!("{header}2024-01-01,元旦\n")),
            "第 2 行应有 3 个字段，实际为 2 个"
        );
        assert_eq!(
            message(&format!(
                "{header}2024-01-01,元旦,true\n2024-01-01,元旦,true\n"
            )),
            "第 3 行“date”字段：日期 2024-01-01 与第 2 行重复"
        );
    }

    #[test]
    fn parses_quoted_fields_and_skips_blank_lines() {
        let entries = WorkingDayCalendar::parse_csv(
            "date,name,is_off_day\n2025-10-01,\"国庆节、中秋节\",true\n\n",
        )
        .unwrap();
        assert_eq!(
            entries,
            vec![HolidayEntry {
                date: d("2025-10-01"),
                name: "国庆节、中秋节".into(),
                is_off_day: true
            }]
        );
    }

    #[test]
    fn rejects_duplicates_and_gaps() {
        let entry = |date: &str| HolidayEntry {
            date: d(date),
            name: "元旦".into(),
            is_off_day: true,
        };
        let error =
            WorkingDayCalendar::from_entries(vec![entry("2024-01-01"), entry("2024-01-01")])
                .unwrap_err();
        assert_eq!(error.to_string(), "日期 2024-01-01 重复出现");
        let error =
            WorkingDayCalendar::from_entries(vec![entry("2024-01-01"), entry("2026-01-01")])
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "假日安排缺少 2025 年（已有 2024 年和 2026 年的安排）"
        );
    }

    #[test]
    fn merging_a_newer_notice_replaces_its_years() {
        let calendar = official();
        let newer = WorkingDayCalendar::parse_csv(
            "date,name,is_off_day\n\
             2026-12-31,元旦,true\n\
             2027-01-01,元旦,true\n\
             2027-02-06,春节,false\n",
        )
        .unwrap();
        let merged = calendar.merged(newer).unwrap();
        assert_eq!(merged.covered_years(), Some(2019..=2027));
        assert!(!merged.is_working_day(d("2027-01-01")));
        assert!(merged.is_working_day(d("2027-02-06")));
        assert!(!merged.is_working_day(d("2026-12-31")));
        assert!(
            calendar.is_working_day(d("2026-12-31")),
            "the original is unchanged"
        );
        assert_eq!(merged.entries().count(), 289);

        // A re-issued 2026 notice replaces all of 2026, including days it no longer lists.
        let reissued =
            WorkingDayCalendar::parse_csv("date,name,is_off_day\n2026-01-01,元旦,true\n").unwrap();
        let merged = calendar.merged(reissued).unwrap();
        assert_eq!(
            merged.entries().filter(|e| e.date.year() == 2026).count(),
            1
        );
        assert!(merged.is_working_day(d("2026-10-05")));
        assert!(!calendar.is_working_day(d("2026-10-05")));
    }

    #[test]
    fn day_kinds_serialise_with_a_tag() {
        assert_eq!(
            serde_json::to_string(&DayKind::Holiday {
                name: "春节".into()
            })
            .unwrap(),
            r#"{"kind":"holiday","name":"春节"}"#
        );
        assert_eq!(
            serde_json::to_string(&DayKind::Workday).unwrap(),
            r#"{"kind":"workday"}"#
        );
        assert_eq!(
            DayKind::AdjustedWorkday {
                name: "春节".into()
            }
            .label(),
            "春节调休上班"
        );
    }
}
