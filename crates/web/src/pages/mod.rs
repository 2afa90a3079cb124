//! The HTML pages.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// A Chinese error page with the given status.
pub fn error_page(status: StatusCode, message: String, details: Vec<String>) -> Response {
    let items: String = details
        .iter()
        .map(|d| format!("<li>{}</li>", escape(d)))
        .collect();
    (status, Html(format!("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{}</title><h1>{}</h1><ul>{items}</ul></html>", status.as_u16(), escape(&message)))).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
