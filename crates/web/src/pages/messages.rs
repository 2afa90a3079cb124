//! In-site messages (站内消息) of the signed-in account: `/my/messages` lists them newest first
//! with the unread count (all, or only the unread), opening one marks it read, and one button
//! marks all read. Only the owner ever sees a message: the app layer answers "not found" for
//! anyone else's (`App::message_inbox_page`, `App::mark_read`, `App::mark_all_read`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::AppError;
use zerotrip_app::notify::InboxMessage;

use super::account::{SignedIn, layout_for};
use super::context::{Layout, PageCtx, PageForm, PageQuery, china_time, render};
use crate::error::PageResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/messages", get(inbox))
        .route("/my/messages/read-all", post(read_all))
        .route("/my/messages/{id}", get(message))
        .layer(axum::middleware::map_response(super::workbench::no_store))
}

const PER_PAGE: i64 = 20;

/// A message as the pages show it.
#[derive(Debug, Clone)]
struct MessageView {
    id: i64,
    title: String,
    /// The first line, shortened, for the list.
    preview: String,
    /// The paragraphs of the body.
    paragraphs: Vec<String>,
    case_id: Option<i64>,
    at: String,
    unread: bool,
    read_at: String,
}

const PREVIEW_CHARS: usize = 60;

impl MessageView {
    fn of(message: &InboxMessage) -> Self {
        let first = message.body.lines().next().unwrap_or_default();
        let preview =
            if first.chars().count() > PREVIEW_CHARS || message.body.lines().nth(1).is_some() {
                let cut: String = first.chars().take(PREVIEW_CHARS).collect();
                format!("{cut}…")
            } else {
                first.to_owned()
            };
        MessageView {
            id: message.id,
            title: message.title.clone(),
            preview,
            paragraphs: message
                .body
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
            case_id: message.case_id,
            at: china_time(message.created_at),
            unread: message.read_at.is_none(),
            read_at: message.read_at.map(china_time).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "messages/inbox.html")]
struct InboxPage {
    layout: Layout,
    messages: Vec<MessageView>,
    unread: i64,
    unread_only: bool,
    notice: Option<String>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
}

fn page_href(page: i64, unread_only: bool) -> String {
    let mut params = Vec::new();
    if unread_only {
        params.push("unread=1".to_owned());
    }
    if page > 1 {
        params.push(format!("page={page}"));
    }
    if params.is_empty() {
        "/my/messages".to_owned()
    } else {
        format!("/my/messages?{}", params.join("&"))
    }
}

async fn inbox(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = i64::from(query.page(&mut errors));
    if !errors.is_empty() {
        return Err(AppError::invalid("查询参数有误", errors).into());
    }
    let unread_only = query.text("unread").is_some_and(|v| v == "1");
    // One more than a page, to know whether there is a next one.
    let mut inbox = state
        .app
        .message_inbox_page(&principal, unread_only, PER_PAGE + 1, (page - 1) * PER_PAGE)
        .await?;
    let more = inbox.messages.len() as i64 > PER_PAGE;
    inbox.messages.truncate(PER_PAGE as usize);
    let notice = match query.value("done").as_str() {
        "read-all" => Some("已将全部消息标为已读。".to_owned()),
        _ => None,
    };
    let page = InboxPage {
        layout: layout_for(&ctx, "站内消息", &principal),
        messages: inbox.messages.iter().map(MessageView::of).collect(),
        unread: inbox.unread,
        unread_only,
        notice,
        prev: (page > 1).then(|| page_href(page - 1, unread_only)),
        next: more.then(|| page_href(page + 1, unread_only)),
        page,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "messages/message.html")]
struct MessagePage {
    layout: Layout,
    message: MessageView,
    /// Whether the message was unread when it was opened.
    was_unread: bool,
    case_href: Option<String>,
}

/// Opens a message; the first opening marks it read.
async fn message(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let before = state.app.message(&principal, id).await?;
    let was_unread = before.read_at.is_none();
    let current = if was_unread {
        state.app.mark_read(&principal, id).await?
    } else {
        before
    };
    let message = MessageView::of(&current);
    let case_href = message.case_id.map(|case_id| {
        if principal.is_staff() {
            format!("/workbench/cases/{case_id}")
        } else {
            format!("/cases/{case_id}")
        }
    });
    let page = MessagePage {
        layout: layout_for(&ctx, message.title.clone(), &principal),
        message,
        was_unread,
        case_href,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn read_all(
    State(state): State<AppState>,
    SignedIn(principal): SignedIn,
    _form: PageForm,
) -> PageResult<Response> {
    state.app.mark_all_read(&principal).await?;
    Ok(Redirect::to("/my/messages?done=read-all").into_response())
}
