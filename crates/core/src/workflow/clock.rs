//! The time limit of a case, in working days on the official calendar.
//!
//! # Counting rules
//!
//! - **Start.** The limit counts from the day after acceptance: 《行政许可法》第八十二条 counts
//!   working days, and the day a period starts is not counted (民法典第二百零一条). A limit of
//!   `N` accepted on day `A` ends, without pauses, on the `N`-th working day after `A`
//!   ([`WorkingDayCalendar::add_working_days`]); a limit of 0 (即办) ends on `A` itself.
//! - **Pauses.** A pause from `P` (the day 补正告知 was issued, or the special procedure began)
//!   until `S` (the day the materials arrived, or the procedure ended) takes the working days in
//!   **`(P, S]`** out of the count: the day of the notice still counts (the office worked on the
//!   case that day), the day the applicant supplements does not (counting restarts the next day,
//!   as after acceptance). A pause opened and closed on the same day costs nothing. Example: 10
//!   working days accepted Mon 2024-03-04 end on Mon 03-18 without pauses. Notice on Thu 03-07
//!   (days 1–3 were 03-05, 03-06, 03-07), materials in on Tue 03-12: Fri 03-08, Mon 03-11 and
//!   Tue 03-12 are not counted, Wed 03-13 is day 4, and the deadline moves three working days to
//!   Thu 03-21. Pauses before acceptance do not count at all; overlapping pauses count once.
//! - **Deadline.** The deadline is the day on which the `N`-th *counted* working day falls. This
//!   is "the limit plus the working days of each pause", except that a pause which begins after
//!   the deadline has passed does not move it: an overdue case stays overdue.
//! - **Extensions** (延长审批) add their working days to `N`.
//! - **Open pause.** While a pause is open the deadline does not exist: [`CaseClock::deadline`]
//!   returns `None` and [`CaseClock::is_paused`] is true. The case cannot run late while the
//!   clock stands, and any date shown would be wrong tomorrow; a page can still show the working
//!   days left ([`CaseClock::working_days_left`], frozen while paused) or the earliest possible
//!   deadline ([`CaseClock::projected_deadline`], as if the pause ended today).
//! - **Stop.** 办结 (or any end of the case) fixes the time used; [`CaseClock::deadline`] still
//!   answers, so reports can tell on-time cases from late ones.
//! - **Status.** [`DeadlineStatus::Overdue`] once the date is after the deadline (a Saturday after
//!   a Friday deadline is overdue), [`DeadlineStatus::DueSoon`] when at most
//!   [`DUE_SOON_WORKING_DAYS`] working days are left (the deadline day itself included, 0 left),
//!   [`DeadlineStatus::Paused`] while a pause is open (unless it began after the deadline), else
//!   [`DeadlineStatus::Normal`] (also before acceptance and for cases finished on time).

use super::transition::ClockEffect;
use super::vocabulary::SpecialProcedure;
use crate::calendar::WorkingDayCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Working days left at which a case is 即将到期.
pub const DUE_SOON_WORKING_DAYS: i64 = 2;

/// Why the clock stood still.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// 补正: waiting for the applicant's materials. Stored as `"supplement"`.
    Supplement,
    /// 特别程序 of this kind. Stored as `{"special":"hearing"}`.
    Special(SpecialProcedure),
}

impl PauseKind {
    pub fn label(self) -> &'static str {
        match self {
            PauseKind::Supplement => "补正",
            PauseKind::Special(kind) => kind.label(),
        }
    }
}

impl fmt::Display for PauseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A time the clock stood still: working days in `(from, until]` are not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    pub kind: PauseKind,
    pub from: NaiveDate,
    /// `None` while the pause is open.
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

/// An extension of the limit (延长审批).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub working_days: u32,
    pub reason: String,
    pub granted_on: NaiveDate,
}

/// The time limit of one case. Stored with the case; change it only through
/// [`CaseClock::apply`] (or the methods it calls), which keep at most one pause open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseClock {
    /// The day of 受理; `None` before.
    #[serde(default)]
    pub accepted_on: Option<NaiveDate>,
    /// The limit in working days, before extensions.
    pub limit_working_days: u32,
    #[serde(default)]
    pub pauses: Vec<Pause>,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    /// The day of 办结 or of the end of the case; time stops counting there.
    #[serde(default)]
    pub stopped_on: Option<NaiveDate>,
}

/// Where a case stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// 正常.
    Normal,
    /// 即将到期: at most two working days left.
    DueSoon,
    /// 已超期.
    Overdue,
    /// 已暂停计时.
    Paused,
}

impl DeadlineStatus {
    pub const ALL: [DeadlineStatus; 4] = [
        DeadlineStatus::Normal,
        DeadlineStatus::DueSoon,
        DeadlineStatus::Overdue,
        DeadlineStatus::Paused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStatus::Normal => "normal",
            DeadlineStatus::DueSoon => "due_soon",
            DeadlineStatus::Overdue => "overdue",
            DeadlineStatus::Paused => "paused",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeadlineStatus::Normal => "正常",
            DeadlineStatus::DueSoon => "即将到期",
            DeadlineStatus::Overdue => "已超期",
            DeadlineStatus::Paused => "已暂停计时",
        }
    }
}

impl fmt::Display for DeadlineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a clock change cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("计时已于 {since} 暂停（{kind}），不能重复暂停")]
    AlreadyPaused { since: NaiveDate, kind: PauseKind },
    #[error("计时没有暂停，无需恢复")]
    NotPaused,
    #[error("恢复计时的日期 {on} 早于暂停日期 {from}")]
    ResumeBeforePause { from: NaiveDate, on: NaiveDate },
    #[error("计时已于 {on} 结束，不能再变更")]
    Stopped { on: NaiveDate },
    #[error("尚未受理，办理时限还没有开始计算")]
    NotStarted,
}

/// A pause as an interval of excluded days `(start, end]`, `end` `None` when open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Excluded {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

impl CaseClock {
    /// A clock for a case whose limit is `limit_working_days`, not yet accepted.
    pub fn new(limit_working_days: u32) -> Self {
        CaseClock {
            accepted_on: None,
            limit_working_days,
            pauses: Vec::new(),
            extensions: Vec::new(),
            stopped_on: None,
        }
    }

    /// The limit with every extension.
    pub fn total_limit(&self) -> u32 {
        self.extensions
            .iter()
            .fold(self.limit_working_days, |total, extension| {
                total.saturating_add(extension.working_days)
            })
    }

    /// Whether a pause is open and the case still running: the deadline is suspended.
    pub fn is_paused(&self) -> bool {
        self.stopped_on.is_none() && self.open_pause().is_some()
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped_on.is_some()
    }

    /// 补正次数: how many times the applicant was asked to supplement.
    pub fn supplement_count(&self) -> usize {
        self.pauses
            .iter()
            .filter(|pause| pause.kind == PauseKind::Supplement)
            .count()
    }

    /// The open pause (the earliest, should the stored data hold several).
    pub fn open_pause(&self) -> Option<&Pause> {
        self.pauses
            .iter()
            .filter(|pause| pause.until.is_none())
            .min_by_key(|pause| pause.from)
    }

    /// The last day of the limit; `None` before acceptance and while a pause is open.
    pub fn deadline(&self, calendar: &WorkingDayCalendar) -> Option<NaiveDate> {
        let accepted = self.accepted_on?;
        if self.is_paused() {
            return None;
        }
        self.counted_day(calendar, accepted, self.excluded(accepted, self.stopped_on))
    }

    /// The deadline if the open pause (if any) ended on `today` (or on its first day, if
    /// `today` is earlier): the earliest the deadline can be. `None` before acceptance.
    pub fn projected_deadline(
        &self,
        today: NaiveDate,
        calendar: &WorkingDayCalendar,
    ) -> Option<NaiveDate> {
        let accepted = self.accepted_on?;
        let close = self.stopped_on.unwrap_or(today);
        self.counted_day(calendar, accepted, self.excluded(accepted, Some(close)))
    }

    /// Counted working days from the day after acceptance up to and including `today` (or the
    /// day the clock stopped, if earlier); 0 before acceptance.
    pub fn working_days_used(&self, today: NaiveDate, calendar: &WorkingDayCalendar) -> u32 {
        let Some(accepted) = self.accepted_on else {
            return 0;
        };
        let end = self.stopped_on.map_or(today, |stopped| stopped.min(today));
        if end <= accepted {
            return 0;
        }
        let mut used = calendar.working_days_between(accepted, end);
        for interval in self.excluded(accepted, self.stopped_on) {
            let stop = interval.end.map_or(end, |until| until.min(end));
            if stop > interval.start {
                used -= calendar.working_days_between(interval.start, stop);
            }
        }
        u32::try_from(used.max(0)).unwrap_or(u32::MAX)
    }

    /// The limit (with extensions) minus the days used; negative when overdue. `None` before
    /// acceptance.
    pub fn working_days_left(
        &self,
        today: NaiveDate,
        calendar: &WorkingDayCalendar,
    ) -> Option<i64> {
        self.accepted_on?;
        Some(i64::from(self.total_limit()) - i64::from(self.working_days_used(today, calendar)))
    }

    /// Where the case stands on `today`; see the module's counting rules.
    pub fn status(&self, today: NaiveDate, calendar: &WorkingDayCalendar) -> DeadlineStatus {
        let Some(accepted) = self.accepted_on else {
            return if self.is_paused() {
                DeadlineStatus::Paused
            } else {
                DeadlineStatus::Normal
            };
        };
        if let Some(stopped) = self.stopped_on {
            return match self.deadline(calendar) {
                Some(deadline) if stopped > deadline => DeadlineStatus::Overdue,
                _ => DeadlineStatus::Normal,
            };
        }
        if let Some(pause) = self.open_pause() {
            // The deadline that was running when the pause began.
            let before = self.counted_day(
                calendar,
                accepted,
                self.excluded(accepted, Some(pause.from)),
            );
            return match before {
                Some(deadline) if pause.from > deadline => DeadlineStatus::Overdue,
                _ => DeadlineStatus::Paused,
            };
        }
        let Some(deadline) = self.deadline(calendar) else {
            return DeadlineStatus::Normal;
        };
        if today > deadline {
            DeadlineStatus::Overdue
        } else if calendar.working_days_between(today, deadline) <= DUE_SOON_WORKING_DAYS {
            DeadlineStatus::DueSoon
        } else {
            DeadlineStatus::Normal
        }
    }

    /// Records the clock side of a transition taken on `on`.
    pub fn apply(&mut self, effect: &ClockEffect, on: NaiveDate) -> Result<(), ClockError> {
        match effect {
            ClockEffect::Unchanged => Ok(()),
            ClockEffect::Start => self.start(on),
            ClockEffect::Pause { kind } => self.pause(*kind, on),
            ClockEffect::Resume => self.resume(on),
            ClockEffect::Extend {
                working_days,
                reason,
            } => self.extend(*working_days, reason, on),
            ClockEffect::Stop => {
                self.stop(on);
                Ok(())
            }
        }
    }

    /// 受理 on `on`. The first acceptance counts; a later one (after 转办) changes nothing.
    pub fn start(&mut self, on: NaiveDate) -> Result<(), ClockError> {
        self.ensure_running()?;
        if self.accepted_on.is_none() {
            self.accepted_on = Some(on);
        }
        Ok(())
    }

    /// Stops the clock from `on` (补正 before acceptance may be recorded too; it costs nothing).
    pub fn pause(&mut self, kind: PauseKind, on: NaiveDate) -> Result<(), ClockError> {
        self.ensure_running()?;
        if let Some(open) = self.open_pause() {
            return Err(ClockError::AlreadyPaused {
                since: open.from,
                kind: open.kind,
            });
        }
        self.pauses.push(Pause {
            kind,
            from: on,
            until: None,
        });
        Ok(())
    }

    /// Ends the open pause on `on`; counting restarts the next day.
    pub fn resume(&mut self, on: NaiveDate) -> Result<(), ClockError> {
        self.ensure_running()?;
        let open = self
            .pauses
            .iter_mut()
            .filter(|pause| pause.until.is_none())
            .min_by_key(|pause| pause.from)
            .ok_or(ClockError::NotPaused)?;
        if on < open.from {
            return Err(ClockError::ResumeBeforePause {
                from: open.from,
                on,
            });
        }
        open.until = Some(on);
        Ok(())
    }

    /// 延长审批 granted on `on`.
    pub fn extend(
        &mut self,
        working_days: u32,
        reason: &str,
        on: NaiveDate,
    ) -> Result<(), ClockError> {
        self.ensure_running()?;
        if self.accepted_on.is_none() {
            return Err(ClockError::NotStarted);
        }
        self.extensions.push(Extension {
            working_days,
            reason: reason.to_owned(),
            granted_on: on,
        });
        Ok(())
    }

    /// 办结 or the end of the case on `on`: closes an open pause there. Stopping twice keeps the
    /// first day.
    pub fn stop(&mut self, on: NaiveDate) {
        if self.stopped_on.is_some() {
            return;
        }
        for pause in &mut self.pauses {
            if pause.until.is_none() {
                pause.until = Some(on.max(pause.from));
            }
        }
        self.stopped_on = Some(on);
    }

    fn ensure_running(&self) -> Result<(), ClockError> {
        match self.stopped_on {
            Some(on) => Err(ClockError::Stopped { on }),
            None => Ok(()),
        }
    }

    /// The pauses as sorted, merged intervals of excluded days after acceptance; open pauses end
    /// at `close_open` when given, else stay open.
    fn excluded(&self, accepted: NaiveDate, close_open: Option<NaiveDate>) -> Vec<Excluded> {
        let mut intervals: Vec<Excluded> = self
            .pauses
            .iter()
            .filter_map(|pause| {
                let start = pause.from.max(accepted);
                let end = pause
                    .until
                    .or(close_open)
                    .map(|until| until.max(pause.from));
                match end {
                    Some(end) if end <= start => None,
                    end => Some(Excluded { start, end }),
                }
            })
            .collect();
        intervals.sort_by_key(|interval| interval.start);
        let mut merged: Vec<Excluded> = Vec::with_capacity(intervals.len());
        for interval in intervals {
            match merged.last_mut() {
                Some(last) if last.end.is_none_or(|end| interval.start <= end) => {
                    last.end = match (last.end, interval.end) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                _ => merged.push(interval),
            }
        }
        merged
    }

    /// The day of the `total_limit()`-th counted working day after `accepted`, skipping the
    /// excluded intervals; `None` if an open interval comes first.
    fn counted_day(
        &self,
        calendar: &WorkingDayCalendar,
        accepted: NaiveDate,
        excluded: Vec<Excluded>,
    ) -> Option<NaiveDate> {
        let limit = self.total_limit();
        if limit == 0 {
            return Some(accepted);
        }
        let mut remaining = i64::from(limit);
        let mut cursor = accepted;
        for interval in excluded {
            let available = calendar.working_days_between(cursor, interval.start);
            if remaining <= available {
                break;
            }
            remaining -= available;
            cursor = interval.end?;
        }
        calendar.checked_add_working_days(cursor, u32::try_from(remaining).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn calendar() -> WorkingDayCalendar {
        WorkingDayCalendar::official()
    }

    fn accepted(on: &str, limit: u32) -> CaseClock {
        let mut clock = CaseClock::new(limit);
        clock.start(d(on)).unwrap();
        clock
    }

    #[test]
    fn the_documented_example() {
        // 10 working days from Mon 2024-03-04 (no holiday in March 2024): 03-05..08 are days
        // 1–4, 03-11..15 days 5–9, Mon 03-18 day 10.
        let mut clock = accepted("2024-03-04", 10);
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-18")));
        clock.pause(PauseKind::Supplement, d("2024-03-07")).unwrap();
        assert_eq!(clock.working_days_used(d("2024-03-11"), &calendar()), 3);
        clock.resume(d("2024-03-12")).unwrap();
        assert_eq!(clock.working_days_used(d("2024-03-12"), &calendar()), 3);
        assert_eq!(clock.working_days_used(d("2024-03-13"), &calendar()), 4);
        // 03-08, 03-11, 03-12 are out: three more days, 03-19, 03-20, Thu 03-21.
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-21")));
    }

    #[test]
    fn a_same_day_pause_costs_nothing() {
        let mut clock = accepted("2024-03-04", 10);
        clock.pause(PauseKind::Supplement, d("2024-03-07")).unwrap();
        clock.resume(d("2024-03-07")).unwrap();
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-18")));
    }

    #[test]
    fn an_open_pause_suspends_the_deadline() {
        let mut clock = accepted("2024-03-04", 10);
        clock
            .pause(
                PauseKind::Special(SpecialProcedure::Hearing),
                d("2024-03-07"),
            )
            .unwrap();
        assert!(clock.is_paused());
        assert_eq!(clock.deadline(&calendar()), None);
        assert_eq!(
            clock.status(d("2024-05-01"), &calendar()),
            DeadlineStatus::Paused
        );
        assert_eq!(
            clock.working_days_left(d("2024-05-01"), &calendar()),
            Some(7)
        );
        // Ending it on 03-12 would give 03-21, as in the closed example.
        assert_eq!(
            clock.projected_deadline(d("2024-03-12"), &calendar()),
            Some(d("2024-03-21"))
        );
        assert_eq!(
            clock.pause(PauseKind::Supplement, d("2024-03-08")),
            Err(ClockError::AlreadyPaused {
                since: d("2024-03-07"),
                kind: PauseKind::Special(SpecialProcedure::Hearing)
            })
        );
        assert_eq!(
            clock.resume(d("2024-03-06")),
            Err(ClockError::ResumeBeforePause {
                from: d("2024-03-07"),
                on: d("2024-03-06")
            })
        );
    }

    #[test]
    fn a_pause_after_the_deadline_does_not_rescue_the_case() {
        // Limit 3 from Mon 2024-03-04: deadline Thu 03-07. A notice on Mon 03-11 is too late.
        let mut clock = accepted("2024-03-04", 3);
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-07")));
        clock.pause(PauseKind::Supplement, d("2024-03-11")).unwrap();
        assert_eq!(
            clock.status(d("2024-03-12"), &calendar()),
            DeadlineStatus::Overdue
        );
        clock.resume(d("2024-03-15")).unwrap();
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-07")));
    }

    #[test]
    fn pauses_before_acceptance_cost_nothing_and_overlaps_count_once() {
        let mut clock = CaseClock::new(10);
        clock.pause(PauseKind::Supplement, d("2024-03-01")).unwrap();
        assert_eq!(
            clock.status(d("2024-03-02"), &calendar()),
            DeadlineStatus::Paused
        );
        clock.resume(d("2024-03-04")).unwrap();
        clock.start(d("2024-03-04")).unwrap();
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-18")));

        // Stored data with overlapping pauses (03-07..03-12 and 03-11..03-13).
        let mut clock = accepted("2024-03-04", 10);
        clock.pauses = vec![
            Pause {
                kind: PauseKind::Supplement,
                from: d("2024-03-07"),
                until: Some(d("2024-03-12")),
            },
            Pause {
                kind: PauseKind::Special(SpecialProcedure::Testing),
                from: d("2024-03-11"),
                until: Some(d("2024-03-13")),
            },
        ];
        // Four days out (03-08, 11, 12, 13), not five: day 4 is 03-14, day 10 Fri 03-22.
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-22")));
    }

    #[test]
    fn instant_cases_are_due_the_day_they_are_accepted() {
        let clock = accepted("2024-02-08", 0);
        assert_eq!(clock.deadline(&calendar()), Some(d("2024-02-08")));
        assert_eq!(
            clock.status(d("2024-02-08"), &calendar()),
            DeadlineStatus::DueSoon
        );
        assert_eq!(
            clock.status(d("2024-02-09"), &calendar()),
            DeadlineStatus::Overdue
        );
    }

    #[test]
    fn stopping_fixes_the_time_used() {
        let mut clock = accepted("2024-03-04", 5);
        clock.pause(PauseKind::Supplement, d("2024-03-05")).unwrap();
        clock.stop(d("2024-03-08"));
        assert!(!clock.is_paused());
        assert_eq!(clock.pauses[0].until, Some(d("2024-03-08")));
        assert_eq!(clock.working_days_used(d("2024-06-01"), &calendar()), 1);
        assert_eq!(
            clock.status(d("2024-06-01"), &calendar()),
            DeadlineStatus::Normal
        );
        assert_eq!(
            clock.pause(PauseKind::Supplement, d("2024-03-09")),
            Err(ClockError::Stopped {
                on: d("2024-03-08")
            })
        );

        let mut late = accepted("2024-03-04", 2);
        late.stop(d("2024-03-07"));
        assert_eq!(
            late.status(d("2024-03-07"), &calendar()),
            DeadlineStatus::Overdue
        );
    }

    #[test]
    fn extension_needs_acceptance() {
        let mut clock = CaseClock::new(20);
        assert_eq!(
            clock.extend(10, "x", d("2024-03-01")),
            Err(ClockError::NotStarted)
        );
    }

    #[test]
    fn serde_shape() {
        let mut clock = accepted("2024-09-27", 10);
        clock.pause(PauseKind::Supplement, d("2024-10-09")).unwrap();
        clock.resume(d("2024-10-14")).unwrap();
        clock
            .pause(
                PauseKind::Special(SpecialProcedure::ExpertReview),
                d("2024-10-15"),
            )
            .unwrap();
        let json = serde_json::to_string(&clock).unwrap();
        assert_eq!(
            json,
            r#"{"accepted_on":"2024-09-27","limit_working_days":10,"pauses":[{"kind":"supplement","from":"2024-10-09","until":"2024-10-14"},{"kind":{"special":"expert_review"},"from":"2024-10-15","until":null}],"extensions":[],"stopped_on":null}"#
        );
        assert_eq!(serde_json::from_str::<CaseClock>(&json).unwrap(), clock);
        assert_eq!(clock.supplement_count(), 1);
        assert_eq!(
            serde_json::from_str::<CaseClock>(r#"{"limit_working_days":5}"#).unwrap(),
            CaseClock::new(5)
        );
        assert_eq!(DeadlineStatus::DueSoon.label(), "即将到期");
        assert_eq!(
            serde_json::to_string(&DeadlineStatus::DueSoon).unwrap(),
            r#""due_soon""#
        );
    }
}
