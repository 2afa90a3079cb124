//! The payment provider port: what the platform asks of a payment gateway.

use chrono::{DateTime, Utc};

pub use crate::notify::sms::ProviderFuture;

/// A payment to prepare for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub order_no: String,
    pub amount_fen: i64,
    pub description: String,
    pub expires_at: DateTime<Utc>,
}

/// Where to send the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPayment {
    /// A path on this platform (local provider) or the gateway's cashier URL.
    pub pay_url: String,
}

/// A refund to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Our refund number: a provider that sees it twice refunds once.
    pub refund_no: String,
    pub order_no: String,
    pub trade_no: String,
    pub amount_fen: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefund {
    pub provider_refund_no: String,
}

/// Why a provider call did not succeed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentProviderError {
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

/// A payment in the provider's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPayment {
    pub order_no: String,
    pub trade_no: String,
    pub amount_fen: i64,
    pub paid_at: DateTime<Utc>,
}

/// A refund in the provider's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRefund {
    pub refund_no: String,
    pub trade_no: String,
    pub provider_refund_no: String,
    pub amount_fen: i64,
    pub refunded_at: DateTime<Utc>,
}

/// What the provider booked in a period (对账单).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderStatement {
    pub payments: Vec<StatementPayment>,
    pub refunds: Vec<StatementRefund>,
}

/// A payment gateway. Payment results arrive as signed callbacks handled by
/// [`crate::App::handle_payment_callback`].
pub trait PaymentProvider: Send + Sync {
    /// A stable name, stored with every order it was paid through.
    fn name(&self) -> &str;
    /// Prepares the payment of an order (idempotent per order) and says where the payer goes.
    fn prepare<'a>(
        &'a self,
        request: &'a PaymentRequest,
    ) -> ProviderFuture<'a, Result<PreparedPayment, PaymentProviderError>>;
    /// Stops an unpaid order from being paid (idempotent).
    fn close<'a>(
        &'a self,
        order_no: &'a str,
    ) -> ProviderFuture<'a, Result<(), PaymentProviderError>>;
    /// Refunds (idempotent per refund number).
    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> ProviderFuture<'a, Result<ProviderRefund, PaymentProviderError>>;
    /// The statement of `[from, to)`.
    fn statement<'a>(
        &'a self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ProviderFuture<'a, Result<ProviderStatement, PaymentProviderError>>;
}
