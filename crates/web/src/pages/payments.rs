//! Fees of charged items on the pages: the payment panel of the applicant's case page (what is
//! owed, the 去缴费 button, the payment record), the local payment provider's cashier page
//! (`/pay/local/{token}`: the order, 确认支付, the result and the way back to the case), and for
//! staff of the handling department the payment panel of the workbench case, the refund form and
//! the reconciliation page. Who may see, pay and refund what is decided by the app layer
//! (`App::payment_orders_for`, `App::start_payment`, `App::refund`, `App::reconciliation`);
//! these handlers only parse, call and render.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use zerotrip_app::auth::Principal;
use zerotrip_app::payments::{
    LocalCheckout, LocalPaymentProvider, MismatchKind, PaymentOrder, PaymentStatus, REFUND_ROLES,
    Reconciliation, Refund,
};
use zerotrip_app::{App, AppError, AppResult, FieldError};

use super::account::{Applicant, FieldErrors};
use super::context::{Layout, PageCtx, PageForm, PageQuery, china_time, chinese_date, render};
use super::workbench::{no_store, staff_layout};
use crate::error::{PageError, PageResult};
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payments/{order_no}/pay", post(pay))
        .route("/pay/local/{token}", get(cashier).post(confirm))
        .route(
            "/workbench/payments/reconciliation",
            get(reconciliation_page),
        )
        .route(
            "/workbench/payments/{order_no}/refund",
            get(refund_form).post(refund),
        )
        .layer(axum::middleware::map_response(no_store))
}

/// The payment provider behind the pages and the API. The platform ships the local provider
/// (its state lives in the database, so a fresh handle per request is the same provider); a
/// real gateway would be chosen here.
pub(crate) fn provider(state: &AppState) -> LocalPaymentProvider {
    LocalPaymentProvider::new(state.app.clone())
}

/// The longest order number accepted in a path (ours are `ZF` + date + eight digits).
const MAX_ORDER_NO_CHARS: usize = 64;

/// The id and case of the order numbered `order_no`, "not found" when there is none. This only
/// resolves the number: whether the caller may see, pay or refund the order is decided by the
/// use case that is called with the id, which answers "not found" to those who may not see it.
pub(crate) async fn order_by_no(app: &App, order_no: &str) -> AppResult<(i64, i64)> {
    let plausible = !order_no.is_empty()
        && order_no.len() <= MAX_ORDER_NO_CHARS
        && order_no.bytes().all(|b| b.is_ascii_alphanumeric());
    if !plausible {
        return Err(AppError::not_found("订单不存在"));
    }
    let found =
        zerotrip_store::payments::orders_by_numbers(&app.db, &[order_no.to_owned()]).await?;
    found
        .into_iter()
        .find(|order| order.order_no == order_no)
        .map(|order| (order.id, order.case_id))
        .ok_or_else(|| AppError::not_found("订单不存在"))
}

/// Where the provider sends the payer: a path on this site, or the gateway's HTTPS cashier.
fn pay_target(url: &str) -> AppResult<&str> {
    let local = super::context::safe_path(url) == url && url != "/";
    if local || url.starts_with("https://") {
        Ok(url)
    } else {
        Err(AppError::internal(format!(
            "支付渠道返回的支付地址无效：{url}"
        )))
    }
}

fn order_class(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Created => "state-action",
        PaymentStatus::Paid => "state-done",
        PaymentStatus::Refunded | PaymentStatus::Closed => "state-closed",
    }
}

fn refund_class(status: &str) -> &'static str {
    match status {
        "succeeded" => "state-done",
        "failed" => "state-action",
        _ => "state-active",
    }
}

/// A refund as pages show it.
#[derive(Debug, Clone)]
pub struct RefundView {
    pub refund_no: String,
    pub amount: String,
    pub reason: String,
    pub requested_by: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub requested: String,
    pub completed: String,
    pub last_error: Option<String>,
    pub active: bool,
}

impl RefundView {
    fn of(refund: &Refund) -> Self {
        RefundView {
            refund_no: refund.refund_no.clone(),
            amount: refund.amount_label.clone(),
            reason: refund.reason.clone(),
            requested_by: refund.requested_by.clone(),
            status_label: refund.status_label,
            status_class: refund_class(&refund.status),
            requested: china_time(refund.requested_at),
            completed: refund.completed_at.map(china_time).unwrap_or_default(),
            last_error: refund.last_error.clone(),
            active: refund.status != "failed",
        }
    }
}

/// An order as pages show it.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order_no: String,
    pub case_id: i64,
    pub description: String,
    pub amount: String,
    pub amount_fen: i64,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub created: String,
    pub expires: String,
    pub paid: String,
    pub refunded: String,
    pub closed: String,
    pub close_reason: Option<String>,
    pub trade_no: Option<String>,
    /// Open and not yet expired: the applicant can pay it now.
    pub payable: bool,
    /// Open, but past its time to pay (the payments job closes it).
    pub expired: bool,
    pub paid_now: bool,
    pub refunds: Vec<RefundView>,
}

impl OrderView {
    fn of(order: &PaymentOrder, refunds: &[Refund], app: &App) -> Self {
        let open = order.status == PaymentStatus::Created;
        let expired = open && order.expires_at <= app.clock.now();
        OrderView {
            order_no: order.order_no.clone(),
            case_id: order.case_id,
            description: order.description.clone(),
            amount: order.amount_label.clone(),
            amount_fen: order.amount_fen,
            status_label: if expired {
                "已过缴费期限"
            } else {
                order.status_label
            },
            status_class: order_class(order.status),
            created: china_time(order.created_at),
            expires: china_time(order.expires_at),
            paid: order.paid_at.map(china_time).unwrap_or_default(),
            refunded: order.refunded_at.map(china_time).unwrap_or_default(),
            closed: order.closed_at.map(china_time).unwrap_or_default(),
            close_reason: order.close_reason.clone(),
            trade_no: order.provider_trade_no.clone(),
            payable: open && !expired,
            expired,
            paid_now: order.status == PaymentStatus::Paid,
            refunds: refunds.iter().map(RefundView::of).collect(),
        }
    }

    /// Paid, with no refund under way or done: staff may ask for one.
    pub fn refundable(&self) -> bool {
        self.paid_now && !self.refunds.iter().any(|r| r.active)
    }
}

/// The fees of one case, as far as the viewer may see them (nothing when they may not).
#[derive(Debug, Clone, Default)]
pub struct CasePayments {
    pub orders: Vec<OrderView>,
    /// The viewer holds a role that may refund (the app layer checks the department).
    pub may_refund: bool,
}

impl CasePayments {
    /// The case's orders with their refunds, for the case and workbench pages. A viewer the app
    /// layer does not show payments to (an agent, staff of another department) gets none.
    pub async fn load(state: &AppState, principal: &Principal, case_id: i64) -> PageResult<Self> {
        let app = &state.app;
        let orders = match app.payment_orders_for(principal, case_id).await {
            Ok(orders) => orders,
            Err(AppError::NotFound(_) | AppError::Forbidden(_)) => return Ok(Self::default()),
            Err(other) => return Err(other.into()),
        };
        let mut views = Vec::with_capacity(orders.len());
        for order in &orders {
            let (order, refunds) = app.payment_order(principal, order.id).await?;
            views.push(OrderView::of(&order, &refunds, app));
        }
        Ok(CasePayments {
            orders: views,
            may_refund: principal.is_staff()
                && REFUND_ROLES.iter().any(|role| principal.has_role(*role)),
        })
    }

    /// Orders the applicant can pay now.
    pub fn due(&self) -> Vec<&OrderView> {
        self.orders.iter().filter(|o| o.payable).collect()
    }

    pub fn has_due(&self) -> bool {
        self.orders.iter().any(|o| o.payable)
    }

    /// The sum of what can be paid now, e.g. `40.00 元`.
    pub fn due_total(&self) -> String {
        zerotrip_app::notify::templates::yuan(
            self.orders
                .iter()
                .filter(|o| o.payable)
                .map(|o| o.amount_fen)
                .sum(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

// ---- 去缴费 ----

/// The applicant's 去缴费 button: asks the provider to prepare the payment and sends the payer
/// to its cashier.
async fn pay(
    State(state): State<AppState>,
    Applicant(principal): Applicant,
    Path(order_no): Path<String>,
) -> PageResult<Response> {
    let (order_id, _) = order_by_no(&state.app, &order_no).await?;
    let provider = provider(&state);
    let (_, prepared) = state
        .app
        .start_payment(&principal, order_id, &provider)
        .await?;
    Ok(Redirect::to(pay_target(&prepared.pay_url)?).into_response())
}

// ---- the local provider's cashier ----

#[derive(Template)]
#[template(path = "payments/cashier.html")]
struct CashierPage {
    layout: Layout,
    checkout: LocalCheckout,
    token: String,
    /// The case page to go back to.
    case_href: Option<String>,
    /// The platform has not acknowledged the payment yet (the provider keeps notifying).
    confirming: bool,
    errors: FieldErrors,
}

async fn cashier_page(
    state: &AppState,
    ctx: &PageCtx,
    token: &str,
    status: StatusCode,
    errors: FieldErrors,
) -> PageResult<Response> {
    let checkout = provider(state).cashier(token).await?;
    let case_id = order_by_no(&state.app, &checkout.order_no)
        .await
        .ok()
        .map(|(_, case_id)| case_id);
    // Paid at the provider while the platform still has the order open: the notification has
    // not been acknowledged yet (the provider retries it).
    let confirming = match (checkout.status.as_str(), case_id) {
        ("paid", Some(case_id)) => state
            .app
            .payment_orders_for_case(case_id)
            .await?
            .iter()
            .any(|o| o.order_no == checkout.order_no && o.status == PaymentStatus::Created),
        _ => false,
    };
    let case_href = case_id.map(|id| format!("/cases/{id}"));
    let page = CashierPage {
        layout: ctx.layout("收银台", ""),
        token: token.to_owned(),
        checkout,
        case_href,
        confirming,
        errors,
    };
    Ok(render(status, &page))
}

/// The cashier: the order and its amount, 确认支付; after paying, the result and the way back.
async fn cashier(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> PageResult<Response> {
    cashier_page(&state, &ctx, &token, StatusCode::OK, FieldErrors::default()).await
}

/// 确认支付: the provider books the payment and notifies the platform at once.
async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
    _form: PageForm,
) -> PageResult<Response> {
    match provider(&state).confirm(&token).await {
        Ok(_) => Ok(Redirect::to(&format!("/pay/local/{token}")).into_response()),
        Err(error @ AppError::Conflict(_)) => {
            cashier_page(
                &state,
                &ctx,
                &token,
                StatusCode::CONFLICT,
                FieldErrors::of(&error),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- refunds (staff) ----

#[derive(Template)]
#[template(path = "payments/refund.html")]
struct RefundPage {
    layout: Layout,
    order: OrderView,
    reason: String,
    errors: FieldErrors,
}

async fn refund_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    order_no: &str,
    status: StatusCode,
    reason: String,
    errors: FieldErrors,
) -> PageResult<Response> {
    let (order_id, _) = order_by_no(&state.app, order_no).await?;
    let (order, refunds) = state.app.payment_order(principal, order_id).await?;
    let page = RefundPage {
        layout: staff_layout(ctx, "申请退款", principal),
        order: OrderView::of(&order, &refunds, &state.app),
        reason,
        errors,
    };
    Ok(render(status, &page))
}

async fn refund_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(order_no): Path<String>,
) -> PageResult<Response> {
    refund_page(
        &state,
        &ctx,
        &principal,
        &order_no,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

async fn refund(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(order_no): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let reason = form.text("reason");
    let (order_id, case_id) = order_by_no(&state.app, &order_no).await?;
    let outcome = if form.checked("confirm") {
        state
            .app
            .refund(&principal, order_id, &reason)
            .await
            .map(|_| ())
    } else {
        Err(AppError::field("confirm", "请勾选确认退款"))
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/workbench/cases/{case_id}?done=refund")).into_response())
        }
        Err(
            error @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => {
            let status = crate::error::status_of(&error);
            refund_page(
                &state,
                &ctx,
                &principal,
                &order_no,
                status,
                reason,
                FieldErrors::of(&error),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- reconciliation (staff) ----

#[derive(Debug, Clone)]
struct TotalRow {
    label: &'static str,
    count: i64,
    amount: String,
}

#[derive(Debug, Clone)]
struct MismatchRow {
    label: &'static str,
    /// The kind calls for money to be returned or chased, not just a record corrected.
    serious: bool,
    order_no: String,
    refund_no: String,
    trade_no: String,
    ours: String,
    provider: String,
}

#[derive(Debug, Clone)]
struct ReconciliationView {
    period: String,
    scope: String,
    order_totals: Vec<TotalRow>,
    refund_totals: Vec<TotalRow>,
    received: String,
    refunded: String,
    net: String,
    provider: Option<String>,
    provider_received: String,
    provider_refunded: String,
    mismatches: Vec<MismatchRow>,
    orders: Vec<OrderView>,
    refunds: Vec<RefundView>,
}

fn yuan(fen: i64) -> String {
    zerotrip_app::notify::templates::yuan(fen)
}

impl ReconciliationView {
    fn of(books: &Reconciliation, app: &App) -> Self {
        let totals = |rows: &[zerotrip_app::payments::StatusTotal]| {
            rows.iter()
                .map(|t| TotalRow {
                    label: t.label,
                    count: t.count,
                    amount: t.amount_label.clone(),
                })
                .collect()
        };
        ReconciliationView {
            period: format!("{} 至 {}", chinese_date(books.from), chinese_date(books.to)),
            scope: match books.department_id {
                None => "全省".to_owned(),
                Some(_) => "本部门办理的办件".to_owned(),
            },
            order_totals: totals(&books.order_totals),
            refund_totals: totals(&books.refund_totals),
            received: yuan(books.received_fen),
            refunded: yuan(books.refunded_fen),
            net: yuan(books.net_fen),
            provider: books.provider.clone().map(|name| match name.as_str() {
                LocalPaymentProvider::NAME => "本地支付渠道".to_owned(),
                _ => name,
            }),
            provider_received: books.provider_received_fen.map(yuan).unwrap_or_default(),
            provider_refunded: books.provider_refunded_fen.map(yuan).unwrap_or_default(),
            mismatches: books
                .mismatches
                .iter()
                .map(|m| MismatchRow {
                    label: m.label,
                    serious: matches!(
                        m.kind,
                        MismatchKind::NotPaidOnPlatform
                            | MismatchKind::UnknownOrder
                            | MismatchKind::AmountDiffers
                            | MismatchKind::RefundAmountDiffers
                    ),
                    order_no: m.order_no.clone().unwrap_or_default(),
                    refund_no: m.refund_no.clone().unwrap_or_default(),
                    trade_no: m.trade_no.clone().unwrap_or_default(),
                    ours: m.ours_fen.map(yuan).unwrap_or_else(|| "—".to_owned()),
                    provider: m.provider_fen.map(yuan).unwrap_or_else(|| "—".to_owned()),
                })
                .collect(),
            orders: books
                .orders
                .iter()
                .map(|o| OrderView::of(o, &[], app))
                .collect(),
            refunds: books.refunds.iter().map(RefundView::of).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "payments/reconciliation.html")]
struct ReconciliationPage {
    layout: Layout,
    from: String,
    to: String,
    compare: bool,
    errors: FieldErrors,
    books: Option<ReconciliationView>,
}

/// Today in China Standard Time.
pub(crate) fn china_today(app: &App) -> NaiveDate {
    (app.clock.now() + Duration::hours(8)).date_naive()
}

/// A `YYYY-MM-DD` query value, or a field error.
pub(crate) fn parse_date(
    value: Option<String>,
    field: &str,
    default: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> NaiveDate {
    match value {
        None => default,
        Some(text) => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => date,
            Err(_) => {
                errors.push(FieldError::new(
                    field,
                    format!("日期“{text}”应写作 年-月-日，如 2026-03-01"),
                ));
                default
            }
        },
    }
}

/// The period's orders, refunds and totals, compared with the provider's statement.
async fn reconciliation_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let today = china_today(&state.app);
    let mut errors = Vec::new();
    let to = parse_date(query.text("to"), "to", today, &mut errors);
    let from = parse_date(
        query.text("from"),
        "from",
        to - Duration::days(29),
        &mut errors,
    );
    // The form's checkbox: compare unless the form was sent without it.
    let compare = query.text("compare").is_some() || query.text("from").is_none();
    let provider = provider(&state);
    let (status, books) = if errors.is_empty() {
        let compared: Option<&dyn zerotrip_app::payments::PaymentProvider> =
            compare.then_some(&provider as _);
        match state
            .app
            .reconciliation(&principal, from, to, compared)
            .await
        {
            Ok(books) => (
                StatusCode::OK,
                Some(ReconciliationView::of(&books, &state.app)),
            ),
            Err(error @ AppError::Invalid { .. }) => {
                errors.extend(FieldErrors::of(&error).0);
                (StatusCode::BAD_REQUEST, None)
            }
            Err(other) => return Err(PageError(other)),
        }
    } else {
        (StatusCode::BAD_REQUEST, None)
    };
    let page = ReconciliationPage {
        layout: ctx.staff_layout("缴费对账", "payments", &principal),
        from: query.text("from").unwrap_or_else(|| from.to_string()),
        to: query.text("to").unwrap_or_else(|| to.to_string()),
        compare,
        errors: FieldErrors(errors),
        books,
    };
    Ok(render(status, &page))
}
