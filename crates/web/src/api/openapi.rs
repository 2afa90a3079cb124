//! The OpenAPI 3.1 document of the JSON API.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, auth, catalog, reference};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "零跑动政务服务平台 API",
        description = "事项库、区划、工作日历、零跑动清单与四减两免。错误统一为 `{\"error\": {\"code\", \"message\", \"fields\"}}`。",
        version = env!("CARGO_PKG_VERSION"),
        license(name = "Apache-2.0"),
    ),
    paths(
        super::hotline::create, super::hotline::list, super::hotline::order, super::hotline::suggestions, super::hotline::departments, super::hotline::dispatch, super::hotline::redispatch, super::hotline::return_order, super::hotline::merge, super::hotline::reply, super::hotline::opinion, super::hotline::rework, super::hotline::close, super::hotline::callback, super::hotline::time_limits, super::hotline::set_time_limit,
        catalog::list_items, catalog::item, catalog::guide, catalog::versions, catalog::version,
        catalog::implementations, catalog::bundles, catalog::reductions, catalog::zero_trip,
        catalog::zero_trip_publications,
        reference::regions, reference::region, reference::add_working_days,
        reference::working_days_between, reference::day,
        auth::token,
        admin::editable_item, admin::save_draft, admin::discard_draft, admin::publish,
        admin::update_implementation, admin::check, admin::import, admin::publish_zero_trip,
        admin::audit,
        super::evaluation::rate, super::evaluation::case_evaluation, super::evaluation::stats, super::evaluation::settings, super::evaluation::update_settings, super::evaluation::rectifications, super::evaluation::rectification, super::evaluation::record_callback, super::evaluation::close_rectification,
        super::unresolved::record, super::unresolved::list, super::unresolved::owners, super::unresolved::request, super::unresolved::note, super::unresolved::assign, super::unresolved::close,
        super::search::search, super::search::suggest, super::search::click, super::search::failed, super::search::synonyms, super::search::add_synonym, super::search::remove_synonym,
        super::knowledge::list, super::knowledge::entry, super::knowledge::admin_list, super::knowledge::create, super::knowledge::editable, super::knowledge::save_draft, super::knowledge::discard_draft, super::knowledge::publish, super::knowledge::withdraw, super::knowledge::review, super::knowledge::versions, super::knowledge::version, super::knowledge::item_knowledge,
        super::payments::case_payments, super::payments::charge, super::payments::order, super::payments::pay, super::payments::refund, super::payments::reconciliation, super::payments::notify, super::messages::list, super::messages::read, super::messages::read_all, super::messages::delivery_report,
        super::delivery::delivery, super::delivery::choose_delivery,
        super::cases::file_case, super::cases::start_draft, super::cases::case, super::cases::act, super::cases::list, super::cases::save_form, super::cases::upload_material, super::cases::submit, super::cases::material_file, super::files::upload, super::accounts::register_person, super::accounts::register_company, super::accounts::me, super::accounts::consents, super::accounts::grant_consent, super::accounts::revoke_consent,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldErrorBody,
        super::hotline::WorkOrderReasonRequest, super::hotline::WorkOrderReplyRequest, super::hotline::WorkOrderOpinionRequest, super::hotline::WorkOrderCloseRequest, super::hotline::WorkOrderTimeLimitRequest,
        auth::TokenRequest, admin::NoteRequest, admin::ImportRequest,
        super::evaluation::EvaluationSettings, super::unresolved::NoteInput, super::unresolved::CloseRequest,
        super::search::SearchBody, super::search::SearchResultBody, super::search::SynonymRequest, super::search::ClickRequest, super::knowledge::KnowledgeBody, super::knowledge::NewKnowledgeBody, super::knowledge::PublishKnowledgeBody, super::knowledge::WithdrawBody, super::knowledge::ReviewBody,
        super::payments::OrderBody, super::payments::ChargeRequest, super::payments::CasePaymentsBody, super::payments::PaymentStarted, super::payments::RefundRequest, super::payments::NotifyAck, super::messages::ReadAll, super::messages::ReportAck,
        super::delivery::DeliveryBody, super::delivery::DeliveryEventBody, super::delivery::DeliveryRequest, super::delivery::AddressRequest,
        super::cases::NewCaseRequest, super::cases::MaterialRequest, super::cases::DraftRequest, super::cases::CaseCreated, super::cases::ActionBody, super::files::StoredFileBody, super::accounts::PersonRequest, super::accounts::CompanyRequest, super::accounts::AccountSummary, super::accounts::ConsentRequest)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("POST /api/v1/auth/token 获取"))
                    .build(),
            ),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
