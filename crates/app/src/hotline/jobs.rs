//! The reminder job: 催办 on the first working day after an order's deadline, 通报 five working
//! days after that when it is still not answered. Runs on the platform clock, so tests move time.

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::NaiveDate;
use serde_json::json;
use zerotrip_store::work_orders::{self as store, WorkOrderRow};

use super::{ESCALATION_WORKING_DAYS, Step, StepActor, topics};
use crate::App;
use crate::error::{AppError, AppResult};

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotlineJobsReport {
    pub reminded: usize,
    pub escalated: usize,
}

impl HotlineJobsReport {
    pub fn is_idle(&self) -> bool {
        self.reminded + self.escalated == 0
    }
}

#[derive(Clone)]
pub struct HotlineJobs {
    app: App,
}

const BATCH: i64 = 200;

impl HotlineJobs {
    pub fn new(app: App) -> Self {
        HotlineJobs { app }
    }

    /// The day an overdue order is reminded, and the day it is escalated.
    pub fn reminder_days(app: &App, deadline: NaiveDate) -> (NaiveDate, NaiveDate) {
        let calendar = app.calendar();
        let remind_on = calendar.add_working_days(deadline, 1);
        let escalate_on = calendar.add_working_days(remind_on, ESCALATION_WORKING_DAYS);
        (remind_on, escalate_on)
    }

    /// Reminds and escalates every order that is due for it today.
    pub async fn run_once(&self) -> AppResult<HotlineJobsReport> {
        let mut report = HotlineJobsReport::default();
        let today = self.app.clock.today_in_china();
        let candidates = store::overdue_candidates(&self.app.db, today, BATCH).await?;
        for candidate in candidates {
            let (remind_on, escalate_on) = Self::reminder_days(&self.app, candidate.deadline);
            let remind = candidate.reminded_at.is_none() && today >= remind_on;
            let escalate = today >= escalate_on;
            // Escalation comes after the reminder (a late first round does both at once).
            if !remind && !escalate {
                continue;
            }
            match self.step(candidate.id, today, remind, escalate).await {
                Ok((reminded, escalated)) => {
                    report.reminded += usize::from(reminded);
                    report.escalated += usize::from(escalated);
                }
                // Someone answered the order meanwhile: the next round looks again.
                Err(AppError::Conflict(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(report)
    }

    async fn step(
        &self,
        id: i64,
        today: NaiveDate,
        remind: bool,
        escalate: bool,
    ) -> AppResult<(bool, bool)> {
        let app = &self.app;
        let mut tx = app.db.begin().await?;
        let Some(row) = store::order_for_update(&mut tx, id).await? else {
            return Ok((false, false));
        };
        let running = matches!(row.status.as_str(), "pending" | "dispatched" | "returned");
        if !running || row.deadline >= today || row.escalated_at.is_some() {
            return Ok((false, false));
        }
        let holder = holder(&row);
        let mut current = row;
        let mut done = (false, false);
        if remind && current.reminded_at.is_none() {
            let mut after = current.clone();
            after.reminded_at = Some(app.clock.now());
            app.hotline_commit(
                &mut tx,
                &StepActor::system(),
                &current,
                &mut after,
                Step {
                    action: "remind",
                    topic: topics::REMINDED,
                    note: Some(format!(
                        "已超过办理期限（{}），向{holder}催办",
                        current.deadline
                    )),
                    department_id: current.lead_department_id,
                    public: false,
                    details: json!({"deadline": current.deadline}),
                },
            )
            .await?;
            current = after;
            done.0 = true;
        }
        if escalate && current.reminded_at.is_some() {
            let mut after = current.clone();
            after.escalated_at = Some(app.clock.now());
            app.hotline_commit(
                &mut tx,
                &StepActor::system(),
                &current,
                &mut after,
                Step {
                    action: "escalate",
                    topic: topics::ESCALATED,
                    note: Some(format!(
                        "催办后 {ESCALATION_WORKING_DAYS} 个工作日仍未办结，对{holder}予以通报"
                    )),
                    department_id: current.lead_department_id,
                    public: false,
                    details: json!({"deadline": current.deadline}),
                },
            )
            .await?;
            done.1 = true;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Runs until `shutdown` resolves, one round every `interval`.
    pub async fn run(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.run_once().await {
                Ok(report) if !report.is_idle() => {
                    tracing::info!(
                        reminded = report.reminded,
                        escalated = report.escalated,
                        "hotline reminders"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "hotline reminder job failed; retrying"),
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// Who holds an overdue order: its lead department, or the hotline while it waits for dispatch.
fn holder(row: &WorkOrderRow) -> String {
    match (&row.lead_department_name, row.status.as_str()) {
        (Some(name), "dispatched") => format!("承办单位{name}"),
        _ => "12345热线派单环节".to_owned(),
    }
}
