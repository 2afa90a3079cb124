//! The self-service kiosk (自助终端): a profile of the same pages — large touch targets, high
//! contrast, a simple home (search, popular items, 我的办件) — with sign-in by resident ID
//! number and a one-time code sent to the registered phone. A kiosk session lives only
//! `KIOSK_SESSION_TTL` on the server, and a small script signs out after two minutes without a
//! touch, with a visible countdown. Also the web app manifest (PWA) of the portal.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::catalog::ItemQuery;
use zerotrip_app::{AppError, FieldError};

use super::account::{FieldErrors, MaybeSignedIn, signed_in_response};
use super::context::{KIOSK_COOKIE, Layout, PageCtx, PageForm, PageQuery, render};
use crate::error::PageResult;
use crate::security::ClientAddress;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk", get(home))
        .route("/kiosk/login", get(login_form).post(login))
        .route("/kiosk/code", post(send_code))
        .route("/kiosk/exit", post(exit))
        .route("/manifest.webmanifest", get(manifest))
}

fn kiosk_cookie(secure: bool, on: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    if on {
        format!("{KIOSK_COOKIE}=1; Max-Age=31536000; Path=/; SameSite=Lax{secure}")
    } else {
        format!("{KIOSK_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax{secure}")
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Debug, Clone)]
struct PopularItem {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "kiosk/home.html")]
struct HomePage {
    layout: Layout,
    name: Option<String>,
    popular: Vec<PopularItem>,
    signed_out: bool,
}

/// The kiosk home; visiting it turns the device into a kiosk (a cookie).
async fn home(
    State(state): State<AppState>,
    ctx: PageCtx,
    MaybeSignedIn(principal): MaybeSignedIn,
    query: PageQuery,
) -> PageResult<Response> {
    let popular = state
        .app
        .list_items(&ItemQuery {
            per_page: Some(6),
            ..ItemQuery::default()
        })
        .await?
        .items
        .into_iter()
        .map(|item| PopularItem {
            code: item.code,
            name: item.name,
        })
        .collect();
    let mut layout = ctx.layout("自助服务", "home");
    layout.kiosk = true;
    layout.signed_in = principal.is_some();
    let page = HomePage {
        layout,
        name: principal.map(|p| p.display_name),
        popular,
        signed_out: query.value("signed_out") == "1",
    };
    let response = render(StatusCode::OK, &page);
    Ok(with_cookie(
        response,
        &kiosk_cookie(state.config.secure_cookies, true),
    ))
}

#[derive(Template)]
#[template(path = "kiosk/login.html")]
struct LoginPage {
    layout: Layout,
    id_number: String,
    code_sent: Option<String>,
    errors: FieldErrors,
    next: String,
}

fn login_page(
    ctx: &PageCtx,
    status: StatusCode,
    id_number: String,
    code_sent: Option<String>,
    errors: FieldErrors,
    next: String,
) -> Response {
    let mut layout = ctx.layout("自助终端登录", "");
    layout.kiosk = true;
    render(
        status,
        &LoginPage {
            layout,
            id_number,
            code_sent,
            errors,
            next,
        },
    )
}

async fn login_form(ctx: PageCtx, query: PageQuery) -> Response {
    login_page(
        &ctx,
        StatusCode::OK,
        String::new(),
        None,
        FieldErrors::default(),
        super::account::after_login(&query.value("next")),
    )
}

async fn send_code(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let id_number = form.text("id_number").to_uppercase();
    let next = super::account::after_login(&form.text("next"));
    if !state.login_throttle.allow(address) {
        return Ok(login_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            id_number,
            None,
            FieldErrors(vec![FieldError::new(
                "id_number",
                "操作过于频繁，请稍等 30 秒后再试",
            )]),
            next,
        ));
    }
    match state.app.send_login_code(&id_number).await {
        Ok(masked) => Ok(login_page(
            &ctx,
            StatusCode::OK,
            id_number,
            Some(masked),
            FieldErrors::default(),
            next,
        )),
        Err(error @ (AppError::Invalid { .. } | AppError::TooManyRequests(_))) => {
            let errors = match &error {
                AppError::TooManyRequests(message) => {
                    FieldErrors(vec![FieldError::new("id_number", message)])
                }
                _ => FieldErrors::of(&error),
            };
            Ok(login_page(
                &ctx,
                crate::error::status_of(&error),
                id_number,
                None,
                errors,
                next,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let id_number = form.text("id_number").to_uppercase();
    let next = match super::account::after_login(&form.text("next")).as_str() {
        "/my/cases" => "/kiosk".to_owned(),
        other => other.to_owned(),
    };
    let sent = Some("您的手机".to_owned());
    if !state.login_throttle.allow(address) {
        return Ok(login_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            id_number,
            sent,
            FieldErrors(vec![FieldError::new(
                "code",
                "操作过于频繁，请稍等 30 秒后再试",
            )]),
            next,
        ));
    }
    match state
        .app
        .login_with_code(&id_number, &form.text("code"))
        .await
    {
        Ok(principal) => {
            let response = signed_in_response(&state, &principal, true, &next).await?;
            Ok(with_cookie(
                response,
                &kiosk_cookie(state.config.secure_cookies, true),
            ))
        }
        Err(error @ AppError::Invalid { .. }) => Ok(login_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            id_number,
            sent,
            FieldErrors::of(&error),
            next,
        )),
        Err(other) => Err(other.into()),
    }
}

/// Ends kiosk mode on this device (staff maintaining the machine).
async fn exit(State(state): State<AppState>) -> Response {
    with_cookie(
        Redirect::to("/").into_response(),
        &kiosk_cookie(state.config.secure_cookies, false),
    )
}

const MANIFEST: &str = r##"{
  "name": "海南政务服务·零跑动",
  "short_name": "零跑动",
  "description": "海南省政务服务：办事指南、网上申请、办件进度查询。",
  "lang": "zh-CN",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "background_color": "#f4f6f9",
  "theme_color": "#1d4f91",
  "icons": [
    {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}
  ]
}
"##;

async fn manifest() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/manifest+json; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        MANIFEST,
    )
        .into_response()
}
