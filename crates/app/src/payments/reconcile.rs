//! Reconciliation (对账): a period's orders and refunds with totals per status, compared with
//! the provider's statement of the same period.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use zerotrip_core::access::Role;
use zerotrip_store::notifications as case_store;
use zerotrip_store::payments::{self as store, PaymentOrderRow};

use super::provider::{PaymentProvider, ProviderStatement};
use super::{PaymentOrder, PaymentStatus, Refund, refund_status_label};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::notify::templates::yuan;

/// The longest period one reconciliation covers.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Count and amount of one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusTotal {
    pub status: String,
    pub label: &'static str,
    pub count: i64,
    pub amount_fen: i64,
    pub amount_label: String,
}

/// What differs between our books and the provider's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    /// We consider it paid; the provider has no such payment.
    MissingAtProvider,
    /// The provider collected it; our order is not paid (closed, or the callback never came).
    NotPaidOnPlatform,
    /// The provider collected money for an order we do not know.
    UnknownOrder,
    AmountDiffers,
    TradeNoDiffers,
    /// We consider the refund done; the provider has none.
    RefundMissingAtProvider,
    /// The provider refunded; our refund is not marked done (or unknown).
    RefundNotDoneOnPlatform,
    RefundAmountDiffers,
}

impl MismatchKind {
    pub fn label(self) -> &'static str {
        match self {
            MismatchKind::MissingAtProvider => "平台已支付，渠道无记录",
            MismatchKind::NotPaidOnPlatform => "渠道已收款，平台未确认支付",
            MismatchKind::UnknownOrder => "渠道收款的订单在平台不存在",
            MismatchKind::AmountDiffers => "金额不一致",
            MismatchKind::TradeNoDiffers => "交易号不一致",
            MismatchKind::RefundMissingAtProvider => "平台已退款，渠道无记录",
            MismatchKind::RefundNotDoneOnPlatform => "渠道已退款，平台未确认退款",
            MismatchKind::RefundAmountDiffers => "退款金额不一致",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub kind: MismatchKind,
    pub label: &'static str,
    pub order_no: Option<String>,
    pub refund_no: Option<String>,
    pub trade_no: Option<String>,
    /// Our amount, in 分.
    pub ours_fen: Option<i64>,
    /// The provider's amount, in 分.
    pub provider_fen: Option<i64>,
}

impl Mismatch {
    fn new(kind: MismatchKind) -> Self {
        Mismatch {
            kind,
            label: kind.label(),
            order_no: None,
            refund_no: None,
            trade_no: None,
            ours_fen: None,
            provider_fen: None,
        }
    }
}

/// A period's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// China dates, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `None`: the whole province; otherwise one department's cases.
    pub department_id: Option<i64>,
    /// Orders created, paid, refunded or closed in the period.
    pub orders: Vec<PaymentOrder>,
    /// Refunds requested or completed in the period.
    pub refunds: Vec<Refund>,
    /// The listed orders per current status (every status, zero included).
    pub order_totals: Vec<StatusTotal>,
    /// The listed refunds per status.
    pub refund_totals: Vec<StatusTotal>,
    /// Paid in the period (whatever happened later).
    pub received_fen: i64,
    /// Refunded (confirmed by the provider) in the period.
    pub refunded_fen: i64,
    pub net_fen: i64,
    /// The provider compared with, if any.
    pub provider: Option<String>,
    pub provider_received_fen: Option<i64>,
    pub provider_refunded_fen: Option<i64>,
    pub mismatches: Vec<Mismatch>,
}

/// `[from 00:00, to+1 00:00)` in China Standard Time, as UTC instants.
pub fn china_period(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start =
        |date: NaiveDate| date.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8);
    (start(from), start(to + Duration::days(1)))
}

fn in_period(at: Option<DateTime<Utc>>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    at.is_some_and(|at| at >= from && at < to)
}

impl App {
    /// The reconciliation of `[from, to]` (China dates, both included). Province
    /// administrators and auditors see the whole province; department administrators and
    /// approvers their department's cases. With a provider, its statement is compared with our
    /// books and every difference listed.
    pub async fn reconciliation(
        &self,
        principal: &Principal,
        from: NaiveDate,
        to: NaiveDate,
        provider: Option<&dyn PaymentProvider>,
    ) -> AppResult<Reconciliation> {
        let department_id =
            if principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor) {
                None
            } else if principal.is_staff()
                && (principal.has_role(Role::DepartmentAdmin) || principal.has_role(Role::Approver))
                && principal.department_id.is_some()
            {
                principal.department_id
            } else {
                return Err(AppError::forbidden(
                    "对账需要省级管理员、审计人员，或本部门的部门管理员、审批人员权限",
                ));
            };
        if to < from {
            return Err(AppError::field("to", "结束日期不能早于开始日期"));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(AppError::field(
                "to",
                format!("对账期间最长 {MAX_PERIOD_DAYS} 天"),
            ));
        }
        let (start, end) = china_period(from, to);
        let order_rows = store::orders_in_period(&self.db, start, end, department_id).await?;
        let refund_rows = store::refunds_in_period(&self.db, start, end, department_id).await?;

        let mut order_totals: BTreeMap<&'static str, (i64, i64)> = PaymentStatus::ALL
            .iter()
            .map(|status| (status.as_str(), (0, 0)))
            .collect();
        for order in &order_rows {
            if let Some(status) = PaymentStatus::parse(&order.status) {
                let entry = order_totals.entry(status.as_str()).or_default();
                entry.0 += 1;
                entry.1 += order.amount_fen;
            }
        }
        let mut refund_totals: BTreeMap<String, (i64, i64)> = ["requested", "succeeded", "failed"]
            .iter()
            .map(|status| ((*status).to_owned(), (0, 0)))
            .collect();
        for refund in &refund_rows {
            let entry = refund_totals.entry(refund.status.clone()).or_default();
            entry.0 += 1;
            entry.1 += refund.amount_fen;
        }
        let received_fen = order_rows
            .iter()
            .filter(|order| in_period(order.paid_at, start, end))
            .map(|order| order.amount_fen)
            .sum();
        let refunded_fen = refund_rows
            .iter()
            .filter(|refund| {
                refund.status == "succeeded" && in_period(refund.completed_at, start, end)
            })
            .map(|refund| refund.amount_fen)
            .sum();

        let mut reconciliation = Reconciliation {
            from,
            to,
            department_id,
            orders: Vec::new(),
            refunds: refund_rows.iter().cloned().map(Refund::from).collect(),
            order_totals: PaymentStatus::ALL
                .iter()
                .map(|status| {
                    let (count, amount_fen) = order_totals
                        .get(status.as_str())
                        .copied()
                        .unwrap_or_default();
                    StatusTotal {
                        status: status.as_str().to_owned(),
                        label: status.label(),
                        count,
                        amount_fen,
                        amount_label: yuan(amount_fen),
                    }
                })
                .collect(),
            refund_totals: refund_totals
                .into_iter()
                .map(|(status, (count, amount_fen))| StatusTotal {
                    label: refund_status_label(&status),
                    status,
                    count,
                    amount_fen,
                    amount_label: yuan(amount_fen),
                })
                .collect(),
            received_fen,
            refunded_fen,
            net_fen: received_fen - refunded_fen,
            provider: None,
            provider_received_fen: None,
            provider_refunded_fen: None,
            mismatches: Vec::new(),
        };
        if let Some(provider) = provider {
            let statement = provider
                .statement(start, end)
                .await
                .map_err(|error| AppError::internal(format!("无法获取支付渠道对账单：{error}")))?;
            reconciliation.provider = Some(provider.name().to_owned());
            reconciliation.mismatches = self
                .compare(
                    &order_rows,
                    &reconciliation.refunds,
                    &statement,
                    start,
                    end,
                    department_id,
                )
                .await?;
            reconciliation.provider_received_fen =
                Some(statement.payments.iter().map(|p| p.amount_fen).sum());
            reconciliation.provider_refunded_fen =
                Some(statement.refunds.iter().map(|r| r.amount_fen).sum());
        }
        reconciliation.orders = order_rows
            .into_iter()
            .map(PaymentOrder::try_from)
            .collect::<AppResult<_>>()?;
        Ok(reconciliation)
    }

    async fn compare(
        &self,
        orders: &[PaymentOrderRow],
        refunds: &[Refund],
        statement: &ProviderStatement,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        department_id: Option<i64>,
    ) -> AppResult<Vec<Mismatch>> {
        let mut mismatches = Vec::new();
        let paid_here: HashMap<&str, &PaymentOrderRow> = orders
            .iter()
            .filter(|order| in_period(order.paid_at, start, end))
            .map(|order| (order.order_no.as_str(), order))
            .collect();
        // Orders the provider reports that are not paid in the period on our side.
        let others: Vec<String> = statement
            .payments
            .iter()
            .filter(|payment| !paid_here.contains_key(payment.order_no.as_str()))
            .map(|payment| payment.order_no.clone())
            .collect();
        let known: HashMap<String, PaymentOrderRow> = store::orders_by_numbers(&self.db, &others)
            .await?
            .into_iter()
            .map(|order| (order.order_no.clone(), order))
            .collect();
        let mut departments: HashMap<i64, Option<i64>> = HashMap::new();
        let mut seen = HashSet::new();
        for payment in &statement.payments {
            seen.insert(payment.order_no.as_str());
            let ours = match paid_here.get(payment.order_no.as_str()) {
                Some(order) => Some(*order),
                None => known.get(&payment.order_no),
            };
            let Some(order) = ours else {
                if department_id.is_none() {
                    let mut mismatch = Mismatch::new(MismatchKind::UnknownOrder);
                    mismatch.order_no = Some(payment.order_no.clone());
                    mismatch.trade_no = Some(payment.trade_no.clone());
                    mismatch.provider_fen = Some(payment.amount_fen);
                    mismatches.push(mismatch);
                }
                continue;
            };
            if let Some(department) = department_id {
                let case_department = match departments.get(&order.case_id) {
                    Some(known) => *known,
                    None => {
                        let found = case_store::case_facts(&self.db, order.case_id)
                            .await?
                            .map(|case| case.handling_department_id);
                        departments.insert(order.case_id, found);
                        found
                    }
                };
                if case_department != Some(department) {
                    continue;
                }
            }
            let mut mismatch = |kind| {
                let mut mismatch = Mismatch::new(kind);
                mismatch.order_no = Some(order.order_no.clone());
                mismatch.trade_no = Some(payment.trade_no.clone());
                mismatch.ours_fen = Some(order.amount_fen);
                mismatch.provider_fen = Some(payment.amount_fen);
                mismatches.push(mismatch);
            };
            if !matches!(order.status.as_str(), "paid" | "refunded") {
                mismatch(MismatchKind::NotPaidOnPlatform);
                continue;
            }
            if order.amount_fen != payment.amount_fen {
                mismatch(MismatchKind::AmountDiffers);
            }
            if order.provider_trade_no.as_deref() != Some(payment.trade_no.as_str()) {
                mismatch(MismatchKind::TradeNoDiffers);
            }
        }
        for order in paid_here.values() {
            if !seen.contains(order.order_no.as_str()) {
                let mut mismatch = Mismatch::new(MismatchKind::MissingAtProvider);
                mismatch.order_no = Some(order.order_no.clone());
                mismatch.trade_no = order.provider_trade_no.clone();
                mismatch.ours_fen = Some(order.amount_fen);
                mismatches.push(mismatch);
            }
        }

        let our_refunds: HashMap<&str, &Refund> = refunds
            .iter()
            .map(|refund| (refund.refund_no.as_str(), refund))
            .collect();
        let department_trades: HashSet<&str> = orders
            .iter()
            .filter_map(|order| order.provider_trade_no.as_deref())
            .collect();
        let mut refunds_seen = HashSet::new();
        for line in &statement.refunds {
            refunds_seen.insert(line.refund_no.as_str());
            match our_refunds.get(line.refund_no.as_str()) {
                Some(refund) if refund.status == "succeeded" => {
                    if refund.amount_fen != line.amount_fen {
                        let mut mismatch = Mismatch::new(MismatchKind::RefundAmountDiffers);
                        mismatch.refund_no = Some(line.refund_no.clone());
                        mismatch.trade_no = Some(line.trade_no.clone());
                        mismatch.ours_fen = Some(refund.amount_fen);
                        mismatch.provider_fen = Some(line.amount_fen);
                        mismatches.push(mismatch);
                    }
                }
                ours => {
                    let relevant = ours.is_some()
                        || department_id.is_none()
                        || department_trades.contains(line.trade_no.as_str());
                    if relevant {
                        let mut mismatch = Mismatch::new(MismatchKind::RefundNotDoneOnPlatform);
                        mismatch.refund_no = Some(line.refund_no.clone());
                        mismatch.trade_no = Some(line.trade_no.clone());
                        mismatch.ours_fen = ours.map(|refund| refund.amount_fen);
                        mismatch.provider_fen = Some(line.amount_fen);
                        mismatches.push(mismatch);
                    }
                }
            }
        }
        for refund in refunds {
            if refund.status == "succeeded"
                && in_period(refund.completed_at, start, end)
                && !refunds_seen.contains(refund.refund_no.as_str())
            {
                let mut mismatch = Mismatch::new(MismatchKind::RefundMissingAtProvider);
                mismatch.refund_no = Some(refund.refund_no.clone());
                mismatch.ours_fen = Some(refund.amount_fen);
                mismatches.push(mismatch);
            }
        }
        mismatches.sort_by(|a, b| {
            (a.order_no.as_deref(), a.refund_no.as_deref())
                .cmp(&(b.order_no.as_deref(), b.refund_no.as_deref()))
        });
        Ok(mismatches)
    }
}
