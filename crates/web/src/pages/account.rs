//! Digital identity for applicants: sign-in of persons (ID number) and companies (credit code),
//! registration with field errors next to the fields, sign-out, and the account page with the
//! consents that let someone else file for the holder (帮办代办). Staff sign in at
//! `/admin/login`; both share one session cookie, and what each may do is decided by the app.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use zerotrip_app::auth::{KIOSK_SESSION_TTL, Principal, SessionKind};
use zerotrip_app::identity::{CompanySignUp, PersonSignUp, masked_identifier};
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::MobileNumber;

use super::context::{Layout, PageCtx, PageForm, PageQuery, china_time, render, safe_path};
use crate::error::{PageError, PageResult};
use crate::security::{ClientAddress, SESSION_COOKIE, session_cookie};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/register", get(register_form).post(register))
        .route(
            "/register/company",
            get(company_form).post(register_company),
        )
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route("/account/consents", post(grant_consent))
        .route("/account/consents/{id}/revoke", post(revoke_consent))
}

/// Whoever is signed in through the page session cookie (applicant or staff), if anyone.
#[derive(Debug, Clone)]
pub struct MaybeSignedIn(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<MaybeSignedIn>() {
            return Ok(cached.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let principal = match jar.get(SESSION_COOKIE) {
            Some(cookie) => match state.app.session(cookie.value(), SessionKind::Cookie).await {
                Ok(found) => found.map(|(principal, _)| principal),
                Err(error) => return Err(PageError(error).into_response()),
            },
            None => None,
        };
        let found = MaybeSignedIn(principal);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// A page for anyone signed in; visitors go to `/login` and come back afterwards.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Principal);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeSignedIn(principal) = MaybeSignedIn::from_request_parts(parts, state).await?;
        match principal {
            Some(principal) => Ok(SignedIn(principal)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/my/cases");
                // A POST cannot be replayed after signing in: come back to the page instead.
                let next = if parts.method == axum::http::Method::GET {
                    next.to_owned()
                } else {
                    parts.uri.path().to_owned()
                };
                Err(Redirect::to(&login_href(&next)).into_response())
            }
        }
    }
}

/// A page for applicants (persons and companies); staff are told to use the workbench.
#[derive(Debug, Clone)]
pub struct Applicant(pub Principal);

impl FromRequestParts<AppState> for Applicant {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(principal) = SignedIn::from_request_parts(parts, state).await?;
        if principal.is_staff() {
            return Err(PageError(AppError::forbidden(
                "工作人员账号不能以申请人身份办理，请在工作台为群众代办",
            ))
            .into_response());
        }
        Ok(Applicant(principal))
    }
}

pub fn login_href(next: &str) -> String {
    format!("/login?next={}", urlencoding::encode(next))
}

/// Where to go after signing in: a local path that is not a sign-in page; `/my/cases`
/// otherwise.
pub fn after_login(next: &str) -> String {
    let next = next.trim();
    let refused = ["/login", "/register", "/logout", "/admin/login"];
    if next.is_empty()
        || safe_path(next) != next
        || refused.iter().any(|prefix| next.starts_with(prefix))
    {
        "/my/cases".to_owned()
    } else {
        next.to_owned()
    }
}

/// The layout for a signed-in principal: the staff frame for staff, the portal otherwise.
pub fn layout_for(ctx: &PageCtx, title: impl Into<String>, principal: &Principal) -> Layout {
    if principal.is_staff() {
        ctx.staff_layout(title, "workbench", principal)
    } else {
        let mut layout = ctx.layout(title, "");
        layout.signed_in = true;
        layout
    }
}

/// Field errors of a form, shown next to their fields and in a summary at the top.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn of(error: &AppError) -> Self {
        let mut fields = error.fields().to_vec();
        if fields.is_empty() {
            fields.push(FieldError::new("", error.public_message()));
        }
        FieldErrors(fields)
    }

    /// The message for `field` (the first one).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error of the upload form of material `position`.
    pub fn upload(&self, position: impl std::fmt::Display) -> Option<&str> {
        self.get(&format!("upload-{position}"))
    }

    /// `#field` of the summary link, or the top of the form for general messages.
    pub fn anchor(&self, error: &FieldError) -> String {
        if error.field.is_empty() {
            "#main".to_owned()
        } else if let Some(position) = error.field.strip_prefix("upload-") {
            format!("#file-{position}")
        } else {
            format!("#{}", error.field.replace(['.', '[', ']'], "-"))
        }
    }
}

/// The session cookie of a fresh sign-in (a short-lived one at a kiosk), and the redirect.
pub async fn signed_in_response(
    state: &AppState,
    principal: &Principal,
    kiosk: bool,
    next: &str,
) -> PageResult<Response> {
    let cookie = if kiosk {
        let session = state
            .app
            .open_session_for(principal, SessionKind::Cookie, KIOSK_SESSION_TTL)
            .await?;
        // A kiosk is a shared machine: the cookie goes by itself after the session's lifetime.
        let secure = if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{SESSION_COOKIE}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            session.token,
            KIOSK_SESSION_TTL.num_seconds()
        )
    } else {
        let session = state
            .app
            .open_session(principal, SessionKind::Cookie)
            .await?;
        session_cookie(session.token, state.config.secure_cookies).to_string()
    };
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    errors: FieldErrors,
    register_href: String,
}

fn login_page(
    ctx: &PageCtx,
    status: StatusCode,
    username: String,
    next: String,
    errors: FieldErrors,
) -> Response {
    let register_href = format!("/register?next={}", urlencoding::encode(&next));
    render(
        status,
        &LoginPage {
            layout: ctx.layout("登录", ""),
            username,
            next,
            errors,
            register_href,
        },
    )
}

async fn login_form(
    ctx: PageCtx,
    MaybeSignedIn(principal): MaybeSignedIn,
    query: PageQuery,
) -> Response {
    let next = after_login(&query.value("next"));
    if principal.is_some_and(|p| !p.is_staff()) {
        return Redirect::to(&next).into_response();
    }
    login_page(
        &ctx,
        StatusCode::OK,
        String::new(),
        next,
        FieldErrors::default(),
    )
}

/// ID numbers and credit codes are written in capitals (a final `x` is `X`); staff usernames
/// are left as typed.
pub fn identifier(text: &str) -> String {
    if text.chars().count() == 18 && text.chars().all(|c| c.is_ascii_alphanumeric()) {
        text.to_ascii_uppercase()
    } else {
        text.to_owned()
    }
}

fn one_error(field: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors(vec![FieldError::new(field, message.into())])
}

async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let username = identifier(&form.text("username"));
    let password = form.raw("password").unwrap_or("").to_owned();
    let next = after_login(&form.text("next"));
    let fail = |status, field: &str, message: String| {
        Ok(login_page(
            &ctx,
            status,
            username.clone(),
            next.clone(),
            one_error(field, message),
        ))
    };
    if username.is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "username",
            "请输入身份证号码或统一社会信用代码".to_owned(),
        );
    }
    if password.is_empty() {
        return fail(StatusCode::BAD_REQUEST, "password", "请输入密码".to_owned());
    }
    if !state.login_throttle.allow(address) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "username",
            "登录尝试过于频繁，请稍等 30 秒后再试".to_owned(),
        );
    }
    let principal = match state.app.authenticate(&username, &password).await {
        Ok(principal) if principal.is_staff() => {
            return fail(
                StatusCode::FORBIDDEN,
                "username",
                "工作人员请从“工作人员登录”入口登录".to_owned(),
            );
        }
        Ok(principal) => principal,
        Err(AppError::Unauthenticated(_)) => {
            return fail(
                StatusCode::UNAUTHORIZED,
                "password",
                "证件号码或密码错误".to_owned(),
            );
        }
        Err(AppError::TooManyRequests(message)) => {
            return fail(StatusCode::TOO_MANY_REQUESTS, "username", message);
        }
        Err(other) => return Err(other.into()),
    };
    signed_in_response(&state, &principal, ctx.kiosk, &next).await
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: PageForm,
) -> PageResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.app.close_session(cookie.value()).await?;
    }
    let mut removal = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    removal.make_removal();
    let next = match form.text("next").as_str() {
        "/kiosk" => "/kiosk?signed_out=1",
        _ => "/",
    };
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&removal.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "account/register.html")]
struct RegisterPage {
    layout: Layout,
    company: bool,
    values: Vec<(String, String)>,
    next: String,
    errors: FieldErrors,
}

impl RegisterPage {
    fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn register_page(
    ctx: &PageCtx,
    status: StatusCode,
    company: bool,
    form: &PageForm,
    next: String,
    errors: FieldErrors,
) -> Response {
    let keep = [
        "real_name",
        "id_number",
        "phone",
        "company_name",
        "credit_code",
        "legal_representative",
    ];
    let values = keep
        .iter()
        .map(|name| ((*name).to_owned(), form.text(name)))
        .collect();
    let title = if company {
        "法人注册"
    } else {
        "个人注册"
    };
    render(
        status,
        &RegisterPage {
            layout: ctx.layout(title, ""),
            company,
            values,
            next,
            errors,
        },
    )
}

async fn register_form(ctx: PageCtx, query: PageQuery) -> Response {
    let next = after_login(&query.value("next"));
    register_page(
        &ctx,
        StatusCode::OK,
        false,
        &PageForm::default(),
        next,
        FieldErrors::default(),
    )
}

async fn company_form(ctx: PageCtx, query: PageQuery) -> Response {
    let next = after_login(&query.value("next"));
    register_page(
        &ctx,
        StatusCode::OK,
        true,
        &PageForm::default(),
        next,
        FieldErrors::default(),
    )
}

fn password_mismatch(form: &PageForm) -> Option<FieldError> {
    (form.raw("password") != form.raw("password_confirm"))
        .then(|| FieldError::new("password_confirm", "两次输入的密码不一致"))
}

async fn register(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let next = after_login(&form.text("next"));
    if !state.login_throttle.allow(address) {
        let errors = one_error("real_name", "操作过于频繁，请稍等 30 秒后再试");
        return Ok(register_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            false,
            &form,
            next,
            errors,
        ));
    }
    let sign_up = PersonSignUp {
        real_name: form.text("real_name"),
        id_number: form.text("id_number"),
        phone: form.text("phone"),
        password: form.raw("password").unwrap_or("").to_owned(),
    };
    let outcome = match password_mismatch(&form) {
        Some(mismatch) => Err(AppError::invalid("注册信息有误", vec![mismatch])),
        None => state.app.register_person(sign_up).await,
    };
    match outcome {
        Ok(principal) => signed_in_response(&state, &principal, ctx.kiosk, &next).await,
        Err(error @ AppError::Invalid { .. }) => Ok(register_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            false,
            &form,
            next,
            FieldErrors::of(&error),
        )),
        Err(other) => Err(other.into()),
    }
}

async fn register_company(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let next = after_login(&form.text("next"));
    if !state.login_throttle.allow(address) {
        let errors = one_error("company_name", "操作过于频繁，请稍等 30 秒后再试");
        return Ok(register_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            true,
            &form,
            next,
            errors,
        ));
    }
    let sign_up = CompanySignUp {
        company_name: form.text("company_name"),
        credit_code: form.text("credit_code").to_uppercase(),
        legal_representative: form.text("legal_representative"),
        phone: form.text("phone"),
        password: form.raw("password").unwrap_or("").to_owned(),
    };
    let outcome = match password_mismatch(&form) {
        Some(mismatch) => Err(AppError::invalid("注册信息有误", vec![mismatch])),
        None => state.app.register_company(sign_up).await,
    };
    match outcome {
        Ok(principal) => signed_in_response(&state, &principal, ctx.kiosk, &next).await,
        Err(error @ AppError::Invalid { .. }) => Ok(register_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            true,
            &form,
            next,
            FieldErrors::of(&error),
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Clone)]
struct ConsentRow {
    id: i64,
    agent: String,
    scope: String,
    granted: String,
    expires: String,
    live: bool,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    layout: Layout,
    kind: &'static str,
    name: String,
    identifier_label: &'static str,
    identifier: String,
    phone: String,
    is_person: bool,
    consents: Vec<ConsentRow>,
    errors: FieldErrors,
    agent: String,
    scope: String,
    evidence: String,
    days: String,
    notice: Option<String>,
}

async fn account_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    status: StatusCode,
    form: Option<&PageForm>,
    errors: FieldErrors,
    notice: Option<String>,
) -> PageResult<Response> {
    let now = state.app.clock.now();
    let consents = if principal.kind == AccountKind::Person {
        state.app.consents(principal).await?
    } else {
        Vec::new()
    };
    let consents = consents
        .into_iter()
        .map(|c| {
            let live = !c.revoked && c.expires_at > now;
            ConsentRow {
                id: c.id,
                agent: c.agent,
                scope: if c.scope == "all" {
                    "全部事项".to_owned()
                } else {
                    c.scope
                },
                granted: china_time(c.granted_at),
                expires: china_time(c.expires_at),
                live,
                status: if c.revoked {
                    "已撤销"
                } else if live {
                    "有效"
                } else {
                    "已过期"
                },
            }
        })
        .collect();
    let (identifier_label, identifier) = match principal.kind {
        AccountKind::Company => (
            "统一社会信用代码",
            principal.credit_code.clone().unwrap_or_default(),
        ),
        _ => (
            "身份证号码",
            masked_identifier(principal.id_number.as_deref().unwrap_or("")),
        ),
    };
    let text = |name: &str| form.map(|f| f.text(name)).unwrap_or_default();
    let page = AccountPage {
        layout: layout_for(ctx, "我的账号", principal),
        kind: match principal.kind {
            AccountKind::Company => "法人",
            _ => "个人",
        },
        name: principal.display_name.clone(),
        identifier_label,
        identifier,
        phone: principal
            .phone
            .as_deref()
            .and_then(|p| MobileNumber::parse(p).ok())
            .map(|m| m.masked())
            .unwrap_or_else(|| "未登记".to_owned()),
        is_person: principal.kind == AccountKind::Person,
        consents,
        errors,
        agent: text("agent"),
        scope: {
            let scope = text("scope");
            if scope.is_empty() {
                "all".to_owned()
            } else {
                scope
            }
        },
        evidence: text("evidence"),
        days: {
            let days = text("days");
            if days.is_empty() {
                "30".to_owned()
            } else {
                days
            }
        },
        notice,
    };
    Ok(render(status, &page))
}

async fn account(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    query: PageQuery,
) -> PageResult<Response> {
    let notice = match query.value("done").as_str() {
        "granted" => Some("已记录委托。代办人现在可以为您申请委托范围内的事项。".to_owned()),
        "revoked" => Some("已撤销委托，代办人不能再为您申请。".to_owned()),
        _ => None,
    };
    account_page(
        &state,
        &ctx,
        &principal,
        StatusCode::OK,
        None,
        FieldErrors::default(),
        notice,
    )
    .await
}

async fn grant_consent(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    form: PageForm,
) -> PageResult<Response> {
    let days = match form.text("days").parse::<i64>() {
        Ok(days) => days,
        Err(_) => {
            return account_page(
                &state,
                &ctx,
                &principal,
                StatusCode::BAD_REQUEST,
                Some(&form),
                one_error("days", "委托期限应为天数（整数）"),
                None,
            )
            .await;
        }
    };
    let scope = match form.text("scope") {
        scope if scope.is_empty() => "all".to_owned(),
        scope => scope.to_uppercase().replace("ALL", "all"),
    };
    match state
        .app
        .grant_consent(
            &principal,
            &form.text("agent").to_uppercase(),
            &scope,
            &form.text("evidence"),
            days,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/account?done=granted").into_response()),
        Err(error @ (AppError::Invalid { .. } | AppError::Forbidden(_))) => {
            account_page(
                &state,
                &ctx,
                &principal,
                StatusCode::BAD_REQUEST,
                Some(&form),
                FieldErrors::of(&error),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_consent(
    State(state): State<AppState>,
    Applicant(principal): Applicant,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    state.app.revoke_consent(&principal, id).await?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}
