//! In-site messages and SMS observability over HTTP, on SQLite and PostgreSQL: messages are
//! listed only for their owner (pages and API), opening one marks it read, all can be marked
//! read; operators see the persisted text messages with status, segments and attempts and the
//! number masked, others do not; a gateway's delivery report counts only when signed.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use regex::Regex;
use reqwest::StatusCode;
use serde_json::Value;
use zerotrip_app::App;
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::notify::{LocalSmsProvider, NotificationSubscriber, SmsDispatcher, SmsFilter};
use zerotrip_app::payments::signing::sign_fields;
use zerotrip_core::workflow::{ActionRequest, Command};

use support::{DEMO_PASSWORD, TestSite, call, principal, token};

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
/// The demo citizen's phone, as the account holds it.
const CITIZEN_PHONE: &str = "13800138000";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A case of the citizen, submitted and accepted; the notification subscriber has turned its
/// events into in-site messages and queued text messages.
async fn notified_case(app: &App) -> i64 {
    let citizen = principal(app, CITIZEN).await;
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
        region: "460106".to_owned(),
        form: Default::default(),
        materials,
        channel: None,
        applicant_account_id: None,
    };
    let filed = app
        .file_case(&citizen, &application, "messages-case")
        .await
        .unwrap();
    let clerk = principal(app, "lh_clerk").await;
    app.act_on_case(
        &clerk,
        filed.id,
        ActionRequest {
            command: Command::Accept,
            comment: None,
        },
    )
    .await
    .unwrap();
    OutboxWorker::new(
        app.clone(),
        vec![Arc::new(NotificationSubscriber::new(app.clone()))],
    )
    .drain()
    .await
    .unwrap();
    filed.id
}

/// Posts an in-site message to `username` directly, as a use case would.
async fn post_message(app: &App, username: &str, title: &str, body: &str) -> i64 {
    let owner = principal(app, username).await;
    let mut tx = app.db.begin().await.unwrap();
    let id = app
        .post_message(&mut tx, owner.account_id, title, body, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
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

fn ids(body: &Value) -> Vec<i64> {
    body["messages"]
        .as_array()
        .map(|list| list.iter().filter_map(|m| m["id"].as_i64()).collect())
        .unwrap_or_default()
}

page_test!(
    messages_are_listed_only_for_their_owner,
    |site| async move {
        let app = &site.app;
        let case_id = notified_case(app).await;
        let others = post_message(app, OTHER_CITIZEN, "李红的消息", "只给李红看的内容。").await;

        // The API: each account sees its own.
        let mine = token(site, CITIZEN).await;
        let theirs = token(site, OTHER_CITIZEN).await;
        let (status, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages",
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let my_ids = ids(&body);
        assert!(my_ids.len() >= 2, "submitted and accepted: {body}");
        assert_eq!(body["unread"].as_i64(), Some(my_ids.len() as i64));
        assert!(!my_ids.contains(&others));
        let titles: Vec<&str> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["title"].as_str())
            .collect();
        assert!(titles.contains(&"申请已受理"), "{titles:?}");
        assert!(body["messages"][0]["case_id"].as_i64() == Some(case_id));
        let (status, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages",
            Some(&theirs),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), vec![others]);
        // Nobody marks someone else's message read.
        let target = my_ids[0];
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/messages/{target}/read"),
            Some(&theirs),
            None,
        )
        .await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
        let (_, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages?unread=true",
            Some(&mine),
            None,
        )
        .await;
        assert!(ids(&body).contains(&target), "still unread");
        let (status, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages?limit=0",
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["fields"][0]["field"], "limit");
        let (status, _) = call(site, reqwest::Method::GET, "/api/v1/messages", None, None).await;
        assert_eq!(status, 401);
        // The owner marks one read.
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/messages/{target}/read"),
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], target);
        assert!(body["read_at"].is_string(), "{body}");
        let (_, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages",
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(body["unread"].as_i64(), Some(my_ids.len() as i64 - 1));

        // The pages: the owner's list, opening marks read, mark all read.
        citizen_login(site, CITIZEN).await;
        let page = site.get("/my/messages").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("申请已受理");
        page.assert_contains("未读");
        page.assert_contains(&format!(
            "您有 <strong>{}</strong> 条未读消息",
            my_ids.len() - 1
        ));
        page.assert_lacks("李红的消息");
        let unread_id = my_ids[1];
        let opened = site.get(&format!("/my/messages/{unread_id}")).await;
        assert_eq!(opened.status, StatusCode::OK);
        opened.assert_contains("已标为已读");
        opened.assert_contains(&format!("href=\"/cases/{case_id}\""));
        let (_, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages?unread=1",
            Some(&mine),
            None,
        )
        .await;
        assert!(!ids(&body).contains(&unread_id), "opening marked it read");
        let stranger = site.get(&format!("/my/messages/{others}")).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);
        stranger.assert_lacks("只给李红看的内容");
        let unread_only = site.get("/my/messages?unread=1").await;
        assert_eq!(unread_only.status, StatusCode::OK);
        // Everything is read now; the button only shows while something is unread.
        site.get("/my/messages").await.assert_lacks("全部标为已读");
        post_message(app, CITIZEN, "缴费提醒", "请缴纳费用。").await;
        let form = site.get("/my/messages").await.form("/my/messages/read-all");
        let done = site.post("/my/messages/read-all", &form).await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(
            done.url.ends_with("/my/messages?done=read-all"),
            "{}",
            done.url
        );
        done.assert_contains("已将全部消息标为已读");
        done.assert_contains("没有未读消息");
        // Without the CSRF token nothing is marked.
        let after = post_message(app, CITIZEN, "新消息", "又一条。").await;
        let forged = site.post_raw("/my/messages/read-all", &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let (_, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages?unread=true",
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(ids(&body), vec![after]);
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            "/api/v1/messages/read-all",
            Some(&mine),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["marked"], 1);
        // The other citizen's message is untouched by all of this.
        let (_, body) = call(
            site,
            reqwest::Method::GET,
            "/api/v1/messages",
            Some(&theirs),
            None,
        )
        .await;
        assert_eq!(body["unread"], 1);
        // Signed out, the page asks to sign in.
        sign_out(site).await;
        let redirect = site.get_raw("/my/messages").await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);
        assert!(
            redirect.header("location").starts_with("/login"),
            "{}",
            redirect.header("location")
        );
    }
);

fn first_sms_link(html: &str) -> Option<String> {
    Regex::new(r#"href="(/admin/sms/\d+)""#)
        .unwrap()
        .captures(html)
        .map(|c| c[1].to_owned())
}

page_test!(operators_see_text_messages_masked, |site| async move {
    let app = &site.app;
    notified_case(app).await;
    // A long message: 71 characters with the signature make two segments.
    let mut tx = app.db.begin().await.unwrap();
    app.queue_sms(&mut tx, CITIZEN_PHONE, &"政".repeat(65), "test.long")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let gateway = LocalSmsProvider::new(app).with_delivery_delay(chrono::Duration::hours(1));
    let report = SmsDispatcher::new(app.clone(), Arc::new(gateway))
        .run_once()
        .await
        .unwrap();
    assert!(!report.is_idle(), "{report:?}");

    // Operators: masked numbers, status, segments, attempts.
    staff_login(site, "admin").await;
    let page = site.get("/admin/sms").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.assert_contains("138****8000");
    page.assert_lacks(CITIZEN_PHONE);
    page.assert_contains("已发送");
    page.assert_contains("case.accept");
    page.assert_contains("test.long");
    page.assert_contains("1 / 5");
    page.assert_contains("<td class=\"num\">2</td>");
    let filtered = site.get("/admin/sms?purpose=test.long").await;
    filtered.assert_contains("test.long");
    filtered.assert_lacks("<td>case.accept");
    let bad = site.get("/admin/sms?phone=123&status=lost").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("手机号码");
    let link = first_sms_link(&page.text).expect("a message link");
    let detail = site.get(&link).await;
    assert_eq!(detail.status, StatusCode::OK);
    detail.assert_contains("网关已接收");
    detail.assert_lacks(CITIZEN_PHONE);
    assert_eq!(detail.header("cache-control"), "no-store");

    // Staff without the operator role, and citizens, do not get in.
    staff_login(site, "lh_clerk").await;
    let refused = site.get("/admin/sms").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_lacks("138****8000");
    citizen_login(site, CITIZEN).await;
    let citizen = site.get_raw("/admin/sms").await;
    assert_eq!(citizen.status, StatusCode::SEE_OTHER);
    assert!(citizen.header("location").starts_with("/admin/login"));

    // The gateway pushes a delivery report: only a signed, fresh one counts.
    let admin = principal(app, "admin").await;
    let sent = app
        .sms_messages(
            &admin,
            &SmsFilter {
                purpose: Some("test.long".to_owned()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    let sms = &sent[0];
    assert_eq!(sms.status.as_str(), "sent");
    let message_id = sms.provider_message_id.clone().expect("the gateway's id");
    let fields: BTreeMap<String, String> = [
        ("provider", "local".to_owned()),
        ("message_id", message_id.clone()),
        ("status", "delivered".to_owned()),
        ("report", "DELIVRD".to_owned()),
        ("timestamp", app.clock.now().timestamp().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let key = app.installation_secret("sms").await.unwrap();
    let signature = sign_fields(&key, &fields);
    let push = |signature: Option<String>, body: Vec<u8>| async move {
        let mut request = reqwest::Client::new()
            .post(site.url("/api/v1/sms/delivery-reports"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Zerotrip-Signature", signature);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    let body = serde_json::to_vec(&fields).unwrap();
    let (status, error) = push(None, body.clone()).await;
    assert_eq!(status, 401, "{error}");
    assert_eq!(error["error"]["code"], "unauthenticated");
    let mut forged = fields.clone();
    forged.insert("status".to_owned(), "failed".to_owned());
    let (status, _) = push(
        Some(signature.clone()),
        serde_json::to_vec(&forged).unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    let mut stale = fields.clone();
    stale.insert(
        "timestamp".to_owned(),
        (app.clock.now().timestamp() - 3600).to_string(),
    );
    let stale_signature = sign_fields(&key, &stale);
    let (status, error) = push(Some(stale_signature), serde_json::to_vec(&stale).unwrap()).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "timestamp");
    let still = app.sms_message(&admin, sms.id).await.unwrap();
    assert_eq!(still.message.status.as_str(), "sent", "nothing changed");
    let (status, ack) = push(Some(signature.clone()), body.clone()).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["code"], "SUCCESS");
    let delivered = app.sms_message(&admin, sms.id).await.unwrap();
    assert_eq!(delivered.message.status.as_str(), "delivered");
    assert_eq!(
        delivered.message.delivery_report.as_deref(),
        Some("DELIVRD")
    );
    // A repeat changes nothing; an unknown message is not found.
    let (status, _) = push(Some(signature), body).await;
    assert_eq!(status, 200);
    let mut unknown = fields.clone();
    unknown.insert("message_id".to_owned(), "LS0000000000".to_owned());
    let unknown_signature = sign_fields(&key, &unknown);
    let (status, _) = push(
        Some(unknown_signature),
        serde_json::to_vec(&unknown).unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    staff_login(site, "admin").await;
    let page = site.get("/admin/sms?status=delivered").await;
    page.assert_contains("已送达");
    page.assert_contains("DELIVRD");
});
