//! What every page needs: the layout (elder mode, CSRF token, where the visitor is), request
//! parsing that answers with Chinese error pages, rendering, and small formatting helpers.

use std::convert::Infallible;
use std::sync::LazyLock;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use zerotrip_app::auth::Principal;
use zerotrip_app::{AppError, FieldError};

use crate::error::PageError;
use crate::security::CsrfToken;

/// The cookie that keeps elderly-friendly mode on.
pub const ELDER_COOKIE: &str = "zt_elder";
/// The cookie that marks a self-service kiosk (large targets, automatic sign-out).
pub const KIOSK_COOKIE: &str = "zt_kiosk";

/// A short fingerprint of the stylesheet and script, so a new release is fetched at once even
/// though browsers may cache the files for a day.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = zerotrip_trust::sm3_hex(
        format!("{}{}", super::assets::APP_CSS, super::assets::APP_JS).as_bytes(),
    );
    digest.chars().take(10).collect()
});

/// What a page knows about the request before it renders.
#[derive(Debug, Clone, Default)]
pub struct PageCtx {
    pub elder: bool,
    /// The visitor's CSRF token; empty where none is known (pages rendered outside the router).
    pub csrf: String,
    /// The path and query of the request, for "come back here" links.
    pub path: String,
    /// A session cookie is present (the header offers 我的办件 rather than 登录).
    pub signed_in: bool,
    /// The page is shown on a self-service kiosk.
    pub kiosk: bool,
}

impl PageCtx {
    pub fn from_parts(headers: &HeaderMap, parts_path: &str, csrf: Option<&CsrfToken>) -> Self {
        let jar = CookieJar::from_headers(headers);
        PageCtx {
            elder: jar.get(ELDER_COOKIE).is_some_and(|c| c.value() == "1"),
            csrf: csrf.map(|t| t.0.clone()).unwrap_or_default(),
            path: parts_path.to_owned(),
            signed_in: jar.get(crate::security::SESSION_COOKIE).is_some(),
            kiosk: jar.get(KIOSK_COOKIE).is_some_and(|c| c.value() == "1"),
        }
    }

    /// The layout of a public page.
    pub fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        Layout {
            title: title.into(),
            nav,
            elder: self.elder,
            csrf: self.csrf.clone(),
            back: safe_path(&self.path).to_owned(),
            staff_name: None,
            admin_nav: "",
            asset_version: ASSET_VERSION.as_str(),
            signed_in: self.signed_in,
            kiosk: self.kiosk,
        }
    }

    /// The layout of a staff page.
    pub fn staff_layout(
        &self,
        title: impl Into<String>,
        admin_nav: &'static str,
        principal: &Principal,
    ) -> Layout {
        let mut layout = self.layout(title, "admin");
        layout.staff_name = Some(principal.display_name.clone());
        layout.admin_nav = admin_nav;
        layout
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        Ok(PageCtx::from_parts(
            &parts.headers,
            path,
            parts.extensions.get::<CsrfToken>(),
        ))
    }
}

/// The frame around every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    /// The current item of the main navigation: home, items, bundles, zero-trip, reductions,
    /// admin (or empty).
    pub nav: &'static str,
    pub elder: bool,
    pub csrf: String,
    /// Where the elder toggle returns to.
    pub back: String,
    /// The signed-in staff member's name on staff pages.
    pub staff_name: Option<String>,
    /// The current item of the staff navigation.
    pub admin_nav: &'static str,
    pub asset_version: &'static str,
    pub signed_in: bool,
    /// Kiosk profile: larger targets, and automatic sign-out after inactivity when signed in.
    pub kiosk: bool,
}

/// Only a path on this site: starts with one `/`, no scheme or host, no backslashes or control
/// characters. Anything else becomes `/`, so a crafted link cannot send people elsewhere.
pub fn safe_path(candidate: &str) -> &str {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && candidate.len() <= 2000
        && !candidate
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if ok { candidate } else { "/" }
}

/// Renders a template with a status; a template error is logged and answered with a bare 500.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            // Pages carry the visitor's CSRF token (and staff pages staff data): never for
            // shared caches. Staff pages are `no-store` on top of this (see `admin::routes`).
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            response
        }
        Err(error) => {
            tracing::error!(%error, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统繁忙</title><h1>系统繁忙，请稍后重试</h1></html>"),
            )
                .into_response()
        }
    }
}

/// The query string as name → value pairs; a malformed one is a 400 page.
#[derive(Debug, Clone, Default)]
pub struct PageQuery(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map(PageQuery)
            .map_err(|_| PageError(AppError::field("query", "网址中的查询参数格式有误")))
    }
}

impl PageQuery {
    /// A trimmed, non-empty value.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value or an empty string, for refilling forms.
    pub fn value(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }

    /// A positive page number (1 when absent); a bad one is recorded as a field error.
    pub fn page(&self, errors: &mut Vec<FieldError>) -> u32 {
        match self.text("page") {
            None => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(page) if page >= 1 => page,
                _ => {
                    errors.push(FieldError::new("page", format!("页码“{text}”应为正整数")));
                    1
                }
            },
        }
    }
}

/// An urlencoded form body as name → value pairs (names may repeat, as checkboxes do).
#[derive(Debug, Clone, Default)]
pub struct PageForm(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError(AppError::field("body", "请通过页面上的表单提交")));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| PageError(AppError::field("body", "提交的内容无法读取或过大")))?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(PageForm)
            .map_err(|_| PageError(AppError::field("body", "提交的表单格式有误")))
    }
}

impl PageForm {
    /// The first value of a field, untrimmed.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of a field, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.raw(name).map(str::trim).unwrap_or("").to_owned()
    }

    /// Every value of a field (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }
}

/// A date and time in China Standard Time, e.g. `2026-03-01 09:30`.
pub fn china_time(at: DateTime<Utc>) -> String {
    (at + Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A date the way people write it, e.g. `2026年3月1日`.
pub fn chinese_date(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// Working days as shown on pages.
pub fn working_days(days: Option<u32>) -> String {
    match days {
        None => "未规定".to_owned(),
        Some(0) => "即办".to_owned(),
        Some(days) => format!("{days} 个工作日"),
    }
}

/// A region's full name without the province, which every region here shares.
pub fn short_region_name(full_name: &str) -> String {
    match full_name.strip_prefix("海南省") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => full_name.to_owned(),
    }
}

/// A link to the items list with one filter.
pub fn items_href(name: &str, value: &str) -> String {
    format!("/items?{name}={}", urlencoding::encode(value))
}

/// One `<option>` of a select.
#[derive(Debug, Clone)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        SelectOption {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

/// A group of options.
#[derive(Debug, Clone)]
pub struct OptionGroup {
    pub label: String,
    pub options: Vec<SelectOption>,
}

/// Page links under a list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub pages: Vec<PageLink>,
    /// e.g. `第 2 / 12 页，共 227 项`.
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct PageLink {
    /// The number, or `…` for a gap (then `href` is empty).
    pub label: String,
    pub href: String,
    pub current: bool,
}

impl Pager {
    /// Links for `page` of `total` entries, `per_page` each; `params` are the other query
    /// parameters to keep.
    pub fn new(
        base: &str,
        params: &[(&str, String)],
        page: u32,
        per_page: u32,
        total: u64,
    ) -> Self {
        let per_page = u64::from(per_page.max(1));
        let last = total.div_ceil(per_page).max(1);
        let page = u64::from(page).min(last);
        let href = |n: u64| {
            let mut pairs: Vec<(&str, String)> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect();
            if n > 1 {
                pairs.push(("page", n.to_string()));
            }
            match serde_urlencoded::to_string(&pairs) {
                Ok(query) if !query.is_empty() => format!("{base}?{query}"),
                _ => base.to_owned(),
            }
        };
        let mut pages = Vec::new();
        let mut previous_shown = 0;
        for n in 1..=last {
            let near = n == 1 || n == last || n.abs_diff(page) <= 2;
            if !near {
                continue;
            }
            if n > previous_shown + 1 {
                pages.push(PageLink {
                    label: "…".to_owned(),
                    href: String::new(),
                    current: false,
                });
            }
            pages.push(PageLink {
                label: n.to_string(),
                href: href(n),
                current: n == page,
            });
            previous_shown = n;
        }
        Pager {
            prev: (page > 1).then(|| href(page - 1)),
            next: (page < last).then(|| href(page + 1)),
            pages: if last > 1 { pages } else { Vec::new() },
            summary: format!("第 {page} / {last} 页，共 {total} 项"),
        }
    }

    pub fn is_needed(&self) -> bool {
        !self.pages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_kept() {
        assert_eq!(safe_path("/items?q=1"), "/items?q=1");
        assert_eq!(safe_path("//evil.example/"), "/");
        assert_eq!(safe_path("https://evil.example/"), "/");
        assert_eq!(safe_path("/\\evil.example"), "/");
        assert_eq!(safe_path("/a\nb"), "/");
        assert_eq!(safe_path(""), "/");
    }

    #[test]
    fn pager_keeps_filters_and_elides() {
        let pager = Pager::new("/items", &[("q", "身份证".to_owned())], 5, 20, 400);
        assert_eq!(
            pager.prev.as_deref(),
            Some("/items?q=%E8%BA%AB%E4%BB%BD%E8%AF%81&page=4")
        );
        let labels: Vec<&str> = pager.pages.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["1", "…", "3", "4", "5", "6", "7", "…", "20"]);
        let one = Pager::new("/items", &[], 1, 20, 5);
        assert!(!one.is_needed());
    }
}
