//! The search results page (`/search?q=`) with highlighted matches, "您是不是要找…" and the way
//! to the 12345 hotline when search cannot answer (results link straight to their pages; with
//! JavaScript, `search.js` reports which one was opened to `POST /api/v1/search/clicks`); and for
//! staff the failed queries (`/admin/search/failed`) and the synonym list
//! (`/admin/search/synonyms`). The script behind the home page's as-you-type suggestions is
//! served here too.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::search::{
    DocKind, FailedSearches, SearchChannel, SearchOutcome, SearchRequest, SynonymInput,
    SynonymOverview, SynonymRuleView,
};
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::Role;

use super::context::{
    Layout, OptionGroup, PageCtx, PageForm, PageQuery, china_time, render, safe_path,
};
use super::public::region_groups;
use crate::error::PageResult;
use crate::security::StaffPage;
use crate::state::AppState;

pub const SEARCH_JS: &str = include_str!("../../static/search.js");
pub const SEARCH_CSS: &str = include_str!("../../static/search.css");

pub fn routes() -> Router<AppState> {
    let staff = Router::new()
        .route("/admin/search/failed", get(failed))
        .route("/admin/search/synonyms", get(synonyms).post(add_synonym))
        .route("/admin/search/synonyms/remove", post(remove_synonym))
        .layer(axum::middleware::map_response(super::evaluation::no_store));
    Router::new()
        .route("/search", get(results))
        .route("/static/search.js", get(script))
        .route("/static/search.css", get(stylesheet))
        .merge(staff)
}

/// The files change with a release; a short cache keeps them fresh enough.
const ASSET_CACHE: &str = "public, max-age=3600";

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, ASSET_CACHE),
        ],
        SEARCH_JS,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, ASSET_CACHE),
        ],
        SEARCH_CSS,
    )
        .into_response()
}

/// The engine writes snippets as escaped text with `<mark>` around matches. Shown as HTML only
/// when that is exactly what they are: no other tag, no quote, every `&` one of the entities
/// the engine writes, and marks balanced. Anything else is shown as plain, escaped text.
pub fn trusted_snippet(snippet: &str) -> String {
    if is_marked_text(snippet) {
        snippet.to_owned()
    } else {
        escape(&snippet.replace("<mark>", "").replace("</mark>", ""))
    }
}

fn is_marked_text(snippet: &str) -> bool {
    let opens = snippet.matches("<mark>").count();
    let closes = snippet.matches("</mark>").count();
    if opens != closes {
        return false;
    }
    let mut depth = 0i32;
    let mut rest = snippet;
    while let Some(at) = rest.find(['<', '>', '&', '"', '\'']) {
        let tail = &rest[at..];
        let step = if tail.starts_with("<mark>") {
            depth += 1;
            6
        } else if tail.starts_with("</mark>") {
            depth -= 1;
            7
        } else if let Some(entity) = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .find(|e| tail.starts_with(**e))
        {
            entity.len()
        } else {
            return false;
        };
        if !(0..=1).contains(&depth) {
            return false;
        }
        rest = &tail[step..];
    }
    depth == 0
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn kind_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Item => "办事事项",
        DocKind::Bundle => "一件事",
        DocKind::Faq => "常见问题",
        DocKind::Article => "政策解读",
    }
}

/// Where a result lives on the site; `None` for a code that cannot be one of ours.
pub fn result_target(kind: DocKind, code: &str) -> Option<String> {
    let plain = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '#'));
    if !plain {
        return None;
    }
    Some(match kind {
        DocKind::Item => format!("/items/{code}"),
        DocKind::Bundle => format!("/bundles#{code}"),
        DocKind::Article => format!("/knowledge/{code}"),
        DocKind::Faq => match code.split_once('#') {
            // A catalogue FAQ (`ITEM#faq-N`) is on its item's guide.
            Some((item, _)) => format!("/items/{item}#faqs"),
            None => format!("/knowledge/{code}"),
        },
    })
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The link that asks 12345 about a search (the hotline serves `/hotline/new`).
pub fn hotline_href(q: &str, log_id: Option<i64>) -> String {
    let log = log_id.map(|id| id.to_string()).unwrap_or_default();
    let mut pairs = vec![("q", q)];
    if !log.is_empty() {
        pairs.push(("search", log.as_str()));
    }
    format!("/hotline/new?{}", query_string(&pairs))
}

struct ResultView {
    kind: &'static str,
    /// The kind and code, for the click recorder (`search.js`).
    doc_kind: &'static str,
    code: String,
    rank: usize,
    name: String,
    href: String,
    /// Verified: escaped text with `<mark>` only (see [`trusted_snippet`]).
    snippet: String,
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct ResultsPage {
    layout: Layout,
    q: String,
    region_groups: Vec<OptionGroup>,
    searched: bool,
    results: Vec<ResultView>,
    weak: bool,
    did_you_mean: Option<(String, String)>,
    hotline: String,
    errors: Vec<String>,
    took: String,
    /// The consultation log entry, for the click recorder.
    log_id: String,
}

fn view_results(outcome: &SearchOutcome) -> Vec<ResultView> {
    outcome
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            Some(ResultView {
                kind: kind_label(r.kind),
                doc_kind: r.kind.as_str(),
                code: r.code.clone(),
                rank: i + 1,
                name: r.name.clone(),
                href: result_target(r.kind, &r.code)?,
                snippet: trusted_snippet(&r.snippet),
            })
        })
        .collect()
}

async fn results(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: PageQuery,
) -> PageResult<Response> {
    let q = query.value("q");
    let region = query.value("region");
    let title = if q.is_empty() {
        "搜索".to_owned()
    } else {
        format!("搜索：{q}")
    };
    let mut page = ResultsPage {
        layout: ctx.layout(title, "items"),
        region_groups: region_groups(state.app.regions(), &region, true),
        q: q.clone(),
        searched: false,
        results: Vec::new(),
        weak: false,
        did_you_mean: None,
        hotline: hotline_href(&q, None),
        errors: Vec::new(),
        took: String::new(),
        log_id: String::new(),
    };
    if q.is_empty() && region.is_empty() {
        return Ok(render(StatusCode::OK, &page));
    }
    let request = SearchRequest {
        q: q.clone(),
        limit: Some(20),
        region: query.text("region"),
        channel: SearchChannel::Page,
    };
    match state.app.search(&request).await {
        Ok(outcome) => {
            page.searched = true;
            page.results = view_results(&outcome);
            page.weak = outcome.weak;
            page.did_you_mean = outcome
                .did_you_mean
                .as_ref()
                .filter(|suggestion| **suggestion != q)
                .map(|suggestion| {
                    let mut pairs = vec![("q", suggestion.as_str())];
                    if !region.is_empty() {
                        pairs.push(("region", region.as_str()));
                    }
                    (
                        suggestion.clone(),
                        format!("/search?{}", query_string(&pairs)),
                    )
                });
            page.hotline = hotline_href(&q, outcome.log_id);
            page.took = format!("{:.1}", outcome.took_ms);
            page.log_id = outcome.log_id.map(|id| id.to_string()).unwrap_or_default();
            Ok(render(StatusCode::OK, &page))
        }
        Err(AppError::Invalid { fields, .. }) => {
            page.errors = fields.into_iter().map(|f| f.message).collect();
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// The navigation shared by the knowledge base and search admin pages.
pub const SUB_KNOWLEDGE: &str = "knowledge";
pub const SUB_REVIEW: &str = "review";
pub const SUB_FAILED: &str = "failed";
pub const SUB_SYNONYMS: &str = "synonyms";

/// Messages after a successful form, chosen by key so the address cannot inject text.
pub fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "synonym" => "同义词已保存，下一次搜索即生效。",
        "synonym-removed" => "同义词已删除，下一次搜索即生效。",
        "created" => "已创建草稿。发布后公众才能看到。",
        "saved" => "草稿已保存。发布后公众才能看到。",
        "published" => "已发布。搜索将在片刻内收录新内容。",
        "discarded" => "草稿已删除。",
        "withdrawn" => "已撤下，公众和搜索不再显示。",
        "reviewed" => "已确认复核，并设定了下次复核日期。",
        _ => return None,
    })
}

struct FailedRow {
    query: String,
    count: i64,
    empty: i64,
    last_seen: String,
    search_href: String,
    faq_href: String,
}

#[derive(Template)]
#[template(path = "search/failed.html")]
struct FailedPage {
    layout: Layout,
    sub: &'static str,
    days: u32,
    report: FailedSearches,
    rows: Vec<FailedRow>,
    weak_share: String,
    can_edit: bool,
    done: Option<&'static str>,
}

async fn failed(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let days = match query.text("days") {
        Some(text) => Some(
            text.parse::<u32>()
                .map_err(|_| AppError::field("days", format!("天数“{text}”应为正整数")))?,
        ),
        None => None,
    };
    let report = state
        .app
        .failed_searches(&principal, days, Some(100))
        .await?;
    let rows = report
        .queries
        .iter()
        .map(|q| FailedRow {
            query: q.query.clone(),
            count: q.count,
            empty: q.empty,
            last_seen: china_time(q.last_seen),
            search_href: format!("/search?{}", query_string(&[("q", &q.query)])),
            faq_href: format!(
                "/admin/knowledge/new?{}",
                query_string(&[
                    ("kind", "faq"),
                    ("title", &q.query),
                    ("from_query", &q.query)
                ])
            ),
        })
        .collect();
    let weak_share = if report.searches > 0 {
        format!(
            "{:.1}%",
            report.weak as f64 * 100.0 / report.searches as f64
        )
    } else {
        "—".to_owned()
    };
    let page = FailedPage {
        layout: ctx.staff_layout("搜索未找到的问题", "knowledge", &principal),
        sub: SUB_FAILED,
        days: report.days,
        rows,
        weak_share,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        done: done_message(&query.value("done")),
        report,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "search/synonyms.html")]
struct SynonymsPage {
    layout: Layout,
    sub: &'static str,
    overview: SynonymOverview,
    history: Vec<(i64, String, String, String)>,
    rules: Vec<RuleRow>,
    can_edit: bool,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    term: String,
    equivalents: String,
    mutual: bool,
    from_query: String,
}

struct RuleRow {
    term: String,
    equivalents: String,
    mutual: bool,
    added: String,
}

fn rule_row(rule: &SynonymRuleView) -> RuleRow {
    RuleRow {
        term: rule.term.clone(),
        equivalents: rule.equivalents.join("、"),
        mutual: rule.mutual,
        added: match (&rule.added_by, rule.added_at) {
            (Some(by), Some(at)) => format!("{by} · {}", china_time(at)),
            _ => String::new(),
        },
    }
}

#[derive(Default)]
struct SynonymForm {
    term: String,
    equivalents: String,
    mutual: bool,
    from_query: String,
    errors: Vec<FieldError>,
}

async fn synonyms_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &zerotrip_app::auth::Principal,
    status: StatusCode,
    done: Option<&'static str>,
    form: SynonymForm,
) -> PageResult<Response> {
    let overview = state.app.synonym_overview(principal).await?;
    let history = overview
        .history
        .iter()
        .map(|h| {
            (
                h.version,
                h.note.clone(),
                h.created_by.clone(),
                china_time(h.created_at),
            )
        })
        .collect();
    let page = SynonymsPage {
        layout: ctx.staff_layout("同义词与别名", "knowledge", principal),
        sub: SUB_SYNONYMS,
        rules: overview.rules.iter().map(rule_row).collect(),
        history,
        overview,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        done,
        errors: form.errors,
        term: form.term,
        equivalents: form.equivalents,
        mutual: form.mutual,
        from_query: form.from_query,
    };
    Ok(render(status, &page))
}

async fn synonyms(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let form = SynonymForm {
        term: query.value("term"),
        equivalents: query.value("equivalents"),
        from_query: query.value("from_query"),
        ..SynonymForm::default()
    };
    synonyms_page(
        &state,
        &ctx,
        &principal,
        StatusCode::OK,
        done_message(&query.value("done")),
        form,
    )
    .await
}

/// Splits a list typed in one box (commas, 、 or line breaks).
pub fn split_terms(text: &str) -> Vec<String> {
    text.split([',', '，', '、', '\n', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where a form returns to: an admin page of this site, else the synonym list.
fn back_to(form: &PageForm, fallback: &str) -> String {
    let back = safe_path(form.raw("back").unwrap_or(fallback));
    if back.starts_with("/admin/") {
        back.to_owned()
    } else {
        fallback.to_owned()
    }
}

fn with_done(path: &str, key: &str) -> String {
    let (base, _) = path.split_once('?').unwrap_or((path, ""));
    format!("{base}?done={key}")
}

async fn add_synonym(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    let input = SynonymInput {
        term: form.text("term"),
        equivalents: split_terms(&form.text("equivalents")),
        mutual: form.checked("mutual"),
        from_query: Some(form.text("from_query")).filter(|q| !q.is_empty()),
    };
    match state.app.add_synonym(&principal, &input).await {
        Ok(_) => {
            let back = back_to(&form, "/admin/search/synonyms");
            Ok(Redirect::to(&with_done(&back, "synonym")).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let entered = SynonymForm {
                term: form.text("term"),
                equivalents: form.text("equivalents"),
                mutual: input.mutual,
                from_query: form.text("from_query"),
                errors: fields,
            };
            synonyms_page(
                &state,
                &ctx,
                &principal,
                StatusCode::BAD_REQUEST,
                None,
                entered,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn remove_synonym(
    State(state): State<AppState>,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    state
        .app
        .remove_synonym(&principal, &form.text("term"))
        .await?;
    let back = back_to(&form, "/admin/search/synonyms");
    Ok(Redirect::to(&with_done(&back, "synonym-removed")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_engine_snippets_are_trusted() {
        let ok = "<mark>身份证</mark>换领 · 携带&lt;原证&gt;&amp;照片";
        assert_eq!(trusted_snippet(ok), ok);
        for hostile in [
            "<script>alert(1)</script>",
            "<mark onclick=x>a</mark>",
            "<mark><mark>a</mark></mark>",
            "a</mark><mark>",
            "x&y",
            "say \"hi\"",
            "<img src=x>",
        ] {
            let shown = trusted_snippet(hostile);
            assert!(
                !shown.contains('<') || shown.matches("<mark>").count() == 0,
                "{shown}"
            );
            assert!(
                !shown.contains("<script") && !shown.contains("<img"),
                "{shown}"
            );
        }
    }

    #[test]
    fn results_link_only_to_our_pages() {
        assert_eq!(
            result_target(DocKind::Faq, "HN-XK-00001#faq-2").as_deref(),
            Some("/items/HN-XK-00001#faqs")
        );
        assert_eq!(
            result_target(DocKind::Faq, "FAQ-00003").as_deref(),
            Some("/knowledge/FAQ-00003")
        );
        assert_eq!(result_target(DocKind::Item, "//evil.example"), None);
        assert_eq!(result_target(DocKind::Item, "a/b"), None);
        assert!(hotline_href("身份证 & 户口", Some(7)).starts_with("/hotline/new?q="));
    }
}
