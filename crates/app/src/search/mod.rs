//! Search over the published catalogue, 一件事 bundles and the knowledge base, with the synonym
//! overlay administrators edit at runtime and the consultation log of what people searched.
//!
//! # One index per process, kept current through the outbox
//!
//! Every `zerotrip serve` process holds its own in-memory index ([`SearchService`]), built with
//! `replace_all` from the database on first use (the server warms it at start). Content changes
//! reach it like this:
//!
//! 1. A use case commits a change with its outbox event (`catalog.item.published`,
//!    `catalog.imported`, `knowledge.entry.*`).
//! 2. The outbox delivers the event *once, to one worker* of one process (at least once: perhaps
//!    again after a crash). That worker's [`SearchSubscriber`] does not touch only its own
//!    index: it records the change in `search_changes` and steps the installation-wide
//!    `search_state.content_version` in one transaction (the update of that single row orders
//!    versions by commit, so a reader that sees version N finds every change up to N). A second
//!    delivery of the same event is recognised by its event id and records nothing.
//! 3. Every process, before it answers a search or a suggestion, reads the counters (one
//!    single-row query). When its index is behind, it applies the recorded changes in order —
//!    re-reading the *current* published content of each changed item, bundle or entry and
//!    upserting or removing it — so applying a change twice, or late, gives the same index. A
//!    gap (changes pruned after 30 days), an import or `zerotrip search reindex` (kind `all`), or
//!    a change in the number of bundles (loaded without events) makes it rebuild from scratch.
//!    The process whose worker delivered the event catches up at once.
//!
//! Synonyms follow the same path without the outbox: each edit writes a new immutable version and
//! steps `search_state.synonyms_version`; every process notices on its next query and swaps its
//! set. No reindex is ever needed for a synonym.

mod documents;
mod log;
mod service;
mod subscriber;
mod synonyms;

pub use log::{ConsultationEntry, FailedSearch, FailedSearches, normalize_query};
pub use service::{ReindexReport, SearchService};
pub use subscriber::SearchSubscriber;
pub use synonyms::{
    SynonymChange, SynonymInput, SynonymOverlay, SynonymOverview, SynonymRule, SynonymRuleView,
};
pub use zerotrip_search::{DocKind, SearchDocument, SynonymSet};

use serde::Serialize;
use zerotrip_core::ids::DivisionCode;
use zerotrip_search::SearchOptions;

use crate::App;
use crate::error::{AppError, AppResult, FieldError};

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 50;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

/// Where a search came from, for the consultation log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchChannel {
    /// The results page.
    Page,
    /// `GET /api/v1/search` (apps, the kiosk, partners).
    Api,
    /// A relevance evaluation run (`zerotrip search eval`): not logged, since nobody asked.
    Evaluation,
}

impl SearchChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchChannel::Page => "page",
            SearchChannel::Api => "api",
            SearchChannel::Evaluation => "evaluation",
        }
    }
}

/// A search as it arrives.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub q: String,
    pub limit: Option<usize>,
    /// Only items implemented for this region (the region itself, a region containing it, or
    /// one inside it).
    pub region: Option<String>,
    pub channel: SearchChannel,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub kind: DocKind,
    pub code: String,
    pub name: String,
    /// HTML: matched terms in `<mark>…</mark>`, everything else escaped by the engine.
    pub snippet: String,
    pub score: f32,
    /// For an FAQ, its item.
    pub parent: Option<String>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchOutcome {
    /// The query as searched (trimmed).
    pub query: String,
    pub results: Vec<SearchResult>,
    /// Time the engine took, in milliseconds.
    pub took_ms: f64,
    /// Nothing matched well: offer suggestions and the 12345 hotline.
    pub weak: bool,
    /// "您是不是要找…".
    pub did_you_mean: Option<String>,
    /// The consultation log entry of this search (a hotline work order can refer to it); `None`
    /// when the log could not be written.
    pub log_id: Option<i64>,
    pub region: Option<String>,
}

impl App {
    /// Parses and checks a region code of the province.
    fn search_region(&self, region: Option<&str>) -> AppResult<Option<DivisionCode>> {
        let Some(region) = region.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        match DivisionCode::parse(region) {
            Ok(code) if self.regions().get(&code).is_some() => Ok(Some(code)),
            Ok(code) => Err(AppError::field(
                "region",
                format!("行政区划 {code} 不在本省区划中"),
            )),
            Err(error) => Err(AppError::field("region", error)),
        }
    }

    /// What is wrong with a request, field by field (empty when it can be searched).
    pub fn search_request_errors(&self, request: &SearchRequest) -> Vec<FieldError> {
        self.check_search_request(request).err().unwrap_or_default()
    }

    fn check_search_request(
        &self,
        request: &SearchRequest,
    ) -> Result<(String, usize, Option<DivisionCode>), Vec<FieldError>> {
        let mut fields = Vec::new();
        let q = request.q.trim().to_owned();
        if q.is_empty() {
            fields.push(FieldError::new("q", "请输入要搜索的内容"));
        } else if q.chars().count() > MAX_QUERY_CHARS {
            fields.push(FieldError::new(
                "q",
                format!("搜索词最多 {MAX_QUERY_CHARS} 个字"),
            ));
        }
        let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            fields.push(FieldError::new(
                "limit",
                format!("结果条数应在 1–{MAX_LIMIT} 之间"),
            ));
        }
        let region = match self.search_region(request.region.as_deref()) {
            Ok(region) => region,
            Err(error) => {
                fields.extend(error.fields().iter().cloned());
                None
            }
        };
        if fields.is_empty() {
            Ok((q, limit, region))
        } else {
            Err(fields)
        }
    }

    /// Searches items, bundles, FAQs and articles, and logs the search (without personal data)
    /// unless it is an evaluation run.
    pub async fn search(&self, request: &SearchRequest) -> AppResult<SearchOutcome> {
        let (q, limit, region) = self
            .check_search_request(request)
            .map_err(|fields| AppError::invalid("搜索参数有误", fields))?;
        let ready = self.search.ready(self).await?;
        let mut options = SearchOptions::with_limit(limit);
        if let Some(region) = &region {
            let allowed = ready.items_serving(self.regions(), region);
            options =
                options.filter(move |kind, code| kind != DocKind::Item || allowed.contains(code));
        }
        let found = ready
            .index
            .search(&q, &options, &ready.synonyms)
            .map_err(AppError::internal)?;
        let results: Vec<SearchResult> = found
            .hits
            .into_iter()
            .map(|hit| SearchResult {
                kind: hit.kind,
                code: hit.code,
                name: hit.name,
                snippet: hit.snippet,
                score: hit.score,
                parent: hit.parent,
            })
            .collect();
        let took_ms = (found.took.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        let log_id = match request.channel {
            SearchChannel::Evaluation => None,
            channel => {
                self.log_search(&q, &results, found.weak, region.as_ref(), channel)
                    .await
            }
        };
        Ok(SearchOutcome {
            query: q,
            results,
            took_ms,
            weak: found.weak,
            did_you_mean: found.did_you_mean,
            log_id,
            region: region.map(|r| r.to_string()),
        })
    }

    /// As-you-type suggestions: names and aliases that start with (or whose pinyin starts with)
    /// what was typed, then names containing it.
    pub async fn search_suggestions(
        &self,
        q: &str,
        limit: Option<usize>,
    ) -> AppResult<Vec<String>> {
        let q = q.trim();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::field(
                "q",
                format!("搜索词最多 {MAX_QUERY_CHARS} 个字"),
            ));
        }
        let limit = limit.unwrap_or(8);
        if limit == 0 || limit > 20 {
            return Err(AppError::field("limit", "建议条数应在 1–20 之间"));
        }
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let ready = self.search.ready(self).await?;
        ready.index.suggest(q, limit).map_err(AppError::internal)
    }

    /// Catches this process's index up with the database now (the outbox subscriber and tests).
    pub async fn sync_search(&self) -> AppResult<()> {
        self.search.ready(self).await.map(|_| ())
    }

    /// Every document the index is built from, read from the published content.
    pub async fn search_documents(&self) -> AppResult<Vec<SearchDocument>> {
        documents::all(self).await
    }

    /// The synonym set searches use now: the shipped list with the current overlay applied.
    pub async fn current_synonyms(&self) -> AppResult<SynonymSet> {
        let probe = zerotrip_store::search_log::probe(&self.db).await?;
        synonyms::load(&self.db, probe.synonyms_version).await
    }

    /// Rebuilds this process's index from the database and has every running server rebuild
    /// its own on its next search (`zerotrip search reindex`).
    pub async fn reindex_search(
        &self,
        progress: std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>,
    ) -> AppResult<ReindexReport> {
        self.search.reindex(self, progress).await
    }
}
