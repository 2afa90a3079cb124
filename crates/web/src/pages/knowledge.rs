//! The knowledge base pages: published articles and FAQs for everyone (`/knowledge`,
//! `/knowledge/{code}`), and for staff the list with the overdue-for-review view, the editor
//! (draft, publish with a review date, withdraw, confirm review, versions) and the one place per
//! item where its names, aliases and common questions are managed (`/admin/items/{code}/knowledge`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use zerotrip_app::auth::Principal;
use zerotrip_app::knowledge::{
    ArticleCategory, KnowledgeContent, KnowledgeKind, KnowledgeQuery, KnowledgeSummary,
    PublicKnowledge,
};
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::Role;

use super::context::{
    Layout, PageCtx, PageForm, PageQuery, SelectOption, china_time, chinese_date, render,
};
use super::search::{SUB_KNOWLEDGE, SUB_REVIEW, done_message, hotline_href, split_terms};
use crate::error::PageResult;
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    let staff = Router::new()
        .route("/admin/knowledge", get(admin_list))
        .route("/admin/knowledge/new", get(new_form).post(create))
        .route("/admin/knowledge/{code}", get(edit).post(save))
        .route("/admin/knowledge/{code}/publish", post(publish))
        .route("/admin/knowledge/{code}/discard", post(discard))
        .route("/admin/knowledge/{code}/withdraw", post(withdraw))
        .route("/admin/knowledge/{code}/review", post(review))
        .route("/admin/knowledge/{code}/versions/{version}", get(version))
        .route("/admin/items/{code}/knowledge", get(item_knowledge))
        // Staff pages are never kept by the browser's cache (a shared computer at a hall).
        .layer(axum::middleware::map_response(super::evaluation::no_store));
    Router::new()
        .route("/knowledge", get(public_list))
        .route("/knowledge/{code}", get(public_entry))
        .merge(staff)
}

fn kind_label(kind: KnowledgeKind, category: Option<ArticleCategory>) -> &'static str {
    match (kind, category) {
        (KnowledgeKind::Faq, _) => "常见问题",
        (KnowledgeKind::Article, Some(category)) => category.label(),
        (KnowledgeKind::Article, None) => "文章",
    }
}

fn date_text(date: Option<NaiveDate>) -> String {
    date.map(chinese_date).unwrap_or_default()
}

struct PublicLink {
    title: String,
    href: String,
    label: &'static str,
    date: String,
}

#[derive(Template)]
#[template(path = "knowledge/list.html")]
struct PublicListPage {
    layout: Layout,
    entries: Vec<PublicLink>,
}

async fn public_list(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let entries = state
        .app
        .published_articles(100)
        .await?
        .into_iter()
        .map(|e| PublicLink {
            href: format!("/knowledge/{}", e.code),
            label: kind_label(e.kind, e.content.category),
            date: chinese_date((e.published_at + chrono::Duration::hours(8)).date_naive()),
            title: e.content.title,
        })
        .collect();
    let page = PublicListPage {
        layout: ctx.layout("政策解读与办事指引", "items"),
        entries,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "knowledge/entry.html")]
struct PublicEntryPage {
    layout: Layout,
    entry: PublicKnowledge,
    label: &'static str,
    paragraphs: Vec<String>,
    published: String,
    review_due: String,
    hotline: String,
}

async fn public_entry(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let entry = state.app.knowledge_entry(&code).await?;
    let page = PublicEntryPage {
        layout: ctx.layout(entry.content.title.clone(), "items"),
        label: kind_label(entry.kind, entry.content.category),
        paragraphs: entry
            .content
            .paragraphs()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        published: chinese_date((entry.published_at + chrono::Duration::hours(8)).date_naive()),
        review_due: date_text(entry.review_due),
        hotline: hotline_href(&entry.content.title, None),
        entry,
    };
    Ok(render(StatusCode::OK, &page))
}

struct SummaryRow {
    code: String,
    title: String,
    href: String,
    kind: &'static str,
    item_code: String,
    status: &'static str,
    version: String,
    review_due: String,
    overdue: bool,
    updated_by: String,
}

fn summary_row(summary: &KnowledgeSummary) -> SummaryRow {
    SummaryRow {
        code: summary.code.clone(),
        title: summary.title.clone(),
        href: format!("/admin/knowledge/{}", summary.code),
        kind: summary.kind.label(),
        item_code: summary.item_code.clone().unwrap_or_default(),
        status: summary.status.label(),
        version: summary
            .published_version
            .map(|v| format!("第 {v} 版"))
            .unwrap_or_default(),
        review_due: date_text(summary.review_due),
        overdue: summary.overdue,
        updated_by: summary.updated_by.clone(),
    }
}

#[derive(Template)]
#[template(path = "knowledge/admin_list.html")]
struct AdminListPage {
    layout: Layout,
    sub: &'static str,
    rows: Vec<SummaryRow>,
    kinds: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    q: String,
    overdue: bool,
    can_edit: bool,
}

async fn admin_list(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let overdue = matches!(query.value("overdue").as_str(), "1" | "true");
    let kind = query.value("kind");
    let status = query.value("status");
    let summaries = state
        .app
        .knowledge_list(
            &principal,
            &KnowledgeQuery {
                kind: query.text("kind"),
                status: query.text("status"),
                item: query.text("item"),
                q: query.text("q"),
                overdue,
            },
        )
        .await?;
    let page = AdminListPage {
        layout: ctx.staff_layout(
            if overdue {
                "待复核的知识"
            } else {
                "知识库"
            },
            "knowledge",
            &principal,
        ),
        sub: if overdue { SUB_REVIEW } else { SUB_KNOWLEDGE },
        rows: summaries.iter().map(summary_row).collect(),
        kinds: vec![
            SelectOption::new("", "全部类型", &kind),
            SelectOption::new("article", "文章", &kind),
            SelectOption::new("faq", "常见问题", &kind),
        ],
        statuses: vec![
            SelectOption::new("", "全部状态", &status),
            SelectOption::new("draft", "草稿", &status),
            SelectOption::new("published", "已发布", &status),
            SelectOption::new("pending", "有待发布的修改", &status),
            SelectOption::new("withdrawn", "已撤下", &status),
        ],
        q: query.value("q"),
        overdue,
        can_edit: principal.has_role(Role::ProvinceAdmin),
    };
    Ok(render(StatusCode::OK, &page))
}

/// Field errors by field, for the editor.
#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn of_fields(fields: &[FieldError]) -> Self {
        Errors(fields.to_vec())
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|f| f.field == key)
    }

    fn of(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|f| f.field == key)
            .map(|f| f.message.clone())
            .unwrap_or_default()
    }

    fn messages(&self) -> Vec<String> {
        self.0.iter().map(|f| f.message.clone()).collect()
    }
}

/// The editor's form as shown.
#[derive(Debug, Default)]
struct EntryForm {
    title: String,
    body: String,
    category: String,
    aliases: String,
    keywords: String,
    items: String,
}

impl EntryForm {
    fn of(content: &KnowledgeContent) -> Self {
        EntryForm {
            title: content.title.clone(),
            body: content.body.clone(),
            category: content
                .category
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            aliases: content.aliases.join("\n"),
            keywords: content.keywords.join("\n"),
            items: content.item_codes.join("\n"),
        }
    }

    fn from_form(form: &PageForm) -> Self {
        EntryForm {
            title: form.text("title"),
            body: form.raw("body").unwrap_or("").trim().to_owned(),
            category: form.text("category"),
            aliases: form.raw("aliases").unwrap_or("").to_owned(),
            keywords: form.raw("keywords").unwrap_or("").to_owned(),
            items: form.raw("item_codes").unwrap_or("").to_owned(),
        }
    }

    fn content(&self) -> Result<KnowledgeContent, FieldError> {
        let category = match self.category.trim() {
            "" => None,
            text => Some(
                ArticleCategory::parse(text)
                    .ok_or_else(|| FieldError::new("category", "请选择文章分类"))?,
            ),
        };
        Ok(KnowledgeContent {
            title: self.title.clone(),
            body: self.body.clone(),
            category,
            aliases: split_terms(&self.aliases),
            keywords: split_terms(&self.keywords),
            item_codes: split_terms(&self.items),
        })
    }
}

#[derive(Template)]
#[template(path = "knowledge/edit.html")]
struct EditPage {
    layout: Layout,
    sub: &'static str,
    /// Empty while creating.
    code: String,
    kind: &'static str,
    is_faq: bool,
    form: EntryForm,
    categories: Vec<SelectOption>,
    errors: Errors,
    problem: Option<String>,
    done: Option<&'static str>,
    can_edit: bool,
    from_query: String,
    status: String,
    has_draft: bool,
    is_published: bool,
    is_withdrawn: bool,
    next_version: i64,
    review_due: String,
    overdue: bool,
    versions: Vec<(i64, String, String, String, String)>,
    public_href: String,
}

fn categories(current: &str) -> Vec<SelectOption> {
    ArticleCategory::ALL
        .iter()
        .map(|c| SelectOption::new(c.as_str(), c.label(), current))
        .collect()
}

struct EditInput {
    kind: KnowledgeKind,
    form: EntryForm,
    fields: Vec<FieldError>,
    problem: Option<String>,
    done: Option<&'static str>,
    from_query: String,
}

async fn edit_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    code: Option<&str>,
    status: StatusCode,
    input: EditInput,
) -> PageResult<Response> {
    let (entry, versions) = match code {
        Some(code) => {
            let entry = state.app.editable_knowledge(principal, code).await?;
            let versions = state
                .app
                .knowledge_versions(principal, code)
                .await?
                .into_iter()
                .map(|v| {
                    (
                        v.version,
                        v.note,
                        v.published_by,
                        china_time(v.published_at),
                        format!("/admin/knowledge/{code}/versions/{}", v.version),
                    )
                })
                .collect();
            (Some(entry), versions)
        }
        None => (None, Vec::new()),
    };
    let title = match (&entry, input.kind) {
        (Some(entry), _) => entry
            .working()
            .map(|c| c.title.clone())
            .unwrap_or_else(|| entry.code.clone()),
        (None, KnowledgeKind::Faq) => "新增常见问题".to_owned(),
        (None, KnowledgeKind::Article) => "新增文章".to_owned(),
    };
    let page = EditPage {
        layout: ctx.staff_layout(title, "knowledge", principal),
        sub: SUB_KNOWLEDGE,
        code: entry.as_ref().map(|e| e.code.clone()).unwrap_or_default(),
        kind: input.kind.label(),
        is_faq: input.kind == KnowledgeKind::Faq,
        categories: categories(&input.form.category),
        form: input.form,
        errors: Errors::of_fields(&input.fields),
        problem: input.problem,
        done: input.done,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        from_query: input.from_query,
        status: entry
            .as_ref()
            .map(|e| e.status.label().to_owned())
            .unwrap_or_else(|| "新建".to_owned()),
        has_draft: entry.as_ref().is_some_and(|e| e.draft.is_some()),
        is_published: entry
            .as_ref()
            .is_some_and(|e| e.published_version.is_some()),
        is_withdrawn: entry
            .as_ref()
            .is_some_and(|e| e.status == zerotrip_app::knowledge::KnowledgeStatus::Withdrawn),
        next_version: entry
            .as_ref()
            .and_then(|e| e.published_version)
            .unwrap_or(0)
            + 1,
        review_due: date_text(entry.as_ref().and_then(|e| e.review_due)),
        overdue: entry.as_ref().is_some_and(|e| e.overdue),
        public_href: entry
            .as_ref()
            .map(|e| format!("/knowledge/{}", e.code))
            .unwrap_or_default(),
        versions,
    };
    Ok(render(status, &page))
}

async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let kind = KnowledgeKind::parse(query.text("kind").as_deref().unwrap_or("article"))?;
    let form = EntryForm {
        title: query.value("title"),
        items: query.value("item"),
        category: match kind {
            KnowledgeKind::Article => "policy".to_owned(),
            KnowledgeKind::Faq => String::new(),
        },
        ..EntryForm::default()
    };
    edit_page(
        &state,
        &ctx,
        &principal,
        None,
        StatusCode::OK,
        EditInput {
            kind,
            form,
            fields: Vec::new(),
            problem: None,
            done: None,
            from_query: query.value("from_query"),
        },
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    let kind = KnowledgeKind::parse(&form.text("kind"))?;
    let entered = EntryForm::from_form(&form);
    let from_query = form.text("from_query");
    let outcome = match entered.content() {
        Ok(content) => {
            state
                .app
                .create_knowledge(
                    &principal,
                    kind,
                    content,
                    Some(from_query.as_str()).filter(|q| !q.is_empty()),
                )
                .await
        }
        Err(field) => Err(AppError::invalid(field.message.clone(), vec![field])),
    };
    match outcome {
        Ok(saved) => Ok(
            Redirect::to(&format!("/admin/knowledge/{}?done=created", saved.code)).into_response(),
        ),
        Err(AppError::Invalid { message, fields }) => {
            edit_page(
                &state,
                &ctx,
                &principal,
                None,
                StatusCode::BAD_REQUEST,
                EditInput {
                    kind,
                    form: entered,
                    fields,
                    problem: Some(message),
                    done: None,
                    from_query,
                },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    let entry = state.app.editable_knowledge(&principal, &code).await?;
    let form = entry.working().map(EntryForm::of).unwrap_or_default();
    edit_page(
        &state,
        &ctx,
        &principal,
        Some(&code),
        StatusCode::OK,
        EditInput {
            kind: entry.kind,
            form,
            fields: Vec::new(),
            problem: None,
            done: done_message(&query.value("done")),
            from_query: String::new(),
        },
    )
    .await
}

/// Shows the editor again with the problem of a failed action.
async fn again(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    code: &str,
    form: Option<EntryForm>,
    error: AppError,
) -> PageResult<Response> {
    let (message, fields) = match error {
        AppError::Invalid { message, fields } => (message, fields),
        AppError::Conflict(message) => (message, Vec::new()),
        other => return Err(other.into()),
    };
    let entry = state.app.editable_knowledge(principal, code).await?;
    let form = form.unwrap_or_else(|| entry.working().map(EntryForm::of).unwrap_or_default());
    let status = if fields.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    edit_page(
        state,
        ctx,
        principal,
        Some(code),
        status,
        EditInput {
            kind: entry.kind,
            form,
            fields,
            problem: Some(message),
            done: None,
            from_query: String::new(),
        },
    )
    .await
}

async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let entered = EntryForm::from_form(&form);
    let outcome = match entered.content() {
        Ok(content) => state
            .app
            .save_knowledge_draft(&principal, &code, content)
            .await
            .map(|_| ()),
        Err(field) => Err(AppError::invalid(field.message.clone(), vec![field])),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/admin/knowledge/{code}?done=saved")).into_response()),
        Err(error) => again(&state, &ctx, &principal, &code, Some(entered), error).await,
    }
}

fn parse_date(text: &str, field: &str) -> Result<Option<NaiveDate>, AppError> {
    match text.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::field(field, format!("日期“{text}”格式应为 2026-03-01"))),
    }
}

async fn publish(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let outcome = match parse_date(&form.text("review_due"), "review_due") {
        Ok(review_due) => state
            .app
            .publish_knowledge(&principal, &code, &form.text("note"), review_due)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/knowledge/{code}?done=published")).into_response())
        }
        Err(error) => again(&state, &ctx, &principal, &code, None, error).await,
    }
}

async fn discard(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
) -> PageResult<Response> {
    match state.app.discard_knowledge_draft(&principal, &code).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/knowledge/{code}?done=discarded")).into_response())
        }
        Err(error) => again(&state, &ctx, &principal, &code, None, error).await,
    }
}

async fn withdraw(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    match state
        .app
        .withdraw_knowledge(&principal, &code, &form.text("reason"))
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/knowledge/{code}?done=withdrawn")).into_response())
        }
        Err(error) => again(&state, &ctx, &principal, &code, None, error).await,
    }
}

async fn review(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let outcome = match parse_date(&form.text("next_review"), "review_due") {
        Ok(next) => state
            .app
            .mark_knowledge_reviewed(&principal, &code, next)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/knowledge/{code}?done=reviewed")).into_response())
        }
        Err(error) => again(&state, &ctx, &principal, &code, None, error).await,
    }
}

#[derive(Template)]
#[template(path = "knowledge/version.html")]
struct VersionPage {
    layout: Layout,
    sub: &'static str,
    code: String,
    version: i64,
    note: String,
    published_by: String,
    published_at: String,
    content_hash: String,
    content: KnowledgeContent,
    paragraphs: Vec<String>,
}

async fn version(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path((code, version)): Path<(String, String)>,
) -> PageResult<Response> {
    let number: i64 = version
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| AppError::field("version", format!("版本号“{version}”应为正整数")))?;
    let (info, content) = state
        .app
        .knowledge_version(&principal, &code, number)
        .await?;
    let page = VersionPage {
        layout: ctx.staff_layout(
            format!("{} 第 {} 版", content.title, info.version),
            "knowledge",
            &principal,
        ),
        sub: SUB_KNOWLEDGE,
        code,
        version: info.version,
        note: info.note,
        published_by: info.published_by,
        published_at: china_time(info.published_at),
        content_hash: info.content_hash,
        paragraphs: content
            .paragraphs()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        content,
    };
    Ok(render(StatusCode::OK, &page))
}

struct AliasRow {
    term: String,
    equivalents: String,
    source: &'static str,
    removable: bool,
}

#[derive(Template)]
#[template(path = "knowledge/item.html")]
struct ItemPage {
    layout: Layout,
    sub: &'static str,
    code: String,
    name: String,
    catalogue_aliases: Vec<String>,
    aliases: Vec<AliasRow>,
    catalogue_faqs: Vec<(String, String)>,
    faqs: Vec<SummaryRow>,
    articles: Vec<SummaryRow>,
    can_edit: bool,
    done: Option<&'static str>,
    back: String,
}

async fn item_knowledge(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    let found = state.app.item_knowledge(&principal, &code).await?;
    let page = ItemPage {
        layout: ctx.staff_layout(
            format!("{}：名称、别名与常见问题", found.name),
            "knowledge",
            &principal,
        ),
        sub: SUB_KNOWLEDGE,
        back: format!("/admin/items/{}/knowledge", found.code),
        aliases: found
            .search_aliases
            .iter()
            .map(|rule| AliasRow {
                term: rule.term.clone(),
                equivalents: rule.equivalents.join("、"),
                source: if rule.source == "admin" {
                    "管理员添加"
                } else {
                    "内置"
                },
                removable: rule.source == "admin",
            })
            .collect(),
        catalogue_faqs: found
            .catalogue_faqs
            .iter()
            .map(|f| (f.q.clone(), f.a.clone()))
            .collect(),
        faqs: found.faqs.iter().map(summary_row).collect(),
        articles: found.articles.iter().map(summary_row).collect(),
        code: found.code,
        name: found.name,
        catalogue_aliases: found.catalogue_aliases,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        done: done_message(&query.value("done")),
    };
    Ok(render(StatusCode::OK, &page))
}
