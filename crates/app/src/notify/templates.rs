//! The texts of the notifications: an in-site message (title and body) and, where the news is
//! worth a text message, the SMS (the platform signature is added when it is queued).

use chrono::NaiveDate;

use crate::events::CaseEventPayload;

/// What to tell the applicant about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The SMS text without the signature, when one is sent.
    pub sms: Option<String>,
    /// The SMS purpose: `case.<action>`, `payment.<event>`, `delivery.<event>`.
    pub purpose: String,
}

/// `2026年12月18日`.
pub fn chinese_date(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// `12.50 元`.
pub fn yuan(amount_fen: i64) -> String {
    let sign = if amount_fen < 0 { "-" } else { "" };
    let fen = amount_fen.unsigned_abs();
    format!("{sign}{}.{:02} 元", fen / 100, fen % 100)
}

/// Facts the event itself does not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseContext {
    /// The promised completion date (承诺办结时间).
    pub deadline: Option<NaiveDate>,
    /// How the result reaches the applicant: `electronic`, `pickup` or `mail`.
    pub delivery_method: Option<String>,
}

fn reason(comment: &Option<String>) -> String {
    match comment.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text.trim_end_matches(['。', '.']).to_owned(),
        _ => "详见办件详情".to_owned(),
    }
}

/// The notice for a `case.submitted` or `case.action` event; `None` for steps inside the
/// department that the applicant need not hear about (审核, 退回上一步 …).
pub fn case_notice(event: &CaseEventPayload, context: &CaseContext) -> Option<Notice> {
    let item = &event.item_name;
    let number = &event.number;
    let subject = format!("您的【{item}】申请（办件编号 {number}）");
    let (title, body, sms): (&str, String, bool) = match event.action.as_str() {
        "submit" => (
            "申请已提交",
            format!("{subject}已提交，我们将尽快受理，请留意办理进度。"),
            true,
        ),
        "accept" => {
            let promise = match context.deadline {
                Some(deadline) => format!("，承诺 {} 前办结", chinese_date(deadline)),
                None => String::new(),
            };
            ("申请已受理", format!("{subject}已受理{promise}。"), true)
        }
        "reject" => (
            "申请不予受理",
            format!(
                "很抱歉，{subject}不予受理。原因：{}。如有疑问请咨询办理部门。",
                reason(&event.comment)
            ),
            true,
        ),
        "request_supplement" => {
            let materials = if event.materials.is_empty() {
                "详见办件详情".to_owned()
            } else {
                event.materials.join("、")
            };
            let note = match event.comment.as_deref().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    format!("说明：{}。", text.trim_end_matches(['。', '.']))
                }
                _ => String::new(),
            };
            (
                "请补正材料",
                format!(
                    "{subject}需补正以下材料：{materials}。{note}请登录平台补正后提交，补正期间办理时限暂停计算。"
                ),
                true,
            )
        }
        "supplement" => (
            "补正材料已收到",
            format!("{subject}的补正材料已收到，办理时限恢复计算。"),
            false,
        ),
        "return_to_applicant" => (
            "申请已退回",
            format!(
                "{subject}已退回，原因：{}。请修改后重新提交。",
                reason(&event.comment)
            ),
            true,
        ),
        "withdraw" => ("申请已撤回", format!("{subject}已撤回。"), true),
        "transfer" => (
            "申请已转办",
            format!(
                "{subject}已转至有权部门办理，原因：{}。",
                reason(&event.comment)
            ),
            false,
        ),
        "approve" => (
            "申请已批准",
            format!("{subject}已审批通过，正在制作办理结果。"),
            false,
        ),
        "deny" => (
            "申请不予批准",
            format!(
                "很抱歉，{subject}不予批准。原因：{}。如有异议，可依法申请行政复议或提起行政诉讼。",
                reason(&event.comment)
            ),
            true,
        ),
        "complete" => {
            let hint = match context.delivery_method.as_deref() {
                Some("electronic") => "办理结果可登录平台查看、下载。",
                Some("pickup") => "请携带有效身份证件到办理窗口领取办理结果。",
                Some("mail") => "办理结果将通过快递寄送，寄出后另行通知运单号。",
                _ => "请登录平台查看办理结果。",
            };
            ("申请已办结", format!("{subject}已办结。{hint}"), true)
        }
        "deliver" => (
            "办理结果已送达",
            format!("{subject}的办理结果已送达。欢迎对本次服务进行评价。"),
            true,
        ),
        "start_special_procedure" => (
            "进入特别程序",
            format!(
                "{subject}进入特别程序（{}），所需时间不计入办理时限。",
                reason(&event.comment)
            ),
            false,
        ),
        _ => return None,
    };
    Some(Notice {
        title: title.to_owned(),
        body: body.clone(),
        sms: sms.then_some(body),
        purpose: format!("case.{}", event.action),
    })
}

/// A fee to pay.
pub fn payment_due_notice(
    case_number: &str,
    item_name: &str,
    description: &str,
    amount_fen: i64,
) -> Notice {
    let body = format!(
        "您的【{item_name}】申请（办件编号 {case_number}）需缴纳{description} {}，请登录平台在线缴费。",
        yuan(amount_fen)
    );
    Notice {
        title: "请缴纳费用".to_owned(),
        body: body.clone(),
        sms: Some(body),
        purpose: "payment.due".to_owned(),
    }
}

pub fn payment_paid_notice(
    case_number: &str,
    item_name: &str,
    description: &str,
    amount_fen: i64,
) -> Notice {
    Notice {
        title: "缴费成功".to_owned(),
        body: format!(
            "您已成功缴纳【{item_name}】（办件编号 {case_number}）的{description} {}。",
            yuan(amount_fen)
        ),
        sms: None,
        purpose: "payment.paid".to_owned(),
    }
}

pub fn payment_refunded_notice(case_number: &str, item_name: &str, amount_fen: i64) -> Notice {
    let body = format!(
        "您为【{item_name}】（办件编号 {case_number}）缴纳的 {} 已原路退回，请留意到账信息。",
        yuan(amount_fen)
    );
    Notice {
        title: "费用已退还".to_owned(),
        body: body.clone(),
        sms: Some(body),
        purpose: "payment.refunded".to_owned(),
    }
}

pub fn delivery_dispatched_notice(
    case_number: &str,
    item_name: &str,
    courier: &str,
    tracking_number: &str,
) -> Notice {
    let body = format!(
        "您的【{item_name}】办理结果（办件编号 {case_number}）已由{courier}寄出，运单号 {tracking_number}。"
    );
    Notice {
        title: "办理结果已寄出".to_owned(),
        body: body.clone(),
        sms: Some(body),
        purpose: "delivery.dispatched".to_owned(),
    }
}

pub fn delivery_ready_for_pickup_notice(case_number: &str, item_name: &str) -> Notice {
    let body = format!(
        "您的【{item_name}】办理结果（办件编号 {case_number}）已可领取，请携带有效身份证件到办理窗口领取。"
    );
    Notice {
        title: "办理结果可领取".to_owned(),
        body: body.clone(),
        sms: Some(body),
        purpose: "delivery.ready".to_owned(),
    }
}

pub fn delivery_failed_notice(case_number: &str, item_name: &str, reason: &str) -> Notice {
    let body = format!(
        "您的【{item_name}】办理结果（办件编号 {case_number}）投递未成功：{reason}。请联系办理部门改约送达。"
    );
    Notice {
        title: "办理结果投递未成功".to_owned(),
        body: body.clone(),
        sms: Some(body),
        purpose: "delivery.failed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> CaseEventPayload {
        CaseEventPayload {
            case_id: 1,
            number: "HN20261203000001".to_owned(),
            item_code: "HN-GA-00001".to_owned(),
            item_name: "居民身份证换领".to_owned(),
            action: action.to_owned(),
            from_state: "submitted".to_owned(),
            to_state: "accepted".to_owned(),
            to_state_label: "已受理".to_owned(),
            outcome: None,
            applicant_account_id: 7,
            contact_phone: "13812345678".to_owned(),
            handling_department_id: 3,
            channel: "web".to_owned(),
            comment: None,
            materials: Vec::new(),
        }
    }

    #[test]
    fn acceptance_promises_the_date() {
        let context = CaseContext {
            deadline: NaiveDate::from_ymd_opt(2026, 12, 18),
            delivery_method: None,
        };
        let notice = case_notice(&event("accept"), &context).unwrap();
        assert_eq!(
            notice.sms.as_deref(),
            Some(
                "您的【居民身份证换领】申请（办件编号 HN20261203000001）已受理，承诺 2026年12月18日 前办结。"
            )
        );
    }

    #[test]
    fn supplement_lists_the_materials_and_rejection_the_reason() {
        let mut request = event("request_supplement");
        request.materials = vec!["户口簿".to_owned(), "近期免冠照片".to_owned()];
        let notice = case_notice(&request, &CaseContext::default()).unwrap();
        assert!(
            notice.body.contains("户口簿、近期免冠照片"),
            "{}",
            notice.body
        );
        let mut reject = event("reject");
        reject.comment = Some("不属于本部门职权范围。".to_owned());
        let notice = case_notice(&reject, &CaseContext::default()).unwrap();
        assert!(
            notice.body.contains("原因：不属于本部门职权范围。如有疑问"),
            "{}",
            notice.body
        );
        assert!(case_notice(&event("review"), &CaseContext::default()).is_none());
    }

    #[test]
    fn formats_money() {
        assert_eq!(yuan(1250), "12.50 元");
        assert_eq!(yuan(5), "0.05 元");
    }
}
