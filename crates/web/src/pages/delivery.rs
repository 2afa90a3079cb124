//! Delivery of results (送达) on the pages: the address to mail the result to on the application
//! form (the `mail_*` fields of the form, shown with the 结果送达方式 choice and hidden by
//! `delivery.js` while another method is chosen), the 结果送达 panel of the applicant's case page
//! (method, address with the phone masked, where to collect a pickup, the waybill and the
//! courier's tracking events, and the form to change the choice until the result is released),
//! the delivery panel of the workbench case page with 登记领取 for pickups that are ready.
//! Who may see and change what is decided by the app layer (`App::delivery_for_case_as`,
//! `App::choose_delivery_as`, `App::record_pickup`); these handlers parse, call and render.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::CaseDetail;
use zerotrip_app::delivery::{DeliveryMethod, DeliveryStatus, DeliveryView, MailAddress};
use zerotrip_app::{App, AppError, FieldError};
use zerotrip_core::access::Role;
use zerotrip_core::regions::DivisionTree;

use super::account::{Applicant, FieldErrors, layout_for};
use super::cases::FormRow;
use super::context::{Layout, OptionGroup, PageCtx, PageForm, SelectOption, china_time, render};
use super::workbench::no_store;
use crate::error::{PageError, PageResult};
use crate::security::StaffPage;
use crate::state::AppState;

/// Shows the mail address only while 邮寄送达 is chosen (the page works without it).
pub const DELIVERY_JS: &str = include_str!("../../static/delivery.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/delivery", get(change_form).post(change))
        .route("/workbench/cases/{id}/delivery/pickup", post(pickup))
        .layer(axum::middleware::map_response(no_store))
        .route("/static/delivery.js", get(script))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DELIVERY_JS,
    )
        .into_response()
}

/// The form keys of the mail address, in the order of [`MailAddress`].
const RECIPIENT: &str = "mail_recipient_name";
const PHONE: &str = "mail_phone";
const REGION: &str = "mail_region_code";
const DETAIL: &str = "mail_detail";
const POSTAL_CODE: &str = "mail_postal_code";

fn is_mail_field(key: &str) -> bool {
    key.starts_with("mail_")
}

/// The form values to save: the mail address only when the result is to be mailed.
pub fn drop_unused_mail_fields(
    mut values: std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    if values.get("delivery_method").map(String::as_str) != Some(DeliveryMethod::Mail.as_str()) {
        values.retain(|key, _| !is_mail_field(key));
    }
    values
}

/// The 申请表 rows as the case pages show them: the mail address only for a mailed result, the
/// region by its name, the recipient's name masked.
pub fn refine_form_rows(rows: &mut Vec<FormRow>, detail: &CaseDetail, app: &App) {
    let mailed = detail.form.get("delivery_method").map(String::as_str)
        == Some(DeliveryMethod::Mail.as_str());
    if !mailed {
        rows.retain(|row| !is_mail_field(&row.key));
        return;
    }
    let tree = app.regions();
    for row in rows.iter_mut() {
        let Some(value) = detail.form.get(&row.key) else {
            continue;
        };
        match row.key.as_str() {
            REGION => {
                if let Some(division) = tree.find(value) {
                    row.value = tree.full_name(&division.code);
                }
            }
            RECIPIENT => row.value = zerotrip_core::privacy::mask_name(value),
            _ => {}
        }
    }
}

/// Hainan's county-level units for the region select, grouped by city; `current` is selected
/// (and listed, when it is a township).
fn region_groups(tree: &DivisionTree, current: &str) -> Vec<OptionGroup> {
    let mut groups: Vec<OptionGroup> = Vec::new();
    for unit in tree.county_level_units() {
        let parent = unit.parent.as_ref().and_then(|code| tree.get(code));
        let label = match parent {
            Some(city) if city.code != tree.province().code => city.name.clone(),
            _ => unit.name.clone(),
        };
        let option = SelectOption::new(unit.code.to_string(), unit.name.clone(), current);
        match groups.iter_mut().find(|group| group.label == label) {
            Some(group) => group.options.push(option),
            None => groups.push(OptionGroup {
                label,
                options: vec![option],
            }),
        }
    }
    let listed = groups
        .iter()
        .any(|group| group.options.iter().any(|option| option.selected));
    if !listed && let Some(division) = tree.find(current) {
        groups.insert(
            0,
            OptionGroup {
                label: "已填写的地区".to_owned(),
                options: vec![SelectOption::new(
                    division.code.to_string(),
                    super::context::short_region_name(&tree.full_name(&division.code)),
                    current,
                )],
            },
        );
    }
    groups
}

/// Where a pickup is collected: the handling department's window from its implementation list.
#[derive(Debug, Clone)]
pub struct PickupPlace {
    pub department: String,
    pub address: String,
    pub window: Option<String>,
    pub hours: String,
    pub phone: String,
}

async fn pickup_place(app: &App, detail: &CaseDetail) -> Option<PickupPlace> {
    let implementations = app
        .item_implementations(&detail.summary.item_code)
        .await
        .ok()?;
    let found = implementations
        .into_iter()
        .find(|m| m.code == detail.implementation_code)?;
    Some(PickupPlace {
        department: detail.handling_department.clone(),
        address: found.local.address,
        window: found.local.window,
        hours: found.local.hours,
        phone: found.local.consult_phone,
    })
}

/// The delivery choice as a form: the method, the mail address, its errors, where to collect.
/// Input names are the form keys (`delivery_method`, `mail_*`); errors are keyed `form.<key>`.
#[derive(Debug, Clone, Default)]
pub struct ChoiceForm {
    pub methods: Vec<(String, String, bool)>,
    pub recipient_name: String,
    pub phone: String,
    pub detail: String,
    pub postal_code: String,
    pub regions: Vec<OptionGroup>,
    pub errors: FieldErrors,
    pub pickup: Option<PickupPlace>,
}

impl ChoiceForm {
    fn new(
        app: &App,
        values: &std::collections::BTreeMap<String, String>,
        errors: FieldErrors,
        pickup: Option<PickupPlace>,
    ) -> Self {
        let value = |key: &str| values.get(key).cloned().unwrap_or_default();
        let method = value("delivery_method");
        ChoiceForm {
            methods: [
                DeliveryMethod::Electronic,
                DeliveryMethod::Pickup,
                DeliveryMethod::Mail,
            ]
            .iter()
            .map(|m| {
                (
                    m.as_str().to_owned(),
                    m.label().to_owned(),
                    m.as_str() == method,
                )
            })
            .collect(),
            recipient_name: value(RECIPIENT),
            phone: value(PHONE),
            detail: value(DETAIL),
            postal_code: value(POSTAL_CODE),
            regions: region_groups(app.regions(), &value(REGION)),
            errors,
            pickup,
        }
    }

    /// The application form's part: the values and errors of the draft.
    pub async fn for_application(
        app: &App,
        detail: &CaseDetail,
        values: &std::collections::BTreeMap<String, String>,
        errors: &FieldErrors,
    ) -> Self {
        let pickup = pickup_place(app, detail).await;
        Self::new(app, values, errors.clone(), pickup)
    }

    /// The error of form key `key`.
    pub fn error(&self, key: &str) -> Option<&str> {
        self.errors.get(&format!("form.{key}"))
    }

    /// `aria-describedby` of an input: its hint and its error, when there are.
    pub fn described_by(&self, key: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("form-{key}-hint"));
        }
        if self.error(key).is_some() {
            ids.push(format!("form-{key}-error"));
        }
        ids.join(" ")
    }

    /// Problems with the address as a whole (e.g. none given for mail).
    pub fn address_error(&self) -> Option<&str> {
        self.error("mail_address")
    }
}

/// The method and address a change form sent.
fn submitted_choice(form: &PageForm) -> Result<(DeliveryMethod, Option<MailAddress>), AppError> {
    let method = DeliveryMethod::parse(&form.text("delivery_method"))
        .ok_or_else(|| AppError::field("form.delivery_method", "请选择结果送达方式"))?;
    if method != DeliveryMethod::Mail {
        return Ok((method, None));
    }
    let address = MailAddress {
        recipient_name: form.text(RECIPIENT),
        phone: form.text(PHONE),
        region_code: form.text(REGION),
        detail: form.text(DETAIL),
        postal_code: Some(form.text(POSTAL_CODE)).filter(|code| !code.is_empty()),
    };
    let given = address != MailAddress::default();
    Ok((method, given.then_some(address)))
}

/// The app names address fields as [`MailAddress`] does; the form keys carry `mail_`.
fn form_errors(error: &AppError) -> FieldErrors {
    let mut errors = FieldErrors::of(error);
    for field in &mut errors.0 {
        if field.field.is_empty() || field.field.starts_with("form.") {
            continue;
        }
        field.field = format!("form.mail_{}", field.field);
    }
    errors
}

/// One tracking or platform event, newest first on the pages.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub at: String,
    pub status_label: &'static str,
    pub description: String,
    pub location: Option<String>,
    pub by_courier: bool,
}

/// A delivery as the panels show it (recipient name and phone masked by the app layer).
#[derive(Debug, Clone)]
pub struct DeliveryPanel {
    pub method: &'static str,
    pub method_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub recipient_name: Option<String>,
    pub recipient_phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    /// The result is ready (released on 办结).
    pub released: bool,
    /// A pickup that is ready and not yet collected.
    pub awaiting_pickup: bool,
    pub ready: String,
    pub dispatched: String,
    pub delivered: String,
    pub last_error: Option<String>,
    /// What happened last, in words.
    pub latest: Option<String>,
    pub events: Vec<EventRow>,
}

impl DeliveryPanel {
    fn of(view: &DeliveryView) -> Self {
        let released = view.ready_at.is_some() || view.status != DeliveryStatus::Created;
        let status_label = match (view.method, view.status, released) {
            (_, DeliveryStatus::Created, false) => "待办结",
            (DeliveryMethod::Pickup, DeliveryStatus::Created, true) => "待领取",
            (DeliveryMethod::Mail, DeliveryStatus::Created, true) => {
                if view.tracking_number.is_some() {
                    "待揽收"
                } else {
                    "待寄出"
                }
            }
            _ => view.status_label,
        };
        let status_class = match view.status {
            DeliveryStatus::Delivered => "state-done",
            DeliveryStatus::Failed => "state-action",
            DeliveryStatus::Cancelled => "state-closed",
            DeliveryStatus::Created if !released => "state-draft",
            DeliveryStatus::Created if view.method == DeliveryMethod::Pickup => "state-action",
            _ => "state-active",
        };
        DeliveryPanel {
            method: view.method.as_str(),
            method_label: view.method_label,
            status_label,
            status_class,
            recipient_name: view.recipient_name.clone(),
            recipient_phone: view.recipient_phone.clone(),
            address: view.address.clone(),
            postal_code: view.postal_code.clone(),
            courier: view.courier.clone(),
            tracking_number: view.tracking_number.clone(),
            released,
            awaiting_pickup: view.method == DeliveryMethod::Pickup
                && view.status == DeliveryStatus::Created
                && released,
            ready: view.ready_at.map(china_time).unwrap_or_default(),
            dispatched: view.dispatched_at.map(china_time).unwrap_or_default(),
            delivered: view.delivered_at.map(china_time).unwrap_or_default(),
            last_error: view.last_error.clone(),
            latest: if released {
                view.events.last().map(|e| e.description.clone())
            } else {
                Some("办结后按所选方式送达办理结果。".to_owned())
            },
            events: view
                .events
                .iter()
                .rev()
                .map(|event| EventRow {
                    at: china_time(event.at),
                    status_label: event.status_label,
                    description: event.description.clone(),
                    location: event.location.clone(),
                    by_courier: event.source == "courier",
                })
                .collect(),
        }
    }

    pub fn is_mail(&self) -> bool {
        self.method == DeliveryMethod::Mail.as_str()
    }

    pub fn is_pickup(&self) -> bool {
        self.method == DeliveryMethod::Pickup.as_str()
    }
}

/// Staff roles that hand results over at the window (as `App::record_pickup` allows).
const PICKUP_ROLES: [Role; 4] = [
    Role::WindowClerk,
    Role::Reviewer,
    Role::Approver,
    Role::DepartmentAdmin,
];

/// The delivery of one case for the case and workbench pages; empty when the viewer may not see
/// it (an agent, staff of another department).
#[derive(Debug, Clone, Default)]
pub struct CaseDelivery {
    pub case_id: i64,
    pub visible: bool,
    pub current: Option<DeliveryPanel>,
    pub pickup: Option<PickupPlace>,
    /// The applicant may still change the choice (the result is not released).
    pub may_change: bool,
    /// The viewer may record that the applicant collected the result.
    pub may_record_pickup: bool,
    /// The change form (method and address), empty.
    pub form: ChoiceForm,
}

impl CaseDelivery {
    pub async fn load(
        state: &AppState,
        principal: &Principal,
        detail: &CaseDetail,
    ) -> PageResult<Self> {
        let app = &state.app;
        let case_id = detail.summary.id;
        let view = match app.delivery_for_case_as(principal, case_id).await {
            Ok(view) => view,
            Err(AppError::NotFound(_) | AppError::Forbidden(_)) => return Ok(Self::default()),
            Err(other) => return Err(other.into()),
        };
        let current = view.as_ref().map(DeliveryPanel::of);
        let method = view.as_ref().map(|v| v.method).or_else(|| {
            detail
                .delivery_method
                .as_deref()
                .and_then(DeliveryMethod::parse)
        });
        let pickup = if method == Some(DeliveryMethod::Pickup) {
            pickup_place(app, detail).await
        } else {
            None
        };
        let open = current.as_ref().is_none_or(|c| {
            !c.released
                && view
                    .as_ref()
                    .is_some_and(|v| v.status == DeliveryStatus::Created)
        });
        let may_change = open
            && !principal.is_staff()
            && detail.viewer_is_applicant
            && detail.summary.submitted_at.is_some()
            && detail.summary.outcome.is_none();
        let may_record_pickup = principal.is_staff()
            && PICKUP_ROLES.iter().any(|role| principal.has_role(*role))
            && view.as_ref().is_some_and(|v| {
                v.method == DeliveryMethod::Pickup
                    && v.status == DeliveryStatus::Created
                    && v.ready_at.is_some()
            });
        let mut values = std::collections::BTreeMap::new();
        if let Some(method) = method {
            values.insert("delivery_method".to_owned(), method.as_str().to_owned());
        }
        // The address is typed afresh: the pages show a stored one only masked.
        let form = if may_change {
            ChoiceForm::new(app, &values, FieldErrors::default(), pickup.clone())
        } else {
            ChoiceForm::default()
        };
        Ok(CaseDelivery {
            case_id,
            visible: true,
            current,
            pickup,
            may_change,
            may_record_pickup,
            form,
        })
    }
}

impl CaseDelivery {
    /// The result waits at the window for the applicant.
    pub fn awaits_pickup(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.awaiting_pickup)
    }
}

// ---- the applicant changes the choice ----

#[derive(Template)]
#[template(path = "delivery/change.html")]
struct ChangePage {
    layout: Layout,
    case_id: i64,
    number: String,
    item_name: String,
    current: Option<DeliveryPanel>,
    errors: FieldErrors,
    choice: ChoiceForm,
}

#[allow(clippy::too_many_arguments)]
async fn change_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    detail: &CaseDetail,
    delivery: CaseDelivery,
    status: StatusCode,
    values: Option<&PageForm>,
    errors: FieldErrors,
) -> PageResult<Response> {
    // Where to collect, whichever method is chosen now: the applicant may switch to pickup.
    let pickup = match delivery.pickup {
        Some(place) => Some(place),
        None => pickup_place(&state.app, detail).await,
    };
    let form = match values {
        Some(sent) => {
            let values = sent
                .0
                .iter()
                .filter(|(key, _)| key == "delivery_method" || is_mail_field(key))
                .map(|(key, value)| (key.clone(), value.trim().to_owned()))
                .collect();
            ChoiceForm::new(&state.app, &values, errors, pickup)
        }
        None => ChoiceForm {
            errors,
            pickup,
            ..delivery.form
        },
    };
    let page = ChangePage {
        layout: layout_for(ctx, "更改结果送达方式", principal),
        case_id: detail.summary.id,
        number: detail.summary.number.clone(),
        item_name: detail.summary.item_name.clone(),
        current: delivery.current,
        errors: form.errors.clone(),
        choice: form,
    };
    Ok(render(status, &page))
}

/// The applicant's case, with its delivery, if the choice can still be changed.
async fn changeable(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> PageResult<(CaseDetail, CaseDelivery)> {
    let detail = state.app.case_detail(principal, id).await?;
    let delivery = CaseDelivery::load(state, principal, &detail).await?;
    if !delivery.visible {
        return Err(PageError(AppError::not_found("办件不存在")));
    }
    if !delivery.may_change {
        return Err(PageError(AppError::conflict(
            "办理结果已开始送达或办件已结束，不能再更改送达方式",
        )));
    }
    Ok((detail, delivery))
}

async fn change_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let (detail, delivery) = changeable(&state, &principal, id).await?;
    change_page(
        &state,
        &ctx,
        &principal,
        &detail,
        delivery,
        StatusCode::OK,
        None,
        FieldErrors::default(),
    )
    .await
}

async fn change(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let outcome = match submitted_choice(&form) {
        Ok((method, address)) => state
            .app
            .choose_delivery_as(&principal, id, method, address.as_ref())
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/cases/{id}?done=delivery#h-delivery")).into_response())
        }
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let detail = state.app.case_detail(&principal, id).await?;
            let delivery = CaseDelivery::load(&state, &principal, &detail).await?;
            if !delivery.visible {
                return Err(PageError(AppError::not_found("办件不存在")));
            }
            let errors = match &error {
                AppError::Invalid { .. } => form_errors(&error),
                other => FieldErrors(vec![FieldError::new("", other.public_message())]),
            };
            change_page(
                &state,
                &ctx,
                &principal,
                &detail,
                delivery,
                crate::error::status_of(&error),
                Some(&form),
                errors,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- staff record a pickup ----

async fn pickup(
    State(state): State<AppState>,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    state.app.record_pickup(&principal, id).await?;
    Ok(Redirect::to(&format!("/workbench/cases/{id}?done=pickup#h-delivery")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_grouped_by_city_with_the_current_one_selected() {
        let tree = DivisionTree::hainan();
        let groups = region_groups(tree, "460106");
        let haikou = groups.iter().find(|g| g.label == "海口市").unwrap();
        assert!(
            haikou
                .options
                .iter()
                .any(|o| o.label == "龙华区" && o.selected)
        );
        let count: usize = groups.iter().map(|g| g.options.len()).sum();
        assert_eq!(count, tree.county_level_units().len());
        // A township given through the API is kept and shown.
        let township = tree.townships()[0].code.to_string();
        let groups = region_groups(tree, &township);
        assert!(groups[0].options[0].selected);
    }

    #[test]
    fn address_errors_take_the_form_keys() {
        let error = AppError::invalid(
            "邮寄地址有误",
            vec![
                FieldError::new("phone", "手机号码有误"),
                FieldError::new("form.delivery_method", "请选择"),
            ],
        );
        let errors = form_errors(&error);
        assert_eq!(errors.0[0].field, "form.mail_phone");
        assert_eq!(errors.0[1].field, "form.delivery_method");
        let missing = form_errors(&AppError::field("address", "邮寄送达须填写收件地址"));
        assert_eq!(missing.0[0].field, "form.mail_address");
    }

    #[test]
    fn the_mail_address_is_kept_only_for_mail() {
        let mut values = std::collections::BTreeMap::new();
        values.insert("delivery_method".to_owned(), "pickup".to_owned());
        values.insert(PHONE.to_owned(), "13800138000".to_owned());
        values.insert("description".to_owned(), "说明".to_owned());
        let kept = drop_unused_mail_fields(values.clone());
        assert_eq!(kept.len(), 2);
        values.insert("delivery_method".to_owned(), "mail".to_owned());
        assert_eq!(drop_unused_mail_fields(values).len(), 3);
    }
}
