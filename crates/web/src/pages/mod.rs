//! The HTML pages: the public portal (items, guides, 一件事, 零跑动, 四减两免) and the staff
//! workbench under `/admin`. Simplified Chinese, server-rendered with askama, usable without
//! JavaScript, with an elderly-friendly mode kept in a cookie.

mod account;
mod admin;
mod apply;
mod assets;
mod cases;
mod chart;
mod context;
mod delivery;
pub(crate) mod evaluation;
mod guide;
mod hotline;
mod kiosk;
mod knowledge;
mod lists;
mod messages;
pub(crate) mod payments;
mod public;
mod search;
mod sms;
mod unresolved;
mod window;
mod workbench;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::security::CsrfToken;
use crate::state::AppState;
use context::{ELDER_COOKIE, Layout, PageCtx, PageForm, render, safe_path};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/items", get(public::items))
        .route("/items/{code}", get(guide::guide))
        .route("/items/{code}/versions", get(guide::versions))
        .route("/items/{code}/versions/{version}", get(guide::version))
        .route("/departments", get(public::departments))
        .route("/regions", get(public::regions))
        .route("/bundles", get(public::bundles))
        .route("/zero-trip", get(lists::zero_trip))
        .route("/zero-trip/export.csv", get(lists::export_csv))
        .route("/zero-trip/export.json", get(lists::export_json))
        .route("/zero-trip/history", get(lists::history))
        .route("/reductions", get(lists::reductions))
        .route("/preferences", get(preferences))
        .route("/preferences/elder", post(toggle_elder))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/static/favicon.svg", get(assets::favicon))
        .merge(admin::routes())
        .merge(evaluation::routes())
        .merge(unresolved::routes())
        .merge(account::routes())
        .merge(apply::routes())
        .merge(cases::routes())
        .merge(workbench::routes())
        .merge(window::routes())
        .merge(kiosk::routes())
        .merge(hotline::routes())
        .merge(search::routes())
        .merge(knowledge::routes())
        .merge(payments::routes())
        .merge(messages::routes())
        .merge(sms::routes())
        .merge(delivery::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(with_page_context))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
    details: Vec<String>,
}

/// What an error page said, so [`with_page_context`] can render it again inside the visitor's
/// own layout (elder mode, CSRF token for the toggle).
#[derive(Debug, Clone)]
struct ErrorContent {
    message: String,
    details: Vec<String>,
}

fn heading_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求有误",
        401 => "需要登录",
        403 => "没有权限",
        404 => "页面不存在",
        409 => "操作未完成",
        413 => "提交的内容过大",
        429 => "操作过于频繁",
        _ if status.is_server_error() => "系统繁忙",
        _ => "无法完成请求",
    }
}

fn render_error(
    ctx: &PageCtx,
    status: StatusCode,
    message: String,
    details: Vec<String>,
) -> Response {
    let heading = heading_for(status).to_owned();
    let page = ErrorPage {
        layout: ctx.layout(format!("{heading}（{}）", status.as_u16()), ""),
        heading,
        message,
        details,
    };
    render(status, &page)
}

/// A Chinese error page with the given status.
pub fn error_page(status: StatusCode, message: String, details: Vec<String>) -> Response {
    let mut response = render_error(
        &PageCtx::default(),
        status,
        message.clone(),
        details.clone(),
    );
    response
        .extensions_mut()
        .insert(ErrorContent { message, details });
    response
}

/// Renders error pages produced inside the page routes with the request's own context.
async fn with_page_context(request: Request, next: Next) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let ctx = PageCtx::from_parts(
        request.headers(),
        &path,
        request.extensions().get::<CsrfToken>(),
    );
    let response = next.run(request).await;
    let Some(content) = response.extensions().get::<ErrorContent>().cloned() else {
        return response;
    };
    let (parts, _) = response.into_parts();
    let mut fresh = render_error(&ctx, parts.status, content.message, content.details);
    for value in parts.headers.get_all(header::SET_COOKIE) {
        fresh
            .headers_mut()
            .append(header::SET_COOKIE, value.clone());
    }
    if let Some(value) = parts.headers.get(header::CACHE_CONTROL) {
        fresh
            .headers_mut()
            .insert(header::CACHE_CONTROL, value.clone());
    }
    fresh
}

async fn not_found(ctx: PageCtx) -> Response {
    render_error(
        &ctx,
        StatusCode::NOT_FOUND,
        "您访问的页面不存在，可能已被移除或网址有误。".to_owned(),
        Vec::new(),
    )
}

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    layout: Layout,
}

async fn preferences(ctx: PageCtx) -> Response {
    let mut layout = ctx.layout("长辈模式", "");
    layout.back = "/preferences".to_owned();
    render(StatusCode::OK, &PreferencesPage { layout })
}

/// Turns elderly-friendly mode on or off and goes back to the page the visitor came from.
async fn toggle_elder(
    axum::extract::State(state): axum::extract::State<AppState>,
    form: PageForm,
) -> Response {
    let on = form.text("on") == "1";
    let back = safe_path(form.raw("back").unwrap_or("/")).to_owned();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = if on {
        format!("{ELDER_COOKIE}=1; Max-Age=31536000; Path=/; SameSite=Lax{secure}")
    } else {
        format!("{ELDER_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax{secure}")
    };
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Adds `name: value` to a response's headers.
fn with_header(mut response: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}
