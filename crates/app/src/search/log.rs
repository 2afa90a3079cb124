//! The consultation log: every search with its normalised query, how many results it had,
//! whether it answered well, and the first result opened — never who searched. Failed searches
//! are listed for administrators, who answer them with an alias or an FAQ; a 12345 work order
//! opened after a failed search refers to its entry.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use zerotrip_core::ids::DivisionCode;
use zerotrip_core::privacy::mask_personal_data;
use zerotrip_search::{DocKind, normalize};
use zerotrip_store::search_log::{self, LogRow, LogSummary, NewLogEntry};

use super::{MAX_QUERY_CHARS, SearchChannel, SearchResult};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The query as the log keeps it: folded (traditional → simplified, full-width → half-width,
/// lower case), spaces collapsed, at most 50 characters, and ID, phone and card numbers masked.
pub fn normalize_query(query: &str) -> String {
    let folded = normalize(query.trim());
    let collapsed = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let truncated: String = collapsed.chars().take(MAX_QUERY_CHARS).collect();
    mask_long_numbers(&mask_personal_data(&truncated))
}

/// Any remaining run of 12 or more digits (bank cards, account numbers) keeps only its ends.
fn mask_long_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        if run.len() >= 12 {
            out.push_str(&zerotrip_core::privacy::mask_middle(&run, 4, 4));
        } else {
            out.push_str(&run);
        }
    }
    out
}

/// One entry of the consultation log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationEntry {
    pub id: i64,
    /// Normalised, personal data masked.
    pub query: String,
    pub result_count: i64,
    /// Nothing matched well.
    pub weak: bool,
    pub top_kind: Option<String>,
    pub top_code: Option<String>,
    pub region_code: Option<String>,
    pub channel: String,
    pub clicked_kind: Option<String>,
    pub clicked_code: Option<String>,
    pub clicked_rank: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<LogRow> for ConsultationEntry {
    fn from(row: LogRow) -> Self {
        ConsultationEntry {
            id: row.id,
            query: row.query,
            result_count: row.result_count,
            weak: row.weak,
            top_kind: row.top_kind,
            top_code: row.top_code,
            region_code: row.region_code,
            channel: row.channel,
            clicked_kind: row.clicked_kind,
            clicked_code: row.clicked_code,
            clicked_rank: row.clicked_rank,
            created_at: row.created_at,
        }
    }
}

/// A query people did not find an answer to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedSearch {
    pub query: String,
    pub count: i64,
    /// How many of them found nothing at all.
    pub empty: i64,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedSearches {
    pub since: DateTime<Utc>,
    pub days: u32,
    pub searches: i64,
    pub weak: i64,
    pub clicked: i64,
    pub queries: Vec<FailedSearch>,
}

pub const DEFAULT_FAILED_DAYS: u32 = 30;
pub const MAX_FAILED_DAYS: u32 = 366;

impl App {
    /// Writes the log entry of a search; a failure to log never fails the search.
    pub(crate) async fn log_search(
        &self,
        query: &str,
        results: &[SearchResult],
        weak: bool,
        region: Option<&DivisionCode>,
        channel: SearchChannel,
    ) -> Option<i64> {
        let entry = NewLogEntry {
            query: normalize_query(query),
            result_count: i64::try_from(results.len()).unwrap_or(i64::MAX),
            weak,
            top_kind: results.first().map(|r| r.kind.as_str().to_owned()),
            top_code: results.first().map(|r| r.code.clone()),
            region_code: region.map(|r| r.to_string()),
            channel: channel.as_str().to_owned(),
            at: self.clock.now(),
        };
        match search_log::insert_log(&self.db, &entry).await {
            Ok(id) => Some(id),
            Err(error) => {
                tracing::warn!(%error, "search: the consultation log could not be written");
                None
            }
        }
    }

    /// Records the result someone opened from a search (the first one counts).
    pub async fn record_search_click(
        &self,
        log_id: i64,
        kind: &str,
        code: &str,
        rank: Option<i64>,
    ) -> AppResult<()> {
        let kind: DocKind = kind
            .parse()
            .map_err(|_| AppError::field("kind", "结果类型有误"))?;
        let code = code.trim();
        if code.is_empty() || code.len() > 64 || code.chars().any(char::is_control) {
            return Err(AppError::field("code", "结果编号有误"));
        }
        let rank = rank.filter(|r| (1..=100).contains(r));
        if search_log::record_click(
            &self.db,
            log_id,
            kind.as_str(),
            code,
            rank,
            self.clock.now(),
        )
        .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("该次搜索记录不存在"))
        }
    }

    /// One entry of the consultation log (a work order opened after a failed search shows what
    /// was searched). Contains no personal data, so anyone holding the id may read it.
    pub async fn search_log_entry(&self, id: i64) -> AppResult<ConsultationEntry> {
        search_log::log_entry(&self.db, id)
            .await?
            .map(ConsultationEntry::from)
            .ok_or_else(|| AppError::not_found("该次搜索记录不存在"))
    }

    /// The most frequent failed queries of the last `days` days (default 30), leaving out those
    /// answered since they last failed.
    pub async fn failed_searches(
        &self,
        principal: &Principal,
        days: Option<u32>,
        limit: Option<u32>,
    ) -> AppResult<FailedSearches> {
        if !principal.is_staff() {
            return Err(AppError::forbidden("仅限工作人员"));
        }
        let days = days.unwrap_or(DEFAULT_FAILED_DAYS);
        if days == 0 || days > MAX_FAILED_DAYS {
            return Err(AppError::field(
                "days",
                format!("天数应在 1–{MAX_FAILED_DAYS} 之间"),
            ));
        }
        let limit = limit.unwrap_or(50);
        if limit == 0 || limit > 500 {
            return Err(AppError::field("limit", "条数应在 1–500 之间"));
        }
        let since = self.clock.now() - Duration::days(i64::from(days));
        let LogSummary {
            searches,
            weak,
            clicked,
        } = search_log::log_summary(&self.db, since).await?;
        let queries = search_log::failed_queries(&self.db, since, i64::from(limit))
            .await?
            .into_iter()
            .map(|row| FailedSearch {
                query: row.query,
                count: row.count,
                empty: row.empty,
                last_seen: row.last_seen,
            })
            .collect();
        Ok(FailedSearches {
            since,
            days,
            searches,
            weak,
            clicked,
            queries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_no_personal_numbers() {
        assert_eq!(
            normalize_query("  我的身份证 460106199001011239 丢了 "),
            "我的身份证 4601**********1239 丢了"
        );
        assert_eq!(normalize_query("电话13800138000"), "电话138****8000");
        assert_eq!(
            normalize_query("卡号 6222021234567890123"),
            "卡号 6222***********0123"
        );
        assert_eq!(normalize_query("駕駛證　換證"), "驾驶证 换证");
    }
}
