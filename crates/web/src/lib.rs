//! HTTP for zerotrip: the JSON API under `/api` (with its OpenAPI document) and the Simplified
//! Chinese HTML pages. Handlers parse and authorise, then call one use case of the app layer.

mod api;
mod error;
mod observability;
mod pages;
mod security;
mod state;

pub use observability::install_metrics;
pub use state::{AppState, WebConfig};

use axum::Router;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api", api::routes())
        .merge(observability::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(axum::middleware::from_fn(security::security_headers))
        .layer(axum::middleware::from_fn(observability::track_requests))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.config.max_body_bytes,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}
