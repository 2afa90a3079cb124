//! The working-day calendar as stored, and its import for later years.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use zerotrip_core::calendar::{HolidayEntry, WorkingDayCalendar};
use zerotrip_store::reference::{self, HolidayRow};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::events::topics;

/// Longest period the calendar API computes, so a request cannot ask for a century of work.
pub const MAX_WORKING_DAYS: u32 = 3_650;

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarImport {
    pub entries: usize,
    pub years: Vec<i32>,
}

impl App {
    /// The calendar every deadline is computed on.
    pub fn calendar(&self) -> Arc<WorkingDayCalendar> {
        match self.calendar.read() {
            Ok(guard) => guard.clone(),
            // A writer panicked mid-swap; the old value is still a valid calendar.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the in-memory calendar from the database.
    pub async fn reload_calendar(&self) -> AppResult<()> {
        let rows = reference::all_holidays(&self.db).await?;
        let entries = rows
            .into_iter()
            .map(|row| HolidayEntry {
                date: row.date,
                name: row.name,
                is_off_day: row.is_off_day,
            })
            .collect();
        let calendar = WorkingDayCalendar::from_entries(entries)
            .map_err(|error| AppError::internal(format!("已存储的节假日数据无效：{error}")))?;
        let calendar = Arc::new(calendar);
        match self.calendar.write() {
            Ok(mut guard) => *guard = calendar,
            Err(poisoned) => *poisoned.into_inner() = calendar,
        }
        Ok(())
    }

    /// Imports a holiday CSV (`date,name,is_off_day`) in one transaction: entries are added or
    /// replace the stored ones by date; nothing is written if any line is bad.
    pub async fn import_calendar(&self, csv: &str, actor: &str) -> AppResult<CalendarImport> {
        let entries =
            WorkingDayCalendar::parse_csv(csv).map_err(|error| AppError::field("file", error))?;
        // Merging proves the result is a consistent calendar before anything is stored.
        self.calendar()
            .merged(entries.clone())
            .map_err(|error| AppError::field("file", error))?;
        let mut years: Vec<i32> = entries
            .iter()
            .map(|entry| chrono::Datelike::year(&entry.date))
            .collect();
        years.sort_unstable();
        years.dedup();
        let count = entries.len();
        let rows = entries
            .into_iter()
            .map(|entry| HolidayRow {
                date: entry.date,
                name: entry.name,
                is_off_day: entry.is_off_day,
            })
            .collect();
        let mut tx = self.db.begin().await?;
        reference::upsert_holidays(&mut tx, rows).await?;
        let summary = json!({"entries": count, "years": years});
        self.audit(
            &mut tx,
            actor,
            "calendar.import",
            "calendar",
            None,
            Some(&summary),
        )
        .await?;
        self.emit(&mut tx, topics::CALENDAR_UPDATED, "calendar", summary)
            .await?;
        tx.commit().await?;
        self.reload_calendar().await?;
        Ok(CalendarImport {
            entries: count,
            years,
        })
    }

    /// `from` plus `days` working days (the first day is not counted; 0 = the same day).
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> AppResult<NaiveDate> {
        if days > MAX_WORKING_DAYS {
            return Err(AppError::field(
                "days",
                format!("工作日天数应在 0–{MAX_WORKING_DAYS} 之间，实际为 {days}"),
            ));
        }
        Ok(self.calendar().add_working_days(from, days))
    }
}
