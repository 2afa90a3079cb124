//! 好差评 pages: the applicant's rating form (`/cases/{id}/evaluation`), the department's
//! rectification tasks (`/workbench/rectifications`, with callback and closing forms) and the
//! statistics (`/workbench/evaluations?by=department|item|channel`, an SVG bar chart with its
//! data table).
//!
//! For other pages to link to: [`EvaluationPanel`] with the partial
//! `evaluation/_case_panel.html` (a variable named `evaluation_panel`) summarises a case's
//! rating and links to the form; `evaluation/_rectification_badge.html` (a variable named
//! `rectification_badge`, a [`DeadlineMark`]) marks a task's deadline state.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use chrono::NaiveDate;
use zerotrip_app::auth::{Principal, SessionKind};
use zerotrip_app::evaluation::{
    CallbackInput, CallbackMethod, CaseEvaluation, CloseInput, EvaluationChannel, EvaluationInput,
    EvaluationStats, LevelInput, RectificationListQuery, RectificationOutcome, RectificationView,
    Satisfaction, StatsGrouping,
};
use zerotrip_app::{AppError, FieldError};

use super::chart::{BarChart, Scale, Series};
use super::context::{
    Layout, PageCtx, PageForm, PageQuery, Pager, china_time, chinese_date, render,
};
use crate::error::{PageError, PageResult};
use crate::security::{SESSION_COOKIE, StaffPage};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/evaluation", get(rate_form).post(rate))
        .route("/workbench/rectifications", get(rectifications))
        .route("/workbench/rectifications/{id}", get(rectification))
        .route(
            "/workbench/rectifications/{id}/callbacks",
            post(record_callback),
        )
        .route("/workbench/rectifications/{id}/close", post(close))
        .route("/workbench/evaluations", get(stats))
        .layer(axum::middleware::map_response(no_store))
}

/// These pages show personal data: never kept by the browser's cache.
pub(super) async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whoever is signed in through the page session cookie (applicant or staff); visitors are
/// sent to sign in and come back.
pub(super) struct Visitor(pub Principal);

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = match jar.get(SESSION_COOKIE) {
            Some(cookie) => state
                .app
                .session(cookie.value(), SessionKind::Cookie)
                .await
                .map_err(|error| PageError(error).into_response())?,
            None => None,
        };
        match found {
            Some((principal, _)) => Ok(Visitor(principal)),
            None => {
                let back = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "/".to_owned())
                } else {
                    parts.uri.path().to_owned()
                };
                let target = format!("/login?next={}", urlencoding::encode(&back));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// Field errors of a form: a summary at the top and each message next to its field.
#[derive(Debug, Clone, Default)]
pub(super) struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn of(error: &AppError) -> Self {
        let mut fields = error.fields().to_vec();
        if fields.is_empty() {
            fields.push(FieldError::new("", error.public_message()));
        }
        FormErrors(fields)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where the summary links to: the field, or the form.
    pub fn anchor(&self, error: &FieldError) -> String {
        if error.field.is_empty() {
            "#main".to_owned()
        } else {
            format!("#{}", error.field.replace('.', "-"))
        }
    }
}

/// Whether an error is one to show in the form (bad input, a refused state) rather than an
/// error page.
fn shown_in_form(error: &AppError) -> bool {
    matches!(error, AppError::Invalid { .. } | AppError::Conflict(_))
}

fn status_for(error: &AppError) -> StatusCode {
    crate::error::status_of(error)
}

/// A deadline state as a badge, with text and a symbol (never colour alone).
#[derive(Debug, Clone)]
pub struct DeadlineMark {
    pub class: &'static str,
    pub symbol: &'static str,
    pub label: String,
}

impl DeadlineMark {
    pub fn of(status: &str, label: &str) -> Self {
        let (class, symbol) = match status {
            "overdue" | "closed_late" => ("badge badge-hot", "✕"),
            "due_soon" => ("badge badge-draft", "!"),
            "closed_on_time" => ("badge badge-exempt", "✓"),
            _ => ("badge badge-plain", "·"),
        };
        DeadlineMark {
            class,
            symbol,
            label: label.to_owned(),
        }
    }
}

/// A case's rating for the case page: include `evaluation/_case_panel.html` with a variable
/// `evaluation_panel` of this type.
#[derive(Debug, Clone)]
#[allow(dead_code)] // for other pages (the applicant's case page) to embed
pub struct EvaluationPanel {
    pub href: String,
    /// The label of the rating, once there is one.
    pub rated: Option<String>,
    pub bad: bool,
    /// The viewer can rate now.
    pub can_rate: bool,
    /// Why not, when the case cannot be rated yet.
    pub note: Option<String>,
    pub rectification: Option<String>,
}

#[allow(dead_code)] // for other pages (the applicant's case page) to embed
impl EvaluationPanel {
    pub fn of(evaluation: &CaseEvaluation) -> Self {
        EvaluationPanel {
            href: format!("/cases/{}/evaluation", evaluation.case_id),
            rated: evaluation
                .evaluation
                .as_ref()
                .map(|e| e.level_label.clone()),
            bad: evaluation.evaluation.as_ref().is_some_and(|e| e.bad),
            can_rate: evaluation.viewer_may_rate && evaluation.open_for_rating,
            note: evaluation
                .reason
                .clone()
                .filter(|_| evaluation.evaluation.is_none()),
            rectification: evaluation
                .evaluation
                .as_ref()
                .and_then(|e| e.rectification.as_ref())
                .map(|r| match &r.outcome_label {
                    Some(outcome) => format!("办理部门已处理：{outcome}"),
                    None => format!("已转办理部门整改，{} 前答复", chinese_date(r.deadline)),
                }),
        }
    }

    /// The panel for one case as `principal` may see it.
    pub async fn load(state: &AppState, principal: &Principal, case_id: i64) -> PageResult<Self> {
        Ok(Self::of(
            &state.app.case_evaluation(principal, case_id).await?,
        ))
    }
}

// ---- the applicant's rating form ----

#[derive(Debug, Clone)]
struct LevelOption {
    value: i64,
    label: &'static str,
    checked: bool,
}

#[derive(Debug, Clone)]
struct ChannelOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "evaluation/rate.html")]
struct RatePage {
    layout: Layout,
    case_id: i64,
    case_number: String,
    item_name: String,
    thanks: bool,
    can_rate: bool,
    reason: Option<String>,
    rated: Option<RatedView>,
    levels: Vec<LevelOption>,
    channels: Vec<ChannelOption>,
    comment: String,
    errors: FormErrors,
    error_title: &'static str,
}

#[derive(Debug, Clone)]
struct RatedView {
    level_label: String,
    bad: bool,
    comment: Option<String>,
    channel_label: String,
    at: String,
    rectification: Option<String>,
}

fn rate_page(
    ctx: &PageCtx,
    evaluation: &CaseEvaluation,
    thanks: bool,
    level: Option<i64>,
    channel: &str,
    comment: String,
    errors: FormErrors,
) -> RatePage {
    let rated = evaluation.evaluation.as_ref().map(|e| RatedView {
        level_label: e.level_label.clone(),
        bad: e.bad,
        comment: e.comment.clone(),
        channel_label: e.channel_label.clone(),
        at: china_time(e.created_at),
        rectification: EvaluationPanel::of(evaluation).rectification,
    });
    let mut layout = ctx.layout("评价办件", "");
    layout.back = format!("/cases/{}/evaluation", evaluation.case_id);
    RatePage {
        layout,
        case_id: evaluation.case_id,
        case_number: evaluation.case_number.clone(),
        item_name: evaluation.item_name.clone(),
        thanks,
        can_rate: evaluation.viewer_may_rate && evaluation.open_for_rating,
        reason: evaluation.reason.clone(),
        rated,
        levels: Satisfaction::ALL
            .iter()
            .map(|s| LevelOption {
                value: s.code(),
                label: s.label(),
                checked: Some(s.code()) == level,
            })
            .collect(),
        channels: EvaluationChannel::ALL
            .iter()
            .map(|c| ChannelOption {
                value: c.as_str(),
                label: c.label(),
                selected: c.as_str() == channel,
            })
            .collect(),
        comment,
        errors,
        error_title: "评价未提交",
    }
}

async fn rate_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let evaluation = state.app.case_evaluation(&principal, id).await?;
    let channel = evaluation.default_channel.clone();
    let thanks = query.text("done").is_some() && evaluation.evaluation.is_some();
    let page = rate_page(
        &ctx,
        &evaluation,
        thanks,
        None,
        &channel,
        String::new(),
        FormErrors::default(),
    );
    Ok(render(StatusCode::OK, &page))
}

async fn rate(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let level_text = form.text("level");
    let comment = form.raw("comment").unwrap_or("").to_owned();
    let channel = form.text("channel");
    let input = EvaluationInput {
        level: LevelInput::Text(level_text.clone()),
        comment: Some(comment.clone()),
        channel: Some(channel.clone()),
    };
    let result = if level_text.is_empty() {
        Err(AppError::field("level", "请选择满意度"))
    } else {
        state.app.rate_case(&principal, id, &input).await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/evaluation?done=1")).into_response()),
        Err(error) if shown_in_form(&error) => {
            let evaluation = state.app.case_evaluation(&principal, id).await?;
            let level = Satisfaction::parse(&level_text).map(|s| s.code());
            let page = rate_page(
                &ctx,
                &evaluation,
                false,
                level,
                &channel,
                comment,
                FormErrors::of(&error),
            );
            Ok(render(status_for(&error), &page))
        }
        Err(error) => Err(error.into()),
    }
}

// ---- the department's rectification tasks ----

#[derive(Debug, Clone)]
struct TaskRow {
    id: i64,
    case_number: String,
    item_name: String,
    department_name: String,
    level_label: String,
    bad_strong: bool,
    rated_on: String,
    deadline: String,
    status_label: String,
    mark: DeadlineMark,
}

fn task_row(task: &RectificationView) -> TaskRow {
    TaskRow {
        id: task.id,
        case_number: task.case_number.clone(),
        item_name: task.item_name.clone(),
        department_name: task.department_name.clone(),
        level_label: task.level_label.clone(),
        bad_strong: task.level >= 5,
        rated_on: china_time(task.rated_at),
        deadline: chinese_date(task.deadline),
        status_label: task.status_label.clone(),
        mark: DeadlineMark::of(&task.deadline_status, &task.deadline_status_label),
    }
}

#[derive(Debug, Clone)]
struct FilterLink {
    href: String,
    label: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "evaluation/rectifications.html")]
struct TasksPage {
    layout: Layout,
    filters: Vec<FilterLink>,
    total: i64,
    rows: Vec<TaskRow>,
    pager: Pager,
    show_department: bool,
}

async fn rectifications(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(PageError(AppError::invalid("网址中的参数有误", errors)));
    }
    let status = query.value("status");
    let list = state
        .app
        .rectifications(
            &principal,
            &RectificationListQuery {
                status: Some(status.clone()).filter(|s| !s.is_empty()),
                page,
                per_page: 20,
            },
        )
        .await?;
    let filters = [
        ("", "全部"),
        ("open", "整改中"),
        ("overdue", "已逾期"),
        ("closed", "已办结"),
    ]
    .into_iter()
    .map(|(value, label)| FilterLink {
        href: if value.is_empty() {
            "/workbench/rectifications".to_owned()
        } else {
            format!("/workbench/rectifications?status={value}")
        },
        label,
        current: value == status,
    })
    .collect();
    let pager = Pager::new(
        "/workbench/rectifications",
        &[("status", status.clone())],
        list.page,
        list.per_page,
        u64::try_from(list.total).unwrap_or(0),
    );
    let page = TasksPage {
        layout: ctx.staff_layout("差评整改", "workbench", &principal),
        filters,
        total: list.total,
        rows: list.tasks.iter().map(task_row).collect(),
        pager,
        show_department: principal.department_id.is_none(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Clone)]
struct CallbackRowView {
    called_on: String,
    method_label: String,
    caller: String,
    feedback: String,
    satisfaction_label: Option<String>,
}

#[derive(Debug, Clone)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "evaluation/rectification.html")]
struct TaskPage {
    layout: Layout,
    task: RectificationView,
    mark: DeadlineMark,
    rated_at: String,
    opened_on: String,
    deadline: String,
    closed_on: Option<String>,
    promised_by: Option<String>,
    callbacks: Vec<CallbackRowView>,
    methods: Vec<Choice>,
    outcomes: Vec<Choice>,
    satisfactions: Vec<Choice>,
    today: String,
    saved: Option<&'static str>,
    callback_form: CallbackFormValues,
    close_form: CloseFormValues,
    errors: FormErrors,
    error_title: &'static str,
    /// Which form the errors belong to: callback | close.
    error_form: &'static str,
}

#[derive(Debug, Clone, Default)]
struct CallbackFormValues {
    called_on: String,
    method: String,
    caller: String,
    feedback: String,
    satisfaction: String,
}

#[derive(Debug, Clone, Default)]
struct CloseFormValues {
    outcome: String,
    note: String,
    promised_by: String,
}

const SATISFACTION_CODES: [&str; 5] = ["1", "2", "3", "4", "5"];

#[allow(clippy::too_many_arguments)]
fn task_page(
    ctx: &PageCtx,
    principal: &Principal,
    task: RectificationView,
    today: NaiveDate,
    saved: Option<&'static str>,
    callback_form: CallbackFormValues,
    close_form: CloseFormValues,
    errors: FormErrors,
    error_form: &'static str,
) -> TaskPage {
    let callbacks = task
        .callbacks
        .iter()
        .map(|c| CallbackRowView {
            called_on: chinese_date(c.called_on),
            method_label: c.method_label.clone(),
            caller: c.caller.clone(),
            feedback: c.feedback.clone(),
            satisfaction_label: c.satisfaction_label.clone(),
        })
        .collect();
    let method = if callback_form.method.is_empty() {
        "phone".to_owned()
    } else {
        callback_form.method.clone()
    };
    let methods = CallbackMethod::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str(),
            label: m.label(),
            selected: m.as_str() == method,
        })
        .collect();
    let outcomes = RectificationOutcome::ALL
        .iter()
        .map(|o| Choice {
            value: o.as_str(),
            label: o.label(),
            selected: o.as_str() == close_form.outcome,
        })
        .collect();
    let satisfactions = Satisfaction::ALL
        .iter()
        .zip(SATISFACTION_CODES)
        .map(|(s, code)| Choice {
            value: code,
            label: s.label(),
            selected: callback_form.satisfaction == code,
        })
        .collect();
    TaskPage {
        layout: ctx.staff_layout(
            format!("差评整改 {}", task.case_number),
            "workbench",
            principal,
        ),
        mark: DeadlineMark::of(&task.deadline_status, &task.deadline_status_label),
        rated_at: china_time(task.rated_at),
        opened_on: chinese_date(task.opened_on),
        deadline: chinese_date(task.deadline),
        closed_on: task.closed_on.map(chinese_date),
        promised_by: task.promised_by.map(chinese_date),
        callbacks,
        methods,
        outcomes,
        satisfactions,
        today: today.to_string(),
        saved,
        callback_form,
        close_form,
        errors,
        error_title: "没有保存",
        error_form,
        task,
    }
}

async fn rectification(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let task = state.app.rectification(&principal, id).await?;
    let saved = match query.value("saved").as_str() {
        "callback" => Some("回访记录已保存。"),
        "closed" => Some("整改任务已办结。"),
        _ => None,
    };
    let page = task_page(
        &ctx,
        &principal,
        task,
        state.app.clock.today_in_china(),
        saved,
        CallbackFormValues::default(),
        CloseFormValues::default(),
        FormErrors::default(),
        "",
    );
    Ok(render(StatusCode::OK, &page))
}

/// A date field: empty is `None`; a malformed one is a field error.
fn date_field(form: &PageForm, name: &str, label: &str) -> Result<Option<NaiveDate>, AppError> {
    let text = form.text(name);
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::field(name, format!("{label}应为“年-月-日”格式的日期")))
}

async fn record_callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let values = CallbackFormValues {
        called_on: form.text("called_on"),
        method: form.text("method"),
        caller: form.text("caller"),
        feedback: form.raw("feedback").unwrap_or("").to_owned(),
        satisfaction: form.text("satisfaction"),
    };
    let result = match date_field(&form, "called_on", "回访日期") {
        Ok(called_on) => {
            let input = CallbackInput {
                called_on,
                method: values.method.clone(),
                caller: Some(values.caller.clone()),
                feedback: values.feedback.clone(),
                satisfaction: Some(values.satisfaction.clone())
                    .filter(|s| !s.is_empty())
                    .map(LevelInput::Text),
            };
            state.app.record_callback(&principal, id, &input).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/workbench/rectifications/{id}?saved=callback")).into_response(),
        ),
        Err(error) if shown_in_form(&error) => {
            let task = state.app.rectification(&principal, id).await?;
            let page = task_page(
                &ctx,
                &principal,
                task,
                state.app.clock.today_in_china(),
                None,
                values,
                CloseFormValues::default(),
                FormErrors::of(&error),
                "callback",
            );
            Ok(render(status_for(&error), &page))
        }
        Err(error) => Err(error.into()),
    }
}

async fn close(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let values = CloseFormValues {
        outcome: form.text("outcome"),
        note: form.raw("note").unwrap_or("").to_owned(),
        promised_by: form.text("promised_by"),
    };
    let result = match date_field(&form, "promised_by", "整改完成期限") {
        Ok(promised_by) => {
            let input = CloseInput {
                outcome: values.outcome.clone(),
                note: values.note.clone(),
                promised_by,
            };
            state.app.close_rectification(&principal, id, &input).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/workbench/rectifications/{id}?saved=closed")).into_response(),
        ),
        Err(error) if shown_in_form(&error) => {
            let task = state.app.rectification(&principal, id).await?;
            let page = task_page(
                &ctx,
                &principal,
                task,
                state.app.clock.today_in_china(),
                None,
                CallbackFormValues::default(),
                values,
                FormErrors::of(&error),
                "close",
            );
            Ok(render(status_for(&error), &page))
        }
        Err(error) => Err(error.into()),
    }
}

// ---- statistics ----

#[derive(Debug, Clone)]
struct StatsLine {
    label: String,
    levels: Vec<i64>,
    total: i64,
    satisfaction: String,
    bad: i64,
    rectifications: i64,
    closed: i64,
    on_time: String,
    overdue_open: i64,
}

fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "—".to_owned(),
    }
}

fn stats_line(row: &zerotrip_app::evaluation::StatsRow) -> StatsLine {
    StatsLine {
        label: row.label.clone(),
        levels: row.levels.iter().map(|l| l.count).collect(),
        total: row.total,
        satisfaction: percent(row.satisfaction_rate),
        bad: row.bad_count,
        rectifications: row.rectifications,
        closed: row.rectifications_closed,
        on_time: percent(row.on_time_rate),
        overdue_open: row.rectifications_overdue_open,
    }
}

#[derive(Template)]
#[template(path = "evaluation/stats.html")]
struct StatsPage {
    layout: Layout,
    tabs: Vec<FilterLink>,
    by_label: String,
    as_of: String,
    level_labels: Vec<&'static str>,
    rows: Vec<StatsLine>,
    totals: StatsLine,
    chart: Option<BarChart>,
}

/// Rows shown in the chart (the table has them all).
const CHART_ROWS: usize = 15;

fn stats_chart(stats: &EvaluationStats) -> Option<BarChart> {
    if stats.rows.is_empty() {
        return None;
    }
    let series = [
        Series {
            class: "bar-after",
            label: "评价数",
        },
        Series {
            class: "bar-deviation",
            label: "差评数",
        },
    ];
    let rows = stats
        .rows
        .iter()
        .take(CHART_ROWS)
        .map(|row| {
            (
                row.label.clone(),
                vec![
                    (
                        row.total as f64,
                        format!(
                            "{} 件 · 满意率 {}",
                            row.total,
                            percent(row.satisfaction_rate)
                        ),
                    ),
                    (row.bad_count as f64, format!("{} 件", row.bad_count)),
                ],
            )
        })
        .collect();
    Some(BarChart::horizontal(
        "evaluation-chart",
        format!("好差评{}统计", stats.by_label),
        format!(
            "{}的评价数与差评数，共 {} 件评价，满意率 {}；数据见下表。",
            stats.by_label,
            stats.totals.total,
            percent(stats.totals.satisfaction_rate)
        ),
        &series,
        rows,
        Scale::Shared,
    ))
}

async fn stats(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let by = match query.text("by") {
        Some(text) => StatsGrouping::parse(&text)?,
        None => StatsGrouping::Department,
    };
    let region = query.text("region");
    let stats = state
        .app
        .evaluation_stats(&principal, by, region.as_deref())
        .await?;
    let tabs = StatsGrouping::ALL
        .iter()
        .map(|g| FilterLink {
            href: format!("/workbench/evaluations?by={}", g.as_str()),
            label: g.label(),
            current: *g == by,
        })
        .collect();
    let page = StatsPage {
        layout: ctx.staff_layout("好差评统计", "workbench", &principal),
        tabs,
        by_label: stats.by_label.clone(),
        as_of: chinese_date(stats.as_of),
        level_labels: Satisfaction::ALL.iter().map(|s| s.label()).collect(),
        rows: stats.rows.iter().map(stats_line).collect(),
        totals: stats_line(&stats.totals),
        chart: stats_chart(&stats),
    };
    Ok(render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Template)]
    #[template(path = "evaluation/_case_panel.html")]
    struct PanelPreview {
        evaluation_panel: EvaluationPanel,
    }

    #[test]
    fn the_case_panel_links_to_the_form() {
        let panel = EvaluationPanel {
            href: "/cases/7/evaluation".into(),
            rated: None,
            bad: false,
            can_rate: true,
            note: None,
            rectification: None,
        };
        let html = PanelPreview {
            evaluation_panel: panel.clone(),
        }
        .render()
        .unwrap();
        assert!(html.contains("href=\"/cases/7/evaluation\""), "{html}");
        let rated = PanelPreview {
            evaluation_panel: EvaluationPanel {
                rated: Some("非常不满意".into()),
                bad: true,
                can_rate: false,
                rectification: Some("已转办理部门整改".into()),
                ..panel
            },
        }
        .render()
        .unwrap();
        assert!(
            rated.contains("非常不满意") && rated.contains("差评"),
            "{rated}"
        );
    }

    #[test]
    fn marks_have_text_and_symbol() {
        let mark = DeadlineMark::of("overdue", "已逾期");
        assert!(mark.class.contains("badge-hot"));
        assert_eq!(mark.symbol, "✕");
    }
}
