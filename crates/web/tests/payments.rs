//! Fees over HTTP, on SQLite and PostgreSQL: a charged case is paid through the 去缴费 button and
//! the local cashier, and the provider's callback marks it paid; unsigned, tampered, stale and
//! replayed notifications are refused with a structured error and change nothing; another
//! citizen can neither see nor pay someone else's order; only approvers and department
//! administrators of the handling department refund; reconciliation is scoped by department.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use regex::Regex;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zerotrip_app::App;
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::notify::NotificationSubscriber;
use zerotrip_app::payments::{LocalPaymentProvider, PaymentJobs, PaymentOrder};
use zerotrip_core::workflow::{ActionRequest, Command};

use support::{DEMO_PASSWORD, Page, TestSite, call, principal, token};

/// 居民身份证补领: a charged item (40 元/证) of 龙华区公安.
const CHARGED_ITEM: &str = "HN-GG-00003";
const REGION: &str = "460106";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const FEE_FEN: i64 = 4000;
const FEE: &str = "40.00 元";
/// The guide states one amount ("40元/证"), so 受理 charges it.
const DESCRIPTION: &str = "办理费用（40元/证）";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The citizen's case of the charged item, accepted by 龙华区公安, with the fee order that 受理
/// created.
async fn charged_case(app: &App, key: &str) -> (i64, PaymentOrder) {
    let citizen = principal(app, CITIZEN).await;
    let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
    let item = app.item_detail(CHARGED_ITEM).await.unwrap().item;
    assert!(
        item.fee.as_ref().is_some_and(|fee| fee.charged),
        "{CHARGED_ITEM} is a charged item"
    );
    let materials = item
        .materials
        .into_iter()
        .filter(|m| m.applicant_supplies())
        .map(|m| MaterialFile {
            material: m.name,
            file: stored.key.clone(),
            file_name: None,
        })
        .collect();
    let application = CaseApplication {
        item_code: CHARGED_ITEM.to_owned(),
        region: REGION.to_owned(),
        form: Default::default(),
        materials,
        channel: None,
        applicant_account_id: None,
    };
    let filed = app.file_case(&citizen, &application, key).await.unwrap();
    let clerk = principal(app, "lh_clerk").await;
    app.act_on_case(
        &clerk,
        filed.id,
        ActionRequest {
            command: Command::Accept,
            comment: Some("受理".into()),
        },
    )
    .await
    .unwrap();
    let mut orders = app.payment_orders_for_case(filed.id).await.unwrap();
    assert_eq!(orders.len(), 1, "受理 charged the standard fee: {orders:?}");
    let order = orders.remove(0);
    assert_eq!(
        (order.amount_fen, order.description.as_str()),
        (FEE_FEN, DESCRIPTION)
    );
    (filed.id, order)
}

async fn order_status(app: &App, order_id: i64) -> (String, Option<String>) {
    let row = zerotrip_store::payments::order_by_id(&app.db, order_id)
        .await
        .unwrap()
        .unwrap();
    (row.status, row.provider_trade_no)
}

/// POSTs a notification to the gateway endpoint as a gateway would (no session, no CSRF).
async fn notify(
    site: &TestSite,
    body: Vec<u8>,
    content_type: &str,
    signature: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(site.url("/api/v1/payments/notify"))
        .header("content-type", content_type)
        .body(body);
    if let Some(signature) = signature {
        request = request.header("X-Zerotrip-Signature", signature);
    }
    let response = request.send().await.expect("a response");
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

fn assert_error(body: &Value, code: &str, needle: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{needle:?} in {message:?}");
    assert!(body["error"]["fields"].is_array(), "{body}");
}

async fn sign_out(site: &TestSite) {
    let csrf = site.csrf().await;
    site.post_raw("/logout", &[("csrf".to_owned(), csrf)]).await;
}

async fn citizen_login(site: &TestSite, username: &str) {
    sign_out(site).await;
    let page = site
        .submit(
            "/login",
            &[
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("next", "/my/cases"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{username} signs in");
    assert!(page.url.ends_with("/my/cases"), "landed on {}", page.url);
}

async fn staff_login(site: &TestSite, username: &str) {
    sign_out(site).await;
    let page = site
        .submit(
            "/admin/login",
            &[
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("next", "/workbench"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{username} signs in");
    assert!(page.url.ends_with("/workbench"), "landed on {}", page.url);
}

/// Signed notification fields for `order`.
fn fields(
    site: &TestSite,
    order: &PaymentOrder,
    trade_no: &str,
    nonce: &str,
) -> BTreeMap<String, String> {
    let now = site.app.clock.now().timestamp();
    [
        ("provider", "local".to_owned()),
        ("order_no", order.order_no.clone()),
        ("trade_no", trade_no.to_owned()),
        ("amount_fen", order.amount_fen.to_string()),
        ("status", "paid".to_owned()),
        ("paid_at", now.to_string()),
        ("timestamp", now.to_string()),
        ("nonce", nonce.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn payment_audits(app: &App) -> i64 {
    let found = zerotrip_store::audit::list(
        &app.db,
        &zerotrip_store::audit::AuditFilter {
            actor: None,
            action_prefix: Some("payment.paid".to_owned()),
            target: None,
        },
        100,
        0,
    )
    .await;
    match found {
        Ok(rows) => rows.len() as i64,
        Err(error) => panic!("audit list: {error}"),
    }
}

page_test!(
    a_charged_case_is_paid_through_the_cashier,
    |site| async move {
        let app = &site.app;
        let (case_id, order) = charged_case(app, "pay-cashier").await;
        assert!(order.order_no.starts_with("ZF"), "{}", order.order_no);

        citizen_login(site, CITIZEN).await;
        let case = site.get(&format!("/cases/{case_id}")).await;
        assert_eq!(case.status, StatusCode::OK);
        case.assert_contains("您有 1 笔费用待缴纳，共 40.00 元");
        case.assert_contains(DESCRIPTION);
        case.assert_contains("缴费记录");
        case.assert_contains("待支付");
        case.assert_lacks("无需操作，请等待办理");
        let pay_action = format!("/payments/{}/pay", order.order_no);
        let pay_form = case.form(&pay_action);

        // 去缴费 → the provider's cashier.
        let redirect = site.post_raw(&pay_action, &pay_form).await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER, "{}", redirect.text);
        let cashier_path = redirect.header("location").to_owned();
        assert!(cashier_path.starts_with("/pay/local/"), "{cashier_path}");
        let cashier = site.get(&cashier_path).await;
        assert_eq!(cashier.status, StatusCode::OK);
        cashier.assert_contains("确认支付");
        cashier.assert_contains(FEE);
        cashier.assert_contains(&order.order_no);
        cashier.assert_contains(&format!("href=\"/cases/{case_id}\""));
        cashier.assert_lacks("王小明");
        assert_eq!(cashier.header("cache-control"), "no-store");
        // Pressing 去缴费 again before paying gives the same cashier.
        let again = site.post_raw(&pay_action, &pay_form).await;
        assert_eq!(again.header("location"), cashier_path);
        assert_eq!(order_status(app, order.id).await.0, "created");

        // 确认支付: the provider books it and its signed callback marks the order paid.
        let confirm = cashier.form(&cashier_path);
        let paid = site.post(&cashier_path, &confirm).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
        assert!(paid.url.ends_with(&cashier_path), "{}", paid.url);
        paid.assert_contains("支付成功");
        paid.assert_contains("办理部门已收到缴费结果");
        paid.assert_contains("返回办件");
        let (status, trade_no) = order_status(app, order.id).await;
        assert_eq!(status, "paid");
        let trade_no = trade_no.expect("the provider's transaction number");
        assert!(trade_no.starts_with("LP"), "{trade_no}");
        paid.assert_contains(&trade_no);
        assert_eq!(payment_audits(app).await, 1);
        // Confirming twice is the same as once.
        let twice = site.post(&cashier_path, &confirm).await;
        assert_eq!(twice.status, StatusCode::OK);
        assert_eq!(payment_audits(app).await, 1);

        // Back on the case: paid, nothing more to pay.
        let case = site.get(&format!("/cases/{case_id}")).await;
        case.assert_contains("已支付");
        case.assert_lacks("笔费用待缴纳");
        case.assert_lacks(&pay_action);
        case.assert_contains("无需操作，请等待办理");

        // The API tells the same, and a second payment is refused.
        let bearer = token(site, CITIZEN).await;
        let (status, body) = call(
            site,
            reqwest::Method::GET,
            &format!("/api/v1/cases/{case_id}/payments"),
            Some(&bearer),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["outstanding_fen"], 0);
        assert_eq!(body["orders"][0]["order_no"], order.order_no);
        assert_eq!(body["orders"][0]["status"], "paid");
        assert_eq!(body["orders"][0]["provider_trade_no"], trade_no);
        assert_eq!(body["orders"][0]["payable"], false);
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/payments/{}/pay", order.order_no),
            Some(&bearer),
            None,
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert_error(&body, "conflict", "已支付");

        // The applicant is told through the in-site messages.
        OutboxWorker::new(
            app.clone(),
            vec![Arc::new(NotificationSubscriber::new(app.clone()))],
        )
        .drain()
        .await
        .unwrap();
        let messages = site.get("/my/messages").await;
        messages.assert_contains("请缴纳费用");
        messages.assert_contains("缴费成功");
    }
);

page_test!(
    unsigned_tampered_and_replayed_callbacks_change_nothing,
    |site| async move {
        let app = &site.app;
        let (_, order) = charged_case(app, "pay-hostile").await;
        let provider = LocalPaymentProvider::new(app.clone());
        let bearer = token(site, CITIZEN).await;
        let (status, started) = call(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/payments/{}/pay", order.order_no),
            Some(&bearer),
            None,
        )
        .await;
        assert_eq!(status, 200, "{started}");
        assert!(
            started["pay_url"]
                .as_str()
                .unwrap_or_default()
                .starts_with("/pay/local/"),
            "{started}"
        );
        assert_eq!(started["order"]["status"], "created");

        let good = fields(site, &order, "GW20260301000001", "n0nce0000000000000000001");
        let signature = provider.sign(&good).await.unwrap();
        let body = serde_json::to_vec(&good).unwrap();
        let unchanged = (String::from("created"), None);

        // Unsigned.
        let (status, error) = notify(site, body.clone(), "application/json", None).await;
        assert_eq!(status, 401, "{error}");
        assert_error(&error, "unauthenticated", "缺少签名");
        assert_eq!(order_status(app, order.id).await, unchanged);
        // Signed, then tampered with: a smaller amount.
        let mut tampered = good.clone();
        tampered.insert("amount_fen".to_owned(), "1".to_owned());
        let (status, error) = notify(
            site,
            serde_json::to_vec(&tampered).unwrap(),
            "application/json",
            Some(&signature),
        )
        .await;
        assert_eq!(status, 401, "{error}");
        assert_error(&error, "unauthenticated", "签名无效");
        // Signed with another key.
        let (status, error) = notify(
            site,
            body.clone(),
            "application/json",
            Some(&"ab".repeat(32)),
        )
        .await;
        assert_eq!(status, 401, "{error}");
        assert_error(&error, "unauthenticated", "签名无效");
        // Properly signed, but stale.
        let mut stale = fields(site, &order, "GW20260301000001", "n0nce0000000000000000002");
        let old = (site.app.clock.now().timestamp() - 3600).to_string();
        stale.insert("timestamp".to_owned(), old);
        let stale_signature = provider.sign(&stale).await.unwrap();
        let (status, error) = notify(
            site,
            serde_json::to_vec(&stale).unwrap(),
            "application/json",
            Some(&stale_signature),
        )
        .await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["error"]["fields"][0]["field"], "timestamp", "{error}");
        // Malformed.
        let (status, error) = notify(
            site,
            b"not json".to_vec(),
            "application/json",
            Some(&signature),
        )
        .await;
        assert_eq!(status, 400, "{error}");
        assert_error(&error, "invalid_input", "格式错误");
        assert_eq!(order_status(app, order.id).await, unchanged);
        assert_eq!(payment_audits(app).await, 0);

        // The genuine notification is acknowledged the way the gateway expects.
        let (status, ack) = notify(site, body.clone(), "application/json", Some(&signature)).await;
        assert_eq!(status, 200, "{ack}");
        assert_eq!(ack["code"], "SUCCESS");
        assert_eq!(ack["order_no"], order.order_no);
        assert_eq!(ack["outcome"], "paid");
        let paid = order_status(app, order.id).await;
        assert_eq!(
            paid,
            ("paid".to_owned(), Some("GW20260301000001".to_owned()))
        );
        assert_eq!(payment_audits(app).await, 1);

        // Replayed byte for byte: refused, nothing changes.
        let (status, error) =
            notify(site, body.clone(), "application/json", Some(&signature)).await;
        assert_eq!(status, 409, "{error}");
        assert_error(&error, "conflict", "重放");
        // A re-signed notification of another transaction for the paid order: refused too.
        let other = fields(site, &order, "GW20260301000999", "n0nce0000000000000000003");
        let other_signature = provider.sign(&other).await.unwrap();
        let (status, error) = notify(
            site,
            serde_json::to_vec(&other).unwrap(),
            "application/json",
            Some(&other_signature),
        )
        .await;
        assert_eq!(status, 409, "{error}");
        assert_error(&error, "conflict", "另一笔交易");
        assert_eq!(order_status(app, order.id).await, paid);
        assert_eq!(payment_audits(app).await, 1);

        // A gateway that posts forms: the same fields, the same signature.
        let (_, second) = charged_case(app, "pay-hostile-form").await;
        let form_fields = fields(
            site,
            &second,
            "GW20260301000002",
            "n0nce0000000000000000004",
        );
        let form_signature = provider.sign(&form_fields).await.unwrap();
        let form_body = serde_urlencoded::to_string(&form_fields).unwrap();
        let (status, ack) = notify(
            site,
            form_body.into_bytes(),
            "application/x-www-form-urlencoded",
            Some(&form_signature),
        )
        .await;
        assert_eq!(status, 200, "{ack}");
        assert_eq!(ack["outcome"], "paid");
        assert_eq!(order_status(app, second.id).await.0, "paid");
    }
);

page_test!(others_cannot_see_or_pay_an_order, |site| async move {
    let app = &site.app;
    let (case_id, order) = charged_case(app, "pay-others").await;
    let other = token(site, OTHER_CITIZEN).await;
    for (method, path) in [
        (
            reqwest::Method::GET,
            format!("/api/v1/cases/{case_id}/payments"),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/payments/{}", order.order_no),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/payments/{}/pay", order.order_no),
        ),
    ] {
        let (status, body) = call(site, method.clone(), &path, Some(&other), None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_error(&body, "not_found", "不存在");
    }
    // Unknown and malformed numbers look the same.
    for path in [
        "/api/v1/payments/ZF2026010100000000/pay",
        "/api/v1/payments/ZF%2F..%2Fx/pay",
    ] {
        let (status, _) = call(site, reqwest::Method::POST, path, Some(&other), None).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        &format!("/api/v1/cases/{case_id}/payments"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    // Staff of another department do not see it; the handling department does.
    let sj = token(site, "sj_approver").await;
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        &format!("/api/v1/cases/{case_id}/payments"),
        Some(&sj),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let lh = token(site, "lh_clerk").await;
    let (status, body) = call(
        site,
        reqwest::Method::GET,
        &format!("/api/v1/cases/{case_id}/payments"),
        Some(&lh),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outstanding_fen"], FEE_FEN);
    // Staff cannot pay for the applicant either.
    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &format!("/api/v1/payments/{}/pay", order.order_no),
        Some(&lh),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Through the pages: the other citizen neither sees the case nor reaches a cashier.
    citizen_login(site, OTHER_CITIZEN).await;
    let case = site.get(&format!("/cases/{case_id}")).await;
    assert_eq!(case.status, StatusCode::NOT_FOUND);
    case.assert_lacks(&order.order_no);
    let csrf = site.csrf().await;
    let attempt = site
        .post_raw(
            &format!("/payments/{}/pay", order.order_no),
            &[("csrf".to_owned(), csrf)],
        )
        .await;
    assert_eq!(attempt.status, StatusCode::NOT_FOUND, "{}", attempt.text);
    assert!(attempt.header("location").is_empty());
    let session = zerotrip_store::payments::local_session_by_order(&app.db, &order.order_no)
        .await
        .unwrap();
    assert!(
        session.is_none(),
        "no payment was prepared for the stranger"
    );
    // Without the CSRF token the form is refused before anything happens.
    let forged = site
        .post_raw(&format!("/payments/{}/pay", order.order_no), &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(order_status(app, order.id).await.0, "created");
    // A cashier token that does not exist.
    let missing = site.get(&format!("/pay/local/{}", "0".repeat(32))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
});

fn refund_link(page: &Page) -> Option<String> {
    Regex::new(r#"href="(/workbench/payments/[A-Za-z0-9]+/refund)""#)
        .unwrap()
        .captures(&page.text)
        .map(|c| c[1].to_owned())
}

page_test!(only_the_handling_department_refunds, |site| async move {
    let app = &site.app;
    let (case_id, order) = charged_case(app, "pay-refund").await;
    let provider = LocalPaymentProvider::new(app.clone());
    let citizen = principal(app, CITIZEN).await;
    let (_, prepared) = app
        .start_payment(&citizen, order.id, &provider)
        .await
        .unwrap();
    let receipt = provider
        .confirm(prepared.pay_url.trim_start_matches("/pay/local/"))
        .await
        .unwrap();
    assert!(receipt.notified);
    assert_eq!(order_status(app, order.id).await.0, "paid");
    let refund_path = format!("/api/v1/payments/{}/refund", order.order_no);
    let reason = json!({"reason": "申请人重复缴费"});

    // Staff of another department are not told the order exists; the handling department's
    // clerk may see it but not refund.
    for (username, status_expected, code, message) in [
        ("sj_approver", 404, "not_found", "订单不存在"),
        ("lh_clerk", 403, "forbidden", "办理部门"),
    ] {
        let bearer = token(site, username).await;
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &refund_path,
            Some(&bearer),
            Some(reason.clone()),
        )
        .await;
        assert_eq!(status, status_expected, "{username}: {body}");
        assert_error(&body, code, message);
    }
    let citizen_token = token(site, CITIZEN).await;
    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &refund_path,
        Some(&citizen_token),
        Some(reason.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (_, refunds) = app.payment_order(&citizen, order.id).await.unwrap();
    assert!(refunds.is_empty(), "nothing was requested");

    // Over the pages, staff of another department do not even find the order.
    staff_login(site, "sj_approver").await;
    let form = site
        .get(&format!("/workbench/payments/{}/refund", order.order_no))
        .await;
    assert_eq!(form.status, StatusCode::NOT_FOUND);
    let csrf = site.csrf().await;
    let attempt = site
        .post_raw(
            &format!("/workbench/payments/{}/refund", order.order_no),
            &[
                ("csrf".to_owned(), csrf),
                ("reason".to_owned(), "越权".to_owned()),
                ("confirm".to_owned(), "1".to_owned()),
            ],
        )
        .await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&attempt.status),
        "{}",
        attempt.status
    );
    let (_, refunds) = app.payment_order(&citizen, order.id).await.unwrap();
    assert!(refunds.is_empty(), "nothing was requested");
    // Their reconciliation does not list another department's order.
    let books = site.get("/workbench/payments/reconciliation").await;
    assert_eq!(books.status, StatusCode::OK);
    books.assert_lacks(&order.order_no);

    // The handling department's approver refunds from the workbench case.
    staff_login(site, "lh_approver").await;
    let case = site.get(&format!("/workbench/cases/{case_id}")).await;
    assert_eq!(case.status, StatusCode::OK);
    case.assert_contains("缴费与退款");
    case.assert_contains("已支付");
    let link = refund_link(&case).expect("a refund link");
    let form = site.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains(FEE);
    let fields = form.form(&link);
    let missing_reason = site.post(&link, &fields).await;
    assert_eq!(missing_reason.status, StatusCode::BAD_REQUEST);
    missing_reason.assert_contains("请勾选确认退款");
    let mut with_reason = fields.clone();
    with_reason.retain(|(k, _)| k != "reason");
    with_reason.push(("reason".to_owned(), "   ".to_owned()));
    with_reason.push(("confirm".to_owned(), "1".to_owned()));
    let blank = site.post(&link, &with_reason).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    blank.assert_contains("请填写退款原因");
    let mut good = fields.clone();
    good.retain(|(k, _)| k != "reason");
    good.push(("reason".to_owned(), "申请人重复缴费".to_owned()));
    good.push(("confirm".to_owned(), "1".to_owned()));
    let done = site.post(&link, &good).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(
        done.url
            .contains(&format!("/workbench/cases/{case_id}?done=refund")),
        "{}",
        done.url
    );
    done.assert_contains("退款已申请");
    done.assert_contains("退款中");
    assert!(refund_link(&done).is_none(), "no second refund offered");
    // A second request is a conflict.
    let admin = token(site, "lh_dept_admin").await;
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &refund_path,
        Some(&admin),
        Some(reason.clone()),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // The payments job executes it at the provider.
    let jobs = PaymentJobs::new(app.clone(), Arc::new(provider.clone()));
    let report = jobs.run_once().await.unwrap();
    assert_eq!(report.refunded, 1, "{report:?}");
    assert_eq!(order_status(app, order.id).await.0, "refunded");
    citizen_login(site, CITIZEN).await;
    let case = site.get(&format!("/cases/{case_id}")).await;
    case.assert_contains("已退款");

    // Reconciliation: the department sees its order, and the books match the provider's.
    staff_login(site, "lh_approver").await;
    let books = site.get("/workbench/payments/reconciliation").await;
    assert_eq!(books.status, StatusCode::OK, "{}", books.text);
    books.assert_contains(&order.order_no);
    books.assert_contains("平台账目与支付渠道对账单一致");
    let bad = site
        .get("/workbench/payments/reconciliation?from=2026-03-10&to=2026-03-01&compare=1")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("结束日期不能早于开始日期");
    let (status, body) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/payments/reconciliation",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["received_fen"], FEE_FEN);
    assert_eq!(body["refunded_fen"], FEE_FEN);
    assert_eq!(body["mismatches"].as_array().map(Vec::len), Some(0));
    assert_eq!(body["provider"], "local");
    let (status, body) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/payments/reconciliation?from=yesterday",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["fields"][0]["field"], "from");
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/payments/reconciliation",
        Some(&citizen_token),
        None,
    )
    .await;
    assert_eq!(status, 403);

    let doc = call(site, reqwest::Method::GET, "/api/openapi.json", None, None)
        .await
        .1;
    for path in [
        "/api/v1/cases/{id}/payments",
        "/api/v1/payments/{order_no}/pay",
        "/api/v1/payments/{order_no}/refund",
        "/api/v1/payments/reconciliation",
        "/api/v1/payments/notify",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
});

// ---- in a real browser: a phone, the keyboard only ----

mod phone {
    use std::time::Duration;

    use zerotrip_store::Backend;
    use zerotrip_testkit::browser::{Browser, BrowserError, Key};

    use super::*;

    const WAIT: Duration = Duration::from_secs(15);

    async fn page_width(browser: &Browser) -> Result<f64, BrowserError> {
        let value = browser
            .eval_js("return document.documentElement.scrollWidth")
            .await?;
        Ok(value.as_f64().unwrap_or(f64::NAN))
    }

    /// Presses Tab until the focused element contains `needle`; fails after `max` presses.
    async fn tab_to(browser: &Browser, needle: &str, max: usize) -> Result<String, BrowserError> {
        for _ in 0..max {
            let html = browser.tab().await?;
            if html.contains(needle) {
                return Ok(html);
            }
        }
        panic!("{needle:?} is not reachable with Tab");
    }

    async fn sign_in(
        browser: &Browser,
        site: &TestSite,
        login: &str,
        username: &str,
        next: &str,
    ) -> Result<(), BrowserError> {
        browser
            .goto(&site.url(&format!("{login}?next={}", next.replace('/', "%2F"))))
            .await?;
        browser.wait_for("#username", WAIT).await?;
        browser.fill("#username", username).await?;
        browser.fill("#password", DEMO_PASSWORD).await?;
        browser.click(".card-form button[type=submit]").await?;
        browser.wait_for("main", WAIT).await?;
        Ok(())
    }

    async fn journey(site: &TestSite) -> Result<(), BrowserError> {
        let (case_id, _) = charged_case(&site.app, "pay-phone").await;
        let browser = Browser::launch().await?;
        browser.emulate_phone(375, 812).await?;
        sign_in(
            &browser,
            site,
            "/login",
            CITIZEN,
            &format!("/cases/{case_id}"),
        )
        .await?;
        browser.wait_for("#payment-due", WAIT).await?;
        assert!(
            page_width(&browser).await? <= 375.0,
            "the case page fits 375 px"
        );
        browser.screenshot("case-fee-due-375").await?;

        // 去缴费 and 确认支付 with the keyboard alone.
        let button = tab_to(&browser, "去缴费", 80).await?;
        assert!(
            button.contains("visually-hidden"),
            "the button names the fee: {button}"
        );
        browser.press_key(Key::Enter).await?;
        browser.wait_for("#confirm-payment", WAIT).await?;
        assert!(
            page_width(&browser).await? <= 375.0,
            "the cashier fits 375 px"
        );
        browser.screenshot("cashier-375").await?;
        tab_to(&browser, "确认支付", 40).await?;
        browser.press_key(Key::Enter).await?;
        browser.wait_for_text("main", "支付成功", WAIT).await?;
        browser.screenshot("cashier-paid-375").await?;
        browser.click("main a.button").await?;
        browser.wait_for_text("main", "缴费记录", WAIT).await?;
        let text = browser.text("main").await?;
        assert!(text.contains("已支付"), "{text}");
        assert!(page_width(&browser).await? <= 375.0);

        // Elderly-friendly mode keeps the page within the screen.
        browser.click("#elder-toggle").await?;
        browser.wait_for("html.elder", WAIT).await?;
        assert!(
            page_width(&browser).await? <= 375.0,
            "elder mode fits 375 px"
        );
        browser.screenshot("case-paid-elder-375").await?;
        browser.goto(&site.url("/my/messages")).await?;
        browser.wait_for("h1", WAIT).await?;
        assert!(page_width(&browser).await? <= 375.0, "messages fit 375 px");
        browser.screenshot("messages-elder-375").await?;

        // The department's reconciliation on a phone: wide tables scroll inside their frame.
        browser
            .client()
            .delete_all_cookies()
            .await
            .map_err(|source| BrowserError::Command {
                action: "forget the citizen's session".to_owned(),
                source,
            })?;
        sign_in(
            &browser,
            site,
            "/admin/login",
            "lh_approver",
            "/workbench/payments/reconciliation",
        )
        .await?;
        browser.wait_for("#h-orders", WAIT).await?;
        assert!(
            page_width(&browser).await? <= 375.0,
            "reconciliation fits 375 px"
        );
        browser.screenshot("reconciliation-375").await?;
        browser.close().await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fee_is_paid_on_a_phone_with_the_keyboard() {
        let site = TestSite::start(Backend::Sqlite).await;
        let outcome = journey(&site).await;
        site.finish().await;
        if let Err(error) = outcome {
            panic!("browser journey failed: {error}");
        }
    }
}

page_test!(
    staff_of_the_department_assess_a_further_fee,
    |site| async move {
        let app = &site.app;
        let (case_id, _) = charged_case(app, "pay-charge").await;
        let path = format!("/api/v1/cases/{case_id}/payments");
        let fee = json!({"amount_fen": 1500, "description": "证件邮寄费"});
        // Outside the handling department the case does not exist; inside it, only the window clerk,
        // approvers and department administrators charge.
        for (username, expected) in [(CITIZEN, 404), ("sj_approver", 404), ("lh_reviewer", 403)] {
            let bearer = token(site, username).await;
            let (status, body) = call(
                site,
                reqwest::Method::POST,
                &path,
                Some(&bearer),
                Some(fee.clone()),
            )
            .await;
            assert_eq!(status, expected, "{username}: {body}");
        }
        let clerk = token(site, "lh_clerk").await;
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &path,
            Some(&clerk),
            Some(json!({"amount_fen": -5, "description": "证件邮寄费"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "amount_fen", "{body}");
        assert_eq!(app.payment_orders_for_case(case_id).await.unwrap().len(), 1);
        let (status, body) =
            call(site, reqwest::Method::POST, &path, Some(&clerk), Some(fee)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["amount_fen"], 1500, "{body}");
        assert_eq!(body["payable"], true, "{body}");
        let (_, listed) = call(site, reqwest::Method::GET, &path, Some(&clerk), None).await;
        assert_eq!(listed["outstanding_fen"], FEE_FEN + 1500, "{listed}");
    }
);
