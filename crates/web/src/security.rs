//! Cookies, sessions, CSRF protection, login throttling and security headers.
//!
//! CSRF: every visitor gets a signed random token in an HTTP-only cookie; every unsafe request
//! from a page must repeat it in the form field `csrf` or the `X-CSRF-Token` header (file upload
//! forms, sent as `multipart/form-data`, in the `csrf` parameter of their action URL). The token
//! is signed (HMAC-SM3 with the installation's key), so a cookie planted from elsewhere does not
//! verify. API calls authenticated by a bearer token carry no ambient authority and are exempt.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sm3::Sm3;
use subtle::ConstantTimeEq;
use zerotrip_app::auth::{Principal, SessionKind};

use crate::error::{ApiError, api_error_response};
use crate::pages::error_page;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "zt_session";
pub const CSRF_COOKIE: &str = "zt_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The visitor's CSRF token, for forms to embed.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

type HmacSm3 = Hmac<Sm3>;

fn sign(key: &[u8], nonce: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn new_csrf_token(key: &[u8]) -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signature = sign(key, &nonce);
    format!("{nonce}.{signature}")
}

fn csrf_token_is_valid(key: &[u8], token: &str) -> bool {
    match token.split_once('.') {
        Some((nonce, signature)) => {
            bool::from(sign(key, nonce).as_bytes().ct_eq(signature.as_bytes()))
        }
        None => false,
    }
}

fn same_token(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Ensures the CSRF cookie and verifies unsafe requests.
pub async fn csrf_guard(
    State(state): State<AppState>,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    let key = &state.config.csrf_key;
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| csrf_token_is_valid(key, t));
    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => (new_csrf_token(key), true),
    };
    let (mut parts, body) = request.into_parts();
    let is_api = parts.uri.path().starts_with("/api/");
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if unsafe_method {
        let has_bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
        let has_session = jar.get(SESSION_COOKIE).is_some();
        let needs_check = if is_api {
            has_session && !has_bearer
        } else {
            true
        };
        if needs_check {
            let header_token = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (submitted, restored) = match header_token {
                Some(token) => (Some(token), body),
                // A file upload form (multipart) carries the token in its action's query, so
                // the guard does not have to read a large body to find it.
                None if is_multipart(&parts) => (query_field(&parts), body),
                None => match form_field(&parts, body, state.config.max_body_bytes).await {
                    Ok((field, restored)) => (field, restored),
                    Err(response) => return response,
                },
            };
            body = restored;
            let accepted = !fresh
                && submitted
                    .as_deref()
                    .is_some_and(|submitted| same_token(submitted, &token));
            if !accepted {
                return csrf_rejection(is_api);
            }
        }
    }
    parts.extensions.insert(CsrfToken(token.clone()));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if fresh {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.config.secure_cookies)
            .path("/")
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn is_multipart(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The `csrf` parameter of the request's query string (multipart forms put it there).
fn query_field(parts: &Parts) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(parts.uri.query().unwrap_or(""))
        .ok()?
        .into_iter()
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value)
}

/// Reads the `csrf` field of an urlencoded form body and gives the body back.
async fn form_field(
    parts: &Parts,
    body: Body,
    limit: usize,
) -> Result<(Option<String>, Body), Response> {
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, body));
    }
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "提交的内容过大".to_owned(),
            Vec::new(),
        )
    })?;
    let field = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(name, _)| name == CSRF_FIELD)
                .map(|(_, value)| value)
        });
    Ok((field, Body::from(bytes)))
}

fn csrf_rejection(is_api: bool) -> Response {
    let message = "页面已过期或请求来源无法确认，请刷新页面后重新提交".to_owned();
    if is_api {
        api_error_response(StatusCode::FORBIDDEN, "csrf_failed", message, Vec::new())
    } else {
        error_page(StatusCode::FORBIDDEN, message, Vec::new())
    }
}

/// Headers every response carries.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    response
}

/// Login attempts per client address: a burst of 10, then one every 30 seconds.
pub struct LoginThrottle(DefaultKeyedRateLimiter<IpAddr>);

impl Default for LoginThrottle {
    fn default() -> Self {
        let per_period = Quota::with_period(std::time::Duration::from_secs(30))
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN));
        LoginThrottle(RateLimiter::keyed(per_period))
    }
}

impl LoginThrottle {
    /// Whether `address` may try again now.
    pub fn allow(&self, address: IpAddr) -> bool {
        self.0.check_key(&address).is_ok()
    }
}

/// The client address of a request (the TCP peer; loopback when served without one).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientAddress(address))
    }
}

/// A session cookie for a fresh login.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        // A browser-session cookie: it goes when the browser closes; the server ends the session
        // after SESSION_TTL in any case.
        .build()
}

/// The staff member signed in through the page session cookie, if any.
#[derive(Debug, Clone)]
pub struct MaybeStaff(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<MaybeStaff>() {
            return Ok(cached.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let principal = match jar.get(SESSION_COOKIE) {
            Some(cookie) => match state.app.session(cookie.value(), SessionKind::Cookie).await {
                Ok(found) => found
                    .map(|(principal, _)| principal)
                    .filter(Principal::is_staff),
                Err(error) => return Err(crate::error::PageError(error).into_response()),
            },
            None => None,
        };
        let found = MaybeStaff(principal);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// A page that requires a signed-in staff member; others are sent to the login page.
#[derive(Debug, Clone)]
pub struct StaffPage(pub Principal);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeStaff(principal) = MaybeStaff::from_request_parts(parts, state).await?;
        match principal {
            Some(principal) => Ok(StaffPage(principal)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/admin");
                let target = format!("/admin/login?next={}", urlencoding::encode(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// The principal of an API call: a bearer token, or the page session (with the CSRF header
/// for unsafe methods, enforced by [`csrf_guard`]).
#[derive(Debug, Clone)]
pub struct ApiPrincipal(pub Principal);

impl FromRequestParts<AppState> for ApiPrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .map(str::to_owned);
        let found = match bearer {
            Some(token) => state.app.session(&token, SessionKind::Bearer).await?,
            None => match CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE) {
                Some(cookie) => {
                    state
                        .app
                        .session(cookie.value(), SessionKind::Cookie)
                        .await?
                }
                None => None,
            },
        };
        match found {
            Some((principal, _)) => Ok(ApiPrincipal(principal)),
            None => Err(ApiError(zerotrip_app::AppError::Unauthenticated(
                "需要登录：请在 Authorization 头中提供有效的访问令牌".to_owned(),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_key() {
        let token = new_csrf_token(b"key-one");
        assert!(csrf_token_is_valid(b"key-one", &token));
        assert!(!csrf_token_is_valid(b"key-two", &token));
        assert!(!csrf_token_is_valid(b"key-one", "forged.0000"));
        assert!(!csrf_token_is_valid(b"key-one", "no-dot"));
    }
}
