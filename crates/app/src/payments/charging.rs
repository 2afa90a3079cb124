//! Which fees a case owes: on 受理 of a charged item whose guide states one standard amount the
//! order is created in the same transaction; otherwise (several amounts, ranges, "按…核定")
//! staff of the handling department assess the fee (核定收费) with [`App::charge_case`].

use zerotrip_core::access::Role;
use zerotrip_store::Tx;
use zerotrip_store::cases::CaseRow;
use zerotrip_store::notifications as case_store;
use zerotrip_store::payments as store;

use super::{MAX_DESCRIPTION_CHARS, PaymentOrder, is_handling_staff};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// Roles that may assess a fee: the window that accepts and those who decide.
pub const CHARGE_ROLES: [Role; 3] = [Role::WindowClerk, Role::Approver, Role::DepartmentAdmin];

impl App {
    /// On 受理: the order for the item's one standard fee, unless the case already has one.
    /// Returns the new order's number.
    pub(crate) async fn charge_standard_fee(
        &self,
        tx: &mut Tx,
        row: &CaseRow,
    ) -> AppResult<Option<String>> {
        let detail = self.item_detail(&row.item_code).await?;
        let Some(fee) = detail.item.fee.as_ref() else {
            return Ok(None);
        };
        let Some(amount_fen) = fee.standard_amount_fen() else {
            return Ok(None);
        };
        if !store::orders_for_case_tx(tx, row.id).await?.is_empty() {
            return Ok(None);
        }
        let note = fee.amount_note.as_deref().unwrap_or_default().trim();
        let description: String = format!("办理费用（{note}）")
            .chars()
            .take(MAX_DESCRIPTION_CHARS)
            .collect();
        let order = self
            .create_payment_order(tx, row.id, amount_fen, &description)
            .await?;
        Ok(Some(order.order_no))
    }

    /// 核定收费: staff of the handling department charge a fee the guide does not fix (or a
    /// further one), in 分, with what it is for. The applicant is told through the outbox.
    pub async fn charge_case(
        &self,
        principal: &Principal,
        case_id: i64,
        amount_fen: i64,
        description: &str,
    ) -> AppResult<PaymentOrder> {
        let mut tx = self.db.begin().await?;
        let case = case_store::case_facts_tx(&mut tx, case_id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("办件 {case_id} 不存在")))?;
        if !is_handling_staff(principal, &case, &CHARGE_ROLES) {
            // Outside the handling department the case does not exist for the caller.
            if principal.is_staff() && principal.department_id == Some(case.handling_department_id)
            {
                return Err(AppError::forbidden(
                    "只有受理窗口、审批人员或部门管理员可以核定收费",
                ));
            }
            return Err(AppError::not_found(format!("办件 {case_id} 不存在")));
        }
        if matches!(
            case.state.as_str(),
            "draft" | "withdrawn" | "rejected" | "denied" | "delivered"
        ) {
            return Err(AppError::conflict("该办件当前不能收费"));
        }
        let order = self
            .create_payment_order(&mut tx, case_id, amount_fen, description)
            .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "payment.charge",
            &format!("case:{}", case.number),
            None,
            Some(&serde_json::json!({
                "order_no": order.order_no,
                "amount_fen": amount_fen,
                "description": description.trim(),
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(order)
    }
}
