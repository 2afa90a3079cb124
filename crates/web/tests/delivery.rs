//! Delivery of results (送达) over HTTP, on SQLite and PostgreSQL: a citizen applies on the pages
//! choosing mail with an address, the case is completed, the outbox releases the delivery and
//! the tracker books the waybill, and the waybill and the courier's tracking events appear on
//! the case page (the phone masked); mail without an address is refused with a field error and
//! nothing is filed; the applicant changes the choice on the page and through the API until the
//! result is released; a pickup is recorded on the workbench; another citizen can neither read
//! nor change the delivery, and staff of another department do not see it.

mod support;

use std::sync::Arc;

use axum::body::Bytes;
use chrono::Duration;
use regex::Regex;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zerotrip_app::App;
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_app::delivery::{
    DeliveryMethod, DeliveryStatus, DeliverySubscriber, DeliveryTracker, LocalCourier,
};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::notify::NotificationSubscriber;
use zerotrip_core::workflow::{ActionRequest, Command};

use support::{DEMO_PASSWORD, Page, TestSite, call, principal, token};
use zerotrip_testkit::browser::{Browser, BrowserError};

const ITEM: &str = "HN-XK-00001";
const REGION: &str = "460106";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const RECIPIENT_PHONE: &str = "13812345678";
const DETAIL: &str = "滨海大道 100 号 2 单元 301 室";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn sign_out(site: &TestSite) {
    let csrf = site.csrf().await;
    site.post_raw("/logout", &[("csrf".to_owned(), csrf)]).await;
}

/// Signs a citizen in through `/login`.
async fn citizen(site: &TestSite, username: &str) {
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

/// Signs a staff member in through `/admin/login`, landing on the workbench.
async fn staff(site: &TestSite, username: &str) {
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

fn case_id_of(url: &str) -> i64 {
    let pattern = Regex::new(r"/cases/(\d+)/").expect("pattern");
    pattern
        .captures(url)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no case id in {url}"))
}

/// The mail address as the form sends it.
fn mail_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("delivery_method", "mail"),
        ("mail_recipient_name", "张三"),
        ("mail_phone", RECIPIENT_PHONE),
        ("mail_region_code", REGION),
        ("mail_detail", DETAIL),
        ("mail_postal_code", "570100"),
    ]
}

/// What a browser sends for the form with `action` on `page`, with `changes` applied.
fn filled(page: &Page, action: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = page.form(action);
    for (name, value) in changes {
        fields.retain(|(k, _)| k != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields
}

/// The signed-in citizen starts a draft of the item in 龙华区, fills in the form with
/// `changes`, uploads every material and lands on the check page; returns the case id.
async fn draft_to_check(site: &TestSite, changes: &[(&str, &str)]) -> (i64, Page) {
    let start = site
        .get(&format!("/items/{ITEM}/apply?region={REGION}"))
        .await;
    assert_eq!(start.status, StatusCode::OK);
    let form = start.form(&format!("/items/{ITEM}/apply"));
    let edit = site.post(&format!("/items/{ITEM}/apply"), &form).await;
    assert!(edit.url.ends_with("/edit"), "landed on {}", edit.url);
    let id = case_id_of(&edit.url);
    // The form asks where to mail the result, next to the choice of method.
    edit.assert_contains("邮寄地址");
    edit.assert_contains(r#"name="mail_detail""#);
    edit.assert_contains(r#"<option value="460106">龙华区</option>"#);
    edit.assert_contains("/static/delivery.js");
    let action = format!("/cases/{id}/edit");
    let mut fields = filled(&edit, &action, changes);
    fields.push(("then".to_owned(), "next".to_owned()));
    let materials = site.post(&action, &fields).await;
    assert_eq!(materials.status, StatusCode::OK, "{}", materials.text);
    assert!(materials.url.ends_with("/materials"), "{}", materials.url);
    let pattern =
        Regex::new(&format!(r#"action="/cases/{id}/materials/(\d+)\?csrf="#)).expect("pattern");
    let positions: Vec<i64> = pattern
        .captures_iter(&materials.text)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    assert!(!positions.is_empty(), "the item asks for uploads");
    for position in positions {
        let csrf = site.csrf().await;
        let part = reqwest::multipart::Part::bytes(PDF.to_vec())
            .file_name("申请表.pdf")
            .mime_str("application/pdf")
            .expect("a mime type");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", part);
        let response = site
            .client
            .post(site.url(&format!(
                "/cases/{id}/materials/{position}?csrf={csrf}&back=materials"
            )))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), StatusCode::OK);
    }
    let check = site.get(&format!("/cases/{id}/check")).await;
    assert_eq!(check.status, StatusCode::OK);
    (id, check)
}

/// Takes `command` on the case as `username`.
async fn act(app: &App, username: &str, id: i64, command: Command) {
    let staff = principal(app, username).await;
    app.act_on_case(
        &staff,
        id,
        ActionRequest {
            command,
            comment: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{username} acts on case {id}: {e}"));
}

/// 受理 → 审核 → 批准 → 办结 by 龙华区公安, then the outbox worker runs once with the delivery
/// and notification subscribers: the delivery is released.
async fn complete(app: &App, id: i64) {
    act(app, "lh_clerk", id, Command::Accept).await;
    act(app, "lh_reviewer", id, Command::Review).await;
    act(app, "lh_approver", id, Command::Approve).await;
    act(app, "lh_clerk", id, Command::Complete).await;
    worker(app).drain().await.expect("the outbox drains");
}

fn worker(app: &App) -> OutboxWorker {
    OutboxWorker::new(
        app.clone(),
        vec![
            Arc::new(DeliverySubscriber::new(app.clone())),
            Arc::new(NotificationSubscriber::new(app.clone())),
        ],
    )
}

/// The citizen's case filed in one request through the app layer, with `form`.
async fn filed_case(app: &App, username: &str, form: &[(&str, &str)], key: &str) -> i64 {
    let applicant = principal(app, username).await;
    let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
    let materials = app
        .item_detail(ITEM)
        .await
        .unwrap()
        .item
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
        item_code: ITEM.to_owned(),
        region: REGION.to_owned(),
        form: form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        materials,
        channel: None,
        applicant_account_id: None,
    };
    app.file_case(&applicant, &application, key)
        .await
        .expect("the case is filed")
        .id
}

async fn count(app: &App, query: &'static str) -> i64 {
    let (n,): (i64,) = app
        .db
        .fetch_one(zerotrip_store::sql(query))
        .await
        .expect("a count");
    n
}

fn field_names(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

page_test!(
    mail_chosen_on_the_form_is_tracked_on_the_case_page,
    |site| async move {
        let app = &site.app;
        citizen(site, CITIZEN).await;
        let (id, check) = draft_to_check(site, &mail_fields()).await;
        // The check page lists the address (the recipient masked, the region by name).
        check.assert_contains("邮寄送达");
        check.assert_contains("张*");
        check.assert_contains("海南省海口市龙华区");
        check.assert_contains(DETAIL);
        check.assert_contains(&format!("/cases/{id}/edit#form-mail_detail"));
        let form = check.form(&format!("/cases/{id}/submit"));
        let receipt = site.post(&format!("/cases/{id}/submit"), &form).await;
        assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text);
        assert!(receipt.url.ends_with("/receipt"), "{}", receipt.url);

        // The choice was recorded with the submission.
        let delivery = app
            .delivery_for_case(id)
            .await
            .unwrap()
            .expect("a delivery");
        assert_eq!(delivery.method, DeliveryMethod::Mail);
        assert_eq!(delivery.status, DeliveryStatus::Created);
        assert_eq!(
            delivery.address.as_deref(),
            Some(format!("海南省海口市龙华区{DETAIL}").as_str())
        );
        let page = site.get(&format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains(r#"id="h-delivery""#);
        page.assert_contains("待办结");
        page.assert_contains("138****5678");
        page.assert_lacks(RECIPIENT_PHONE);
        page.assert_contains(&format!("海南省海口市龙华区{DETAIL}"));
        // Until the result is released the applicant may change it.
        page.assert_contains("更改送达方式或邮寄地址");
        page.assert_contains(&format!(r#"action="/cases/{id}/delivery""#));

        // Completed: the outbox releases the delivery, the tracker books the waybill.
        complete(app, id).await;
        let tracker = DeliveryTracker::new(app.clone(), Arc::new(LocalCourier::new(app)));
        let report = tracker.run_once().await.expect("the tracker runs");
        assert_eq!(report.waybills, 1, "{report:?}");
        let tracking = app
            .delivery_for_case(id)
            .await
            .unwrap()
            .unwrap()
            .tracking_number
            .expect("a waybill");
        // The courier picks it up and moves it through the hub as the clock moves.
        app.clock.advance(Duration::minutes(150));
        tracker.run_once().await.expect("the tracker runs");
        app.clock.advance(Duration::hours(8));
        let moved = tracker.run_once().await.expect("the tracker runs");
        assert!(moved.events >= 2, "{moved:?}");
        worker(app).drain().await.expect("the outbox drains");

        // Sessions last eight hours: sign in again.
        citizen(site, CITIZEN).await;
        let page = site.get(&format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("运单号");
        page.assert_contains(&tracking);
        page.assert_contains("本地模拟快递");
        page.assert_contains("物流跟踪");
        page.assert_contains("快递员已揽收");
        page.assert_contains("快件已到达【海口转运中心】");
        page.assert_contains("运输中");
        page.assert_contains("138****5678");
        page.assert_lacks(RECIPIENT_PHONE);
        // Released: no more changes, on the page or by posting anyway.
        page.assert_lacks("更改送达方式或邮寄地址");
        let refused = site
            .submit(
                &format!("/cases/{id}/delivery"),
                &[("delivery_method", "electronic")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        refused.assert_contains("不能再更改送达方式");
        let change = site.get(&format!("/cases/{id}/delivery")).await;
        assert_eq!(change.status, StatusCode::CONFLICT);

        // Signed for a day later.
        app.clock.advance(Duration::hours(18));
        let done = tracker.run_once().await.expect("the tracker runs");
        assert_eq!(done.delivered, 1, "{done:?}");
        citizen(site, CITIZEN).await;
        let page = site.get(&format!("/cases/{id}")).await;
        page.assert_contains("已送达");
        page.assert_contains("快件已签收");
        page.assert_contains("送达时间");

        // The handling department's clerk sees the same tracking on the workbench.
        staff(site, "lh_clerk").await;
        let workbench = site.get(&format!("/workbench/cases/{id}")).await;
        assert_eq!(workbench.status, StatusCode::OK);
        workbench.assert_contains(r#"id="h-delivery""#);
        workbench.assert_contains(&tracking);
        workbench.assert_contains("快件已签收");
        workbench.assert_lacks(RECIPIENT_PHONE);
    }
);

page_test!(
    mail_without_an_address_is_refused_and_nothing_is_filed,
    |site| async move {
        let app = &site.app;
        let cases_before = count(app, "SELECT COUNT(*) FROM cases").await;
        let deliveries_before = count(app, "SELECT COUNT(*) FROM deliveries").await;
        // Through the API: one request, refused as a whole.
        let bearer = token(site, CITIZEN).await;
        let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
        let materials: Vec<Value> = app
            .item_detail(ITEM)
            .await
            .unwrap()
            .item
            .materials
            .into_iter()
            .filter(|m| m.applicant_supplies())
            .map(|m| json!({"material": m.name, "file": stored.key}))
            .collect();
        let client = reqwest::Client::new();
        let response = client
            .post(site.url("/api/v1/cases"))
            .bearer_auth(&bearer)
            .header("Idempotency-Key", "mail-without-address-1")
            .json(&json!({
                "item_code": ITEM,
                "region": REGION,
                "form": {"delivery_method": "mail"},
                "materials": materials,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input", "{body}");
        assert_eq!(field_names(&body), ["form.mail_address"], "{body}");
        assert!(
            body["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("收件地址"),
            "{body}"
        );
        // A bad address is named field by field.
        let response = client
            .post(site.url("/api/v1/cases"))
            .bearer_auth(&bearer)
            .header("Idempotency-Key", "mail-without-address-2")
            .json(&json!({
                "item_code": ITEM,
                "region": REGION,
                "form": {"delivery_method": "mail", "mail_recipient_name": "张三",
                         "mail_phone": RECIPIENT_PHONE, "mail_region_code": "110105",
                         "mail_detail": "短", "mail_postal_code": "57A"},
                "materials": materials,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            field_names(&body),
            [
                "form.mail_region_code",
                "form.mail_detail",
                "form.mail_postal_code"
            ],
            "{body}"
        );
        assert_eq!(count(app, "SELECT COUNT(*) FROM cases").await, cases_before);
        assert_eq!(
            count(app, "SELECT COUNT(*) FROM deliveries").await,
            deliveries_before
        );

        // On the pages: the draft is kept, the submission refused with a link to the address.
        citizen(site, CITIZEN).await;
        let (id, check) = draft_to_check(site, &[("delivery_method", "mail")]).await;
        let form = check.form(&format!("/cases/{id}/submit"));
        let refused = site.post(&format!("/cases/{id}/submit"), &form).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        refused.assert_contains("申请尚不完整，未提交");
        refused.assert_contains("邮寄送达须填写收件地址");
        refused.assert_contains(&format!("/cases/{id}/edit#form-mail_address"));
        let citizen_principal = principal(app, CITIZEN).await;
        let detail = app.case_detail(&citizen_principal, id).await.unwrap();
        assert_eq!(detail.summary.state, "draft");
        assert!(detail.summary.submitted_at.is_none());
        assert_eq!(
            count(app, "SELECT COUNT(*) FROM deliveries").await,
            deliveries_before
        );
        // The edit page points at the address group, which then takes the address.
        let edit = site.get(&format!("/cases/{id}/edit")).await;
        edit.assert_contains(r#"id="form-mail_address""#);
        let action = format!("/cases/{id}/edit");
        let mut fields = filled(&edit, &action, &mail_fields());
        fields.push(("then".to_owned(), "next".to_owned()));
        site.post(&action, &fields).await;
        let check = site.get(&format!("/cases/{id}/check")).await;
        let form = check.form(&format!("/cases/{id}/submit"));
        let receipt = site.post(&format!("/cases/{id}/submit"), &form).await;
        assert!(receipt.url.ends_with("/receipt"), "{}", receipt.url);
        assert_eq!(
            count(app, "SELECT COUNT(*) FROM deliveries").await,
            deliveries_before + 1
        );

        // Choosing another method drops an address typed in passing.
        let (other, _) = draft_to_check(
            site,
            &[
                ("delivery_method", "pickup"),
                ("mail_detail", "不需要的地址 1 号"),
            ],
        )
        .await;
        let detail = app.case_detail(&citizen_principal, other).await.unwrap();
        assert_eq!(
            detail.form.get("delivery_method").map(String::as_str),
            Some("pickup")
        );
        assert!(
            !detail.form.contains_key("mail_detail"),
            "{:?}",
            detail.form
        );
    }
);

page_test!(
    the_applicant_changes_the_choice_until_it_is_released,
    |site| async move {
        let app = &site.app;
        let id = filed_case(
            app,
            CITIZEN,
            &[("delivery_method", "electronic")],
            "change-1",
        )
        .await;
        citizen(site, CITIZEN).await;
        let page = site.get(&format!("/cases/{id}")).await;
        page.assert_contains("电子送达");
        // Mail without an address, then with a bad one: the change page shows what to fix.
        let missing = site
            .submit(
                &format!("/cases/{id}/delivery"),
                &[("delivery_method", "mail")],
            )
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        missing.assert_contains("邮寄送达须填写收件地址");
        missing.assert_contains(r##"href="#form-mail_address""##);
        let mut bad = mail_fields();
        bad.retain(|(k, _)| *k != "mail_phone");
        bad.push(("mail_phone", "0898-1234"));
        let bad = site.submit(&format!("/cases/{id}/delivery"), &bad).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        bad.assert_contains(r#"id="form-mail_phone-error""#);
        bad.assert_contains(r#"aria-invalid="true""#);
        // What was typed is kept.
        bad.assert_contains(DETAIL);
        assert_eq!(
            app.delivery_for_case(id).await.unwrap().unwrap().method,
            DeliveryMethod::Electronic
        );
        let saved = site
            .submit(&format!("/cases/{id}/delivery"), &mail_fields())
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        assert!(saved.url.contains(&format!("/cases/{id}?done=delivery")));
        saved.assert_contains("结果送达方式已保存");
        saved.assert_contains("138****5678");
        assert_eq!(
            app.delivery_for_case(id).await.unwrap().unwrap().method,
            DeliveryMethod::Mail
        );

        // The API: read, change to pickup, errors by field, nested under `address`.
        let bearer = token(site, CITIZEN).await;
        let path = format!("/api/v1/cases/{id}/delivery");
        let (status, body) = call(site, reqwest::Method::GET, &path, Some(&bearer), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["method"], "mail");
        assert_eq!(body["recipient_phone"], "138****5678");
        assert_eq!(body["recipient_name"], "张*");
        assert!(!body.to_string().contains(RECIPIENT_PHONE), "{body}");
        let (status, body) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&bearer),
            Some(json!({"method": "mail", "address": {"recipient_name": "张三", "phone": "12", "region_code": REGION, "detail": DETAIL}})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(field_names(&body), ["address.phone"], "{body}");
        let (status, body) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&bearer),
            Some(json!({"method": "fax"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(field_names(&body), ["method"], "{body}");
        let (status, body) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&bearer),
            Some(json!({"method": "mail"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(field_names(&body), ["address"], "{body}");
        let (status, body) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&bearer),
            Some(json!({"method": "pickup"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["method"], "pickup");
        assert_eq!(body["address"], Value::Null);
        let events = body["events"].as_array().unwrap();
        assert!(
            events
                .iter()
                .any(|e| e["description"] == "选择送达方式：窗口领取"),
            "{body}"
        );

        // Released: a pickup waits at the window; the clerk records it on the workbench.
        complete(app, id).await;
        let (status, body) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&bearer),
            Some(json!({"method": "electronic"})),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "conflict");
        citizen(site, CITIZEN).await;
        let page = site.get(&format!("/cases/{id}")).await;
        page.assert_contains("待领取");
        page.assert_contains("办理结果已可领取");
        page.assert_contains("领取地点");
        page.assert_lacks("无需操作，请等待办理");
        page.assert_lacks("更改送达方式或邮寄地址");

        staff(site, "lh_clerk").await;
        let workbench = site.get(&format!("/workbench/cases/{id}")).await;
        workbench.assert_contains("登记已领取");
        let pickup = format!("/workbench/cases/{id}/delivery/pickup");
        let fields = workbench.form(&pickup);
        let done = site.post(&pickup, &fields).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        done.assert_contains("已登记领取");
        done.assert_contains("已送达");
        done.assert_lacks("登记已领取");
        assert_eq!(
            app.delivery_for_case(id).await.unwrap().unwrap().status,
            DeliveryStatus::Delivered
        );
        // Recorded once: a second post is refused.
        let again = site.submit(&pickup, &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
);

page_test!(
    others_can_neither_read_nor_change_the_delivery,
    |site| async move {
        let app = &site.app;
        let form = mail_fields();
        let id = filed_case(app, CITIZEN, &form, "others-1").await;
        let path = format!("/api/v1/cases/{id}/delivery");

        // Another citizen: "not found" on the API and the pages, nothing changes.
        let other = token(site, OTHER_CITIZEN).await;
        let (status, body) = call(site, reqwest::Method::GET, &path, Some(&other), None).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
        let (status, _) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&other),
            Some(json!({"method": "electronic"})),
        )
        .await;
        assert_eq!(status, 404);
        citizen(site, OTHER_CITIZEN).await;
        assert_eq!(
            site.get(&format!("/cases/{id}/delivery")).await.status,
            StatusCode::NOT_FOUND
        );
        let posted = site
            .submit(
                &format!("/cases/{id}/delivery"),
                &[("delivery_method", "electronic")],
            )
            .await;
        assert_eq!(posted.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.delivery_for_case(id).await.unwrap().unwrap().method,
            DeliveryMethod::Mail
        );
        // No session at all: the API asks for one.
        let (status, _) = call(site, reqwest::Method::GET, &path, None, None).await;
        assert_eq!(status, 401);

        // The handling department reads it; staff do not choose for the applicant.
        let clerk = token(site, "lh_clerk").await;
        let (status, body) = call(site, reqwest::Method::GET, &path, Some(&clerk), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["recipient_phone"], "138****5678");
        let (status, _) = call(
            site,
            reqwest::Method::PUT,
            &path,
            Some(&clerk),
            Some(json!({"method": "electronic"})),
        )
        .await;
        assert_eq!(status, 404);

        // Staff of another department (市场监管 in 龙华区, 公安 in 秀英区) do not see it.
        for username in ["sj_clerk", "xy_clerk"] {
            let bearer = token(site, username).await;
            let (status, body) = call(site, reqwest::Method::GET, &path, Some(&bearer), None).await;
            assert_eq!(status, 404, "{username}: {body}");
            staff(site, username).await;
            let page = site.get(&format!("/workbench/cases/{id}")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{username}");
            page.assert_lacks("138****5678");
            let pickup = site
                .submit(&format!("/workbench/cases/{id}/delivery/pickup"), &[])
                .await;
            assert!(
                matches!(pickup.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{username}: {}",
                pickup.status
            );
        }
        assert_eq!(
            app.delivery_for_case(id).await.unwrap().unwrap().status,
            DeliveryStatus::Created
        );

        // The endpoints are documented.
        let (status, document) =
            call(site, reqwest::Method::GET, "/api/openapi.json", None, None).await;
        assert_eq!(status, 200);
        let operations = &document["paths"]["/api/v1/cases/{id}/delivery"];
        assert!(operations["get"].is_object(), "{operations}");
        assert!(operations["put"].is_object(), "{operations}");
        assert!(document["components"]["schemas"]["DeliveryRequest"].is_object());
    }
);

// ---- in a real browser, on a 375 px phone ----

const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

async fn shown(browser: &Browser, id: &str) -> Result<bool, BrowserError> {
    let value = browser
        .eval_js(&format!(
            "var e = document.getElementById('{id}'); return !!e && !e.hidden && e.offsetParent !== null"
        ))
        .await?;
    Ok(value.as_bool().unwrap_or(false))
}

async fn page_width(browser: &Browser) -> Result<f64, BrowserError> {
    let value = browser
        .eval_js("return document.documentElement.scrollWidth")
        .await?;
    Ok(value.as_f64().unwrap_or(f64::NAN))
}

/// The mail address appears when 邮寄送达 is picked, the pickup place when 窗口领取 is; the
/// form, the case panel and its change form fit a 375 px screen.
async fn phone_journey(site: &TestSite) -> Result<(), BrowserError> {
    let id = filed_case(&site.app, CITIZEN, &mail_fields(), "browser-1").await;
    let browser = Browser::launch().await?;
    browser.emulate_phone(375, 812).await?;
    browser.goto(&site.url("/login?next=%2Fmy%2Fcases")).await?;
    browser.wait_for("#username", WAIT).await?;
    browser.fill("#username", CITIZEN).await?;
    browser.fill("#password", DEMO_PASSWORD).await?;
    browser.click(".card-form button[type=submit]").await?;
    browser.wait_for("main", WAIT).await?;

    // A new application: electronic by default, the address out of the way.
    browser
        .goto(&site.url(&format!("/items/{ITEM}/apply?region={REGION}")))
        .await?;
    let start = format!("form[action=\"/items/{ITEM}/apply\"] button[type=submit]");
    browser.wait_for(&start, WAIT).await?;
    browser.click(&start).await?;
    browser.wait_for("#form-delivery_method", WAIT).await?;
    assert!(!shown(&browser, "form-mail_address").await?);
    browser
        .click("label[for=form-delivery_method-mail]")
        .await?;
    assert!(shown(&browser, "form-mail_address").await?);
    assert!(shown(&browser, "form-mail_region_code").await?);
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "the form is {width} px wide");
    browser.screenshot("apply-form-mail-375").await?;
    browser
        .click("label[for=form-delivery_method-pickup]")
        .await?;
    assert!(!shown(&browser, "form-mail_address").await?);
    let pickup = browser
        .eval_js("var e = document.querySelector('[data-pickup-place]'); return !!e && !e.hidden")
        .await?;
    assert_eq!(pickup.as_bool(), Some(true));

    // The case page: the panel and the change form fit.
    browser.goto(&site.url(&format!("/cases/{id}"))).await?;
    browser.wait_for("#h-delivery", WAIT).await?;
    let panel = browser.text("#delivery").await?;
    assert!(panel.contains("138****5678"), "{panel}");
    assert!(!panel.contains(RECIPIENT_PHONE), "{panel}");
    browser.click("#delivery summary").await?;
    // The current method is chosen; the address is typed afresh (it is shown only masked).
    assert!(shown(&browser, "form-mail_detail").await?);
    let typed = browser
        .eval_js("return document.getElementById('form-mail_phone').value")
        .await?;
    assert_eq!(typed.as_str(), Some(""));
    browser
        .click("label[for=form-delivery_method-electronic]")
        .await?;
    assert!(!shown(&browser, "form-mail_address").await?);
    browser
        .click("label[for=form-delivery_method-mail]")
        .await?;
    assert!(shown(&browser, "form-mail_detail").await?);
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "the case page is {width} px wide");
    browser.screenshot("case-delivery-375").await?;
    browser.close().await
}

async fn run_phone_journey(backend: zerotrip_store::Backend) {
    let site = TestSite::start(backend).await;
    let outcome = phone_journey(&site).await;
    site.finish().await;
    if let Err(error) = outcome {
        panic!("browser journey failed: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_choice_in_a_browser_on_a_phone_sqlite() {
    run_phone_journey(zerotrip_store::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_choice_in_a_browser_on_a_phone_postgres() {
    run_phone_journey(zerotrip_store::Backend::Postgres).await;
}
