//! The JSON API (`/api/v1/…`) and its OpenAPI 3.1 document (`/api/openapi.json`).

mod accounts;
mod admin;
mod auth;
mod cases;
mod catalog;
mod delivery;
mod evaluation;
mod extract;
mod files;
mod hotline;
mod knowledge;
mod messages;
mod openapi;
mod payments;
mod reference;
mod search;
mod unresolved;

use axum::Router;
use axum::routing::{delete, get, post, put};

use crate::error::api_error_response;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/v1/items", get(catalog::list_items))
        .route("/v1/items/{code}", get(catalog::item))
        .route("/v1/items/{code}/guide", get(catalog::guide))
        .route("/v1/items/{code}/versions", get(catalog::versions))
        .route("/v1/items/{code}/versions/{version}", get(catalog::version))
        .route(
            "/v1/items/{code}/implementations",
            get(catalog::implementations),
        )
        .route("/v1/bundles", get(catalog::bundles))
        .route("/v1/reductions", get(catalog::reductions))
        .route("/v1/zero-trip", get(catalog::zero_trip))
        .route(
            "/v1/zero-trip/publications",
            get(catalog::zero_trip_publications),
        )
        .route("/v1/regions", get(reference::regions))
        .route("/v1/regions/{code}", get(reference::region))
        .route(
            "/v1/calendar/add-working-days",
            get(reference::add_working_days),
        )
        .route(
            "/v1/calendar/working-days-between",
            get(reference::working_days_between),
        )
        .route("/v1/calendar/days/{date}", get(reference::day))
        .route("/v1/auth/token", post(auth::token))
        .route("/v1/admin/items/{code}", get(admin::editable_item))
        .route(
            "/v1/admin/items/{code}/draft",
            put(admin::save_draft).delete(admin::discard_draft),
        )
        .route("/v1/admin/items/{code}/publish", post(admin::publish))
        .route(
            "/v1/admin/implementations/{code}",
            put(admin::update_implementation),
        )
        .route("/v1/admin/catalog/check", get(admin::check))
        .route("/v1/admin/catalog/import", post(admin::import))
        .route(
            "/v1/admin/zero-trip/publish",
            post(admin::publish_zero_trip),
        )
        .route("/v1/admin/audit", get(admin::audit))
        .route("/v1/cases", get(cases::list).post(cases::file_case))
        .route("/v1/cases/drafts", post(cases::start_draft))
        .route("/v1/cases/{id}", get(cases::case))
        .route("/v1/cases/{id}/actions", post(cases::act))
        .route("/v1/cases/{id}/form", put(cases::save_form))
        .route("/v1/cases/{id}/submit", post(cases::submit))
        .route(
            "/v1/cases/{id}/materials/{position}",
            put(cases::upload_material),
        )
        .route(
            "/v1/cases/{id}/materials/{position}/file",
            get(cases::material_file),
        )
        .route("/v1/files", post(files::upload))
        .route("/v1/accounts/persons", post(accounts::register_person))
        .route("/v1/accounts/companies", post(accounts::register_company))
        .route("/v1/accounts/me", get(accounts::me))
        .route(
            "/v1/accounts/me/consents",
            get(accounts::consents).post(accounts::grant_consent),
        )
        .route(
            "/v1/accounts/me/consents/{id}",
            delete(accounts::revoke_consent),
        )
        .route(
            "/v1/cases/{id}/evaluation",
            get(evaluation::case_evaluation).post(evaluation::rate),
        )
        .route("/v1/evaluations/stats", get(evaluation::stats))
        .route(
            "/v1/evaluations/settings",
            get(evaluation::settings).put(evaluation::update_settings),
        )
        .route("/v1/rectifications", get(evaluation::rectifications))
        .route("/v1/rectifications/{id}", get(evaluation::rectification))
        .route(
            "/v1/rectifications/{id}/callbacks",
            post(evaluation::record_callback),
        )
        .route(
            "/v1/rectifications/{id}/close",
            post(evaluation::close_rectification),
        )
        .route(
            "/v1/unresolved",
            get(unresolved::list).post(unresolved::record),
        )
        .route("/v1/unresolved/owners", get(unresolved::owners))
        .route("/v1/unresolved/{id}", get(unresolved::request))
        .route("/v1/unresolved/{id}/updates", post(unresolved::note))
        .route("/v1/unresolved/{id}/assign", post(unresolved::assign))
        .route("/v1/unresolved/{id}/close", post(unresolved::close))
        .route("/v1/search", get(search::search))
        .route("/v1/search/suggest", get(search::suggest))
        .route("/v1/search/clicks", post(search::click))
        .route("/v1/admin/search/failed", get(search::failed))
        .route(
            "/v1/admin/search/synonyms",
            get(search::synonyms).post(search::add_synonym),
        )
        .route(
            "/v1/admin/search/synonyms/{term}",
            delete(search::remove_synonym),
        )
        .route("/v1/knowledge", get(knowledge::list))
        .route("/v1/knowledge/{code}", get(knowledge::entry))
        .route(
            "/v1/admin/knowledge",
            get(knowledge::admin_list).post(knowledge::create),
        )
        .route("/v1/admin/knowledge/{code}", get(knowledge::editable))
        .route(
            "/v1/admin/knowledge/{code}/draft",
            put(knowledge::save_draft).delete(knowledge::discard_draft),
        )
        .route(
            "/v1/admin/knowledge/{code}/publish",
            post(knowledge::publish),
        )
        .route(
            "/v1/admin/knowledge/{code}/withdraw",
            post(knowledge::withdraw),
        )
        .route("/v1/admin/knowledge/{code}/review", post(knowledge::review))
        .route(
            "/v1/admin/knowledge/{code}/versions",
            get(knowledge::versions),
        )
        .route(
            "/v1/admin/knowledge/{code}/versions/{version}",
            get(knowledge::version),
        )
        .route(
            "/v1/admin/items/{code}/knowledge",
            get(knowledge::item_knowledge),
        )
        .merge(hotline::routes())
        .merge(payments::routes())
        .merge(messages::routes())
        .merge(delivery::routes())
        .fallback(not_found)
}

async fn not_found() -> axum::response::Response {
    api_error_response(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "接口不存在".to_owned(),
        Vec::new(),
    )
}
