//! Province-wide figures of 好差评 by department, item or channel.
//!
//! - 满意率 = (非常满意 + 满意 + 基本满意) ÷ all ratings.
//! - 差评 = 不满意 + 非常不满意.
//! - 整改按时办结率 = tasks closed on or before their deadline ÷ tasks whose timeliness is
//!   decided (closed, or still open past the deadline). Open tasks within their deadline are
//!   not counted yet: they may still close on time.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use zerotrip_core::ids::DivisionCode;
use zerotrip_store::evaluations::{self as store, Grouping};

use super::{Satisfaction, channel_label, region_prefix};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// How the statistics are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsGrouping {
    Department,
    Item,
    Channel,
}

impl StatsGrouping {
    pub const ALL: [StatsGrouping; 3] = [
        StatsGrouping::Department,
        StatsGrouping::Item,
        StatsGrouping::Channel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatsGrouping::Department => "department",
            StatsGrouping::Item => "item",
            StatsGrouping::Channel => "channel",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatsGrouping::Department => "按部门",
            StatsGrouping::Item => "按事项",
            StatsGrouping::Channel => "按评价渠道",
        }
    }

    pub fn parse(text: &str) -> AppResult<Self> {
        let text = text.trim();
        StatsGrouping::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or_else(|| {
                AppError::field(
                    "by",
                    format!(
                        "统计维度“{}”无效：应为 department、item 或 channel",
                        text.chars().take(20).collect::<String>()
                    ),
                )
            })
    }

    fn store(self) -> Grouping {
        match self {
            StatsGrouping::Department => Grouping::Department,
            StatsGrouping::Item => Grouping::Item,
            StatsGrouping::Channel => Grouping::Channel,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelFigure {
    pub level: i64,
    pub label: String,
    pub count: i64,
}

/// The figures of one group (or of all, in `totals`).
#[derive(Debug, Clone, Serialize)]
pub struct StatsRow {
    pub key: String,
    pub label: String,
    pub levels: Vec<LevelFigure>,
    pub total: i64,
    pub satisfied: i64,
    /// 0–1, rounded to four places; `None` without ratings.
    pub satisfaction_rate: Option<f64>,
    pub bad_count: i64,
    pub rectifications: i64,
    pub rectifications_closed: i64,
    pub rectifications_closed_on_time: i64,
    pub rectifications_due: i64,
    pub rectifications_overdue_open: i64,
    /// 0–1, rounded to four places; `None` while no task's timeliness is decided.
    pub on_time_rate: Option<f64>,
}

impl StatsRow {
    fn new(key: String, label: String) -> Self {
        StatsRow {
            key,
            label,
            levels: Satisfaction::ALL
                .iter()
                .map(|s| LevelFigure {
                    level: s.code(),
                    label: s.label().to_owned(),
                    count: 0,
                })
                .collect(),
            total: 0,
            satisfied: 0,
            satisfaction_rate: None,
            bad_count: 0,
            rectifications: 0,
            rectifications_closed: 0,
            rectifications_closed_on_time: 0,
            rectifications_due: 0,
            rectifications_overdue_open: 0,
            on_time_rate: None,
        }
    }

    fn add_level(&mut self, level: i64, count: i64) {
        if let Some(figure) = self.levels.iter_mut().find(|f| f.level == level) {
            figure.count += count;
        }
        self.total += count;
        if level <= 3 {
            self.satisfied += count;
        } else {
            self.bad_count += count;
        }
    }

    fn finish(&mut self) {
        self.satisfaction_rate = rate(self.satisfied, self.total);
        self.on_time_rate = rate(self.rectifications_closed_on_time, self.rectifications_due);
    }
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| {
        let value = part as f64 / whole as f64;
        (value * 10_000.0).round() / 10_000.0
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationStats {
    pub by: String,
    pub by_label: String,
    /// Only ratings of cases handled in this region (or below it), when given.
    pub region: Option<String>,
    pub as_of: NaiveDate,
    pub totals: StatsRow,
    /// Most ratings first.
    pub rows: Vec<StatsRow>,
}

impl App {
    /// The statistics for staff; `region` narrows to cases handled in and below a region.
    pub async fn evaluation_stats(
        &self,
        principal: &Principal,
        by: StatsGrouping,
        region: Option<&str>,
    ) -> AppResult<EvaluationStats> {
        if !principal.is_staff() {
            return Err(AppError::forbidden("仅工作人员可以查看好差评统计"));
        }
        let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(code) => {
                let parsed =
                    DivisionCode::parse(code).map_err(|error| AppError::field("region", error))?;
                if self.regions().get(&parsed).is_none() {
                    return Err(AppError::field(
                        "region",
                        format!("行政区划 {parsed} 不在本省区划中"),
                    ));
                }
                Some(parsed.as_str().to_owned())
            }
            None => None,
        };
        let prefix = region.as_deref().map(region_prefix);
        let today = self.clock.today_in_china();
        let levels = store::level_counts(&self.db, by.store(), prefix.as_deref()).await?;
        let tasks =
            store::rectification_counts(&self.db, by.store(), prefix.as_deref(), today).await?;
        let mut rows: BTreeMap<String, StatsRow> = BTreeMap::new();
        let mut totals = StatsRow::new("all".to_owned(), "合计".to_owned());
        for count in levels {
            let label = match by {
                StatsGrouping::Channel => channel_label(&count.label),
                StatsGrouping::Item => format!("{}（{}）", count.label, count.key),
                StatsGrouping::Department => count.label.clone(),
            };
            rows.entry(count.key.clone())
                .or_insert_with(|| StatsRow::new(count.key.clone(), label))
                .add_level(count.level, count.count);
            totals.add_level(count.level, count.count);
        }
        for task in tasks {
            let Some(row) = rows.get_mut(&task.key) else {
                continue;
            };
            for target in [&mut *row, &mut totals] {
                target.rectifications += task.total;
                target.rectifications_closed += task.closed;
                target.rectifications_closed_on_time += task.closed_on_time;
                target.rectifications_due += task.due;
                target.rectifications_overdue_open += task.overdue_open;
            }
        }
        let mut rows: Vec<StatsRow> = rows.into_values().collect();
        for row in &mut rows {
            row.finish();
        }
        totals.finish();
        rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.key.cmp(&b.key)));
        Ok(EvaluationStats {
            by: by.as_str().to_owned(),
            by_label: by.label().to_owned(),
            region,
            as_of: today,
            totals,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_and_need_a_denominator() {
        assert_eq!(rate(2, 3), Some(0.6667));
        assert_eq!(rate(0, 0), None);
        let mut row = StatsRow::new("k".into(), "l".into());
        row.add_level(1, 2);
        row.add_level(5, 1);
        row.finish();
        assert_eq!(row.total, 3);
        assert_eq!(row.bad_count, 1);
        assert_eq!(row.satisfaction_rate, Some(0.6667));
        assert_eq!(row.on_time_rate, None);
    }
}
