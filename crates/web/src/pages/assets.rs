//! The stylesheet, script and icon, compiled into the binary.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub const APP_CSS: &str = include_str!("../../static/app.css");
pub const APP_JS: &str = include_str!("../../static/app.js");
pub const FAVICON: &str = include_str!("../../static/favicon.svg");

/// Links carry `?v=<fingerprint>`, so a day of caching never serves a stale file after a release.
const CACHE: &str = "public, max-age=86400";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}
