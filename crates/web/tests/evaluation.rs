//! 好差评 and the 未办成事 desk over HTTP, on both backends: the JSON contracts (statuses,
//! field errors, scope), the applicant's rating form, the department's rectification pages,
//! the statistics page with its chart, and the desk pages — with script rendered inert.

mod support;

use std::sync::Arc;

use axum::body::Bytes;
use chrono::NaiveDate;
use regex::Regex;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use zerotrip_app::App;
use zerotrip_app::auth::{Principal, SessionKind};
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_core::workflow::{ActionRequest, Command};

use support::TestSite;

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const SCRIPT: &str = "<script>alert('差评')</script>";

async fn principal(app: &App, username: &str) -> Principal {
    app.authenticate(username, support::DEMO_PASSWORD)
        .await
        .expect("a demo account")
}

/// A case of the demo citizen taken through the workflow to 已送达, through the app.
async fn delivered_case(app: &App, key: &str) -> (i64, String) {
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
    let filed = app.file_case(&citizen, &application, key).await.unwrap();
    for (who, command) in [
        ("lh_clerk", Command::Accept),
        ("lh_reviewer", Command::Review),
        ("lh_approver", Command::Approve),
        ("lh_clerk", Command::Complete),
        ("lh_clerk", Command::Deliver),
    ] {
        let staff = principal(app, who).await;
        app.act_on_case(
            &staff,
            filed.id,
            ActionRequest {
                command,
                comment: Some("同意".into()),
            },
        )
        .await
        .unwrap();
    }
    (filed.id, filed.number)
}

async fn token(site: &TestSite, username: &str) -> String {
    let response = site
        .client
        .post(site.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{username} gets a token");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn call(
    site: &TestSite,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, site.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("a response");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

fn fields_of(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A browser signed in as an applicant (the page session cookie), keeping its own cookies.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    async fn signed_in(site: &TestSite, username: &str) -> Browser {
        let who = principal(&site.app, username).await;
        let session = site
            .app
            .open_session(&who, SessionKind::Cookie)
            .await
            .unwrap();
        let jar = Arc::new(Jar::default());
        let url = site.url("/").parse().unwrap();
        jar.add_cookie_str(&format!("zt_session={}; Path=/", session.token), &url);
        Browser {
            client: reqwest::Client::builder()
                .cookie_provider(jar)
                .build()
                .unwrap(),
            base: site.base.clone(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        let url = response.url().to_string();
        (
            response.status().as_u16(),
            url,
            response.text().await.unwrap(),
        )
    }
}

fn csrf_of(html: &str) -> String {
    Regex::new(r#"name="csrf" value="([^"]+)""#)
        .unwrap()
        .captures(html)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_owned())
        .expect("a csrf field")
}

/// The id in `/workbench/<kind>/<id>` links of a page.
fn linked_id(html: &str, kind: &str) -> i64 {
    Regex::new(&format!(r#"href="/workbench/{kind}/(\d+)""#))
        .unwrap()
        .captures(html)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("a link to a {kind} entry"))
}

/// Signs a staff member in through the login form (without looking at the landing page).
async fn staff_login(site: &TestSite, username: &str) {
    let csrf = site.csrf().await;
    let fields: Vec<(String, String)> = [
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", support::DEMO_PASSWORD),
        ("next", "/workbench/rectifications"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let page = site.post_raw("/admin/login", &fields).await;
    assert_eq!(
        page.status.as_u16(),
        303,
        "{username} signs in: {}",
        page.text
    );
}

fn set_today(app: &App, date: &str) {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let target = date.and_hms_opt(2, 0, 0).unwrap().and_utc();
    app.clock.advance(target - app.clock.now());
}

page_test!(the_evaluation_api_keeps_its_contract, |site| async move {
    set_today(&site.app, "2024-09-29");
    let (id, _) = delivered_case(&site.app, "api-rate-0001").await;
    let citizen = token(site, CITIZEN).await;
    let path = format!("/api/v1/cases/{id}/evaluation");

    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &path,
        None,
        Some(json!({"level": 1})),
    )
    .await;
    assert_eq!(status, 401);
    let other = token(site, OTHER_CITIZEN).await;
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &path,
        Some(&other),
        Some(json!({"level": 1})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");

    // Hostile input: each refused with its field, nothing stored.
    for (payload, field) in [
        (json!({"level": 7}), "level"),
        (json!({"level": "很好"}), "level"),
        (
            json!({"level": 1, "comment": "差".repeat(5_000)}),
            "comment",
        ),
        (json!({"level": 1, "channel": "fax"}), "channel"),
        (json!({"level": 1, "stars": 5}), "body"),
    ] {
        let (status, body) = call(
            site,
            reqwest::Method::POST,
            &path,
            Some(&citizen),
            Some(payload.clone()),
        )
        .await;
        assert_eq!(status, 400, "{payload} → {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        let fields = fields_of(&body);
        assert!(
            fields.iter().any(|f| f == field) || field == "body",
            "{field} in {fields:?}"
        );
    }
    let (status, before) = call(site, reqwest::Method::GET, &path, Some(&citizen), None).await;
    assert_eq!(status, 200);
    assert_eq!(before["open_for_rating"], true);
    assert_eq!(before["evaluation"], Value::Null);

    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &path,
        Some(&citizen),
        Some(json!({"level": "非常不满意", "comment": SCRIPT, "channel": "短信"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["level"], 5);
    assert_eq!(body["level_label"], "非常不满意");
    assert_eq!(body["channel"], "sms");
    assert_eq!(body["comment"], SCRIPT);
    assert_eq!(body["rectification"]["deadline"], "2024-10-11");
    let task = body["rectification"]["id"].as_i64().unwrap();
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &path,
        Some(&citizen),
        Some(json!({"level": 1})),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // The handling department sees and acts; another department does not see it.
    let reviewer = token(site, "lh_reviewer").await;
    let (status, list) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/rectifications?status=open",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["tasks"][0]["id"], task);
    let sj = token(site, "sj_clerk").await;
    let (_, list) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/rectifications",
        Some(&sj),
        None,
    )
    .await;
    assert_eq!(list["total"], 0);
    let task_path = format!("/api/v1/rectifications/{task}");
    let (status, _) = call(site, reqwest::Method::GET, &task_path, Some(&sj), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &format!("{task_path}/callbacks"),
        Some(&sj),
        Some(json!({"method": "phone", "feedback": "越权"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/rectifications",
        Some(&citizen),
        None,
    )
    .await;
    assert_eq!(status, 403);

    let close = json!({"outcome": "立行立改", "note": "已整改"});
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &format!("{task_path}/close"),
        Some(&reviewer),
        Some(close.clone()),
    )
    .await;
    assert_eq!(status, 409, "not before a callback: {body}");
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &format!("{task_path}/callbacks"),
        Some(&reviewer),
        Some(json!({"method": "电话", "feedback": "申请人认可整改", "satisfaction": 2})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["callback_count"], 1);
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &format!("{task_path}/close"),
        Some(&reviewer),
        Some(close),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed");
    assert_eq!(body["deadline_status"], "closed_on_time");

    // Statistics for staff only.
    let (status, stats) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/evaluations/stats?by=channel",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stats["totals"]["total"], 1);
    assert_eq!(stats["totals"]["bad_count"], 1);
    assert_eq!(stats["totals"]["satisfaction_rate"], 0.0);
    assert_eq!(stats["totals"]["on_time_rate"], 1.0);
    assert_eq!(stats["rows"][0]["label"], "短信");
    let (status, body) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/evaluations/stats?by=weekday",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(fields_of(&body), vec!["by"]);
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/evaluations/stats",
        Some(&citizen),
        None,
    )
    .await;
    assert_eq!(status, 403);

    // The deadline setting: province administrators only.
    let admin = token(site, "admin").await;
    let (status, _) = call(
        site,
        reqwest::Method::PUT,
        "/api/v1/evaluations/settings",
        Some(&reviewer),
        Some(json!({"rectification_working_days": 3})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        site,
        reqwest::Method::PUT,
        "/api/v1/evaluations/settings",
        Some(&admin),
        Some(json!({"rectification_working_days": 31})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = call(
        site,
        reqwest::Method::PUT,
        "/api/v1/evaluations/settings",
        Some(&admin),
        Some(json!({"rectification_working_days": 15})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/evaluations/settings",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(body["rectification_working_days"], 15);

    // The OpenAPI document lists the new paths.
    let (_, doc) = call(site, reqwest::Method::GET, "/api/openapi.json", None, None).await;
    for path in [
        "/api/v1/cases/{id}/evaluation",
        "/api/v1/evaluations/stats",
        "/api/v1/rectifications/{id}/close",
        "/api/v1/unresolved",
        "/api/v1/unresolved/{id}/close",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
});

page_test!(the_desk_api_records_and_closes, |site| async move {
    let window = token(site, "lh_window").await;
    let (status, owners) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/unresolved/owners",
        Some(&window),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        owners
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["username"] == "lh_reviewer")
    );
    assert!(
        !owners
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["username"] == "xy_clerk")
    );

    let (status, body) = call(site, reqwest::Method::POST, "/api/v1/unresolved", Some(&window), Some(json!({
        "person_name": "", "person_phone": "123", "request": "", "reasons": [], "owner": "xy_clerk", "working_days": 0
    }))).await;
    assert_eq!(status, 400);
    let mut fields = fields_of(&body);
    fields.sort();
    fields.dedup();
    assert_eq!(
        fields,
        vec![
            "owner",
            "person_name",
            "person_phone",
            "reasons",
            "request",
            "working_days"
        ]
    );

    let (status, body) = call(site, reqwest::Method::POST, "/api/v1/unresolved", Some(&window), Some(json!({
        "person_name": "钱女士", "person_phone": "13700137000", "item_code": ITEM,
        "request": "想当天拿到迁移证明", "reasons": ["system_failure"], "owner": "lh_reviewer", "working_days": 2
    }))).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["person_phone"], "13700137000");
    assert_eq!(body["person_phone_masked"], "137****7000");
    let path = format!("/api/v1/unresolved/{id}");

    let reviewer = token(site, "lh_reviewer").await;
    let (_, list) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/unresolved?scope=mine",
        Some(&reviewer),
        None,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["requests"][0]["person_phone"], Value::Null);
    let sj = token(site, "sj_clerk").await;
    let (status, _) = call(site, reqwest::Method::GET, &path, Some(&sj), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        site,
        reqwest::Method::GET,
        "/api/v1/unresolved?scope=region",
        Some(&sj),
        None,
    )
    .await;
    assert_eq!(status, 403);

    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &format!("{path}/updates"),
        Some(&reviewer),
        Some(json!({"note": "已联系技术支持"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &format!("{path}/close"),
        Some(&window),
        Some(json!({"resolution": "x"})),
    )
    .await;
    assert_eq!(status, 403, "only the owner closes");
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        &format!("{path}/close"),
        Some(&reviewer),
        Some(json!({"resolution": "系统恢复后当天办结"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed");
    let (status, _) = call(
        site,
        reqwest::Method::POST,
        &format!("{path}/close"),
        Some(&reviewer),
        Some(json!({"resolution": "again"})),
    )
    .await;
    assert_eq!(status, 409);
});

page_test!(
    the_applicant_rates_on_the_page_and_script_stays_inert,
    |site| async move {
        set_today(&site.app, "2024-09-29");
        let (id, number) = delivered_case(&site.app, "page-rate-0001").await;
        let form_path = format!("/cases/{id}/evaluation");
        // Visitors are sent to sign in.
        let page = site.get_raw(&form_path).await;
        assert_eq!(page.status.as_u16(), 303);
        assert!(
            page.header("location").starts_with("/login?next="),
            "{}",
            page.header("location")
        );

        let browser = Browser::signed_in(site, CITIZEN).await;
        let (status, html) = browser.get(&form_path).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("您对本次服务满意吗"));
        assert!(html.contains("非常不满意"));
        assert!(html.contains(r#"<option value="pc" selected>PC端</option>"#));
        let csrf = csrf_of(&html);
        // Without a level: the form again, with the error next to the field.
        let (status, _, html) = browser
            .post(&form_path, &[("csrf", &csrf), ("comment", "无")])
            .await;
        assert_eq!(status, 400);
        assert!(html.contains("请选择满意度"), "{html}");
        let comment = format!("{SCRIPT} 态度差");
        let (status, url, html) = browser
            .post(
                &form_path,
                &[
                    ("csrf", &csrf),
                    ("level", "5"),
                    ("comment", &comment),
                    ("channel", "mobile"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(url.ends_with("?done=1"), "{url}");
        assert!(html.contains("感谢您的评价"));
        assert!(html.contains("已转办理部门整改"), "{html}");
        assert!(html.contains("2024年10月11日"));
        assert!(!html.contains("<script>alert"), "script is escaped");
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{html}"
        );
        // A second rating through the form is refused.
        let (status, _, html) = browser
            .post(&form_path, &[("csrf", &csrf), ("level", "1")])
            .await;
        assert_eq!(status, 409);
        assert!(html.contains("每件只能评价一次"));
        // Without the CSRF token nothing happens.
        let (status, _, _) = browser.post(&form_path, &[("level", "1")]).await;
        assert_eq!(status, 403);
        // Someone else's case is not found.
        let other = Browser::signed_in(site, OTHER_CITIZEN).await;
        let (status, _) = other.get(&form_path).await;
        assert_eq!(status, 404);

        // The department's task list and page.
        staff_login(site, "lh_reviewer").await;
        let list = site.get("/workbench/rectifications").await;
        list.assert_contains(&number);
        list.assert_contains("非常不满意");
        list.assert_contains("整改中");
        let task = linked_id(&list.text, "rectifications");
        let task_path = format!("/workbench/rectifications/{task}");
        let page = site.get(&task_path).await;
        assert_eq!(page.header("cache-control"), "no-store");
        page.assert_contains("13800138000");
        page.assert_lacks("<script>alert");
        page.assert_contains("&#60;script&#62;");
        // Closing first is refused: 实名差评 are called back first.
        let refused = site
            .submit(
                &format!("{task_path}/close"),
                &[("outcome", "immediate"), ("note", "已整改")],
            )
            .await;
        assert_eq!(refused.status.as_u16(), 409);
        refused.assert_contains("须先回访申请人");
        let called = site
            .submit(
                &format!("{task_path}/callbacks"),
                &[
                    ("called_on", "2024-09-29"),
                    ("method", "phone"),
                    ("caller", ""),
                    ("feedback", "申请人接受道歉"),
                    ("satisfaction", "3"),
                ],
            )
            .await;
        assert_eq!(called.status.as_u16(), 200);
        called.assert_contains("回访记录已保存");
        called.assert_contains("申请人接受道歉");
        let closed = site
            .submit(
                &format!("{task_path}/close"),
                &[
                    ("outcome", "immediate"),
                    ("note", "已对窗口人员批评教育"),
                    ("promised_by", ""),
                ],
            )
            .await;
        assert_eq!(closed.status.as_u16(), 200);
        closed.assert_contains("整改任务已办结");
        closed.assert_contains("按时办结");

        // Statistics with the chart and its table.
        let stats = site.get("/workbench/evaluations?by=channel").await;
        assert_eq!(stats.status.as_u16(), 200);
        stats.assert_contains("<svg");
        stats.assert_contains("移动服务端");
        stats.assert_contains("好差评按评价渠道统计表");
        stats.assert_contains("100.0%");
        let bad = site.get("/workbench/evaluations?by=weekday").await;
        assert_eq!(bad.status.as_u16(), 400);
    }
);

page_test!(
    another_department_sees_no_rectification_page,
    |site| async move {
        let (id, _) = delivered_case(&site.app, "page-scope-0001").await;
        let citizen = principal(&site.app, CITIZEN).await;
        let view = site
            .app
            .rate_case(
                &citizen,
                id,
                &zerotrip_app::evaluation::EvaluationInput {
                    level: zerotrip_app::evaluation::LevelInput::Code(4),
                    comment: None,
                    channel: None,
                },
            )
            .await
            .unwrap();
        let task = view.rectification.unwrap().id;
        staff_login(site, "sj_reviewer").await;
        let list = site.get("/workbench/rectifications").await;
        list.assert_contains("没有符合条件的整改任务");
        let page = site.get(&format!("/workbench/rectifications/{task}")).await;
        assert_eq!(page.status.as_u16(), 404);
        let post = site
            .submit(
                &format!("/workbench/rectifications/{task}/callbacks"),
                &[("method", "phone"), ("feedback", "越权")],
            )
            .await;
        assert_eq!(post.status.as_u16(), 404);
    }
);

page_test!(the_desk_pages_record_and_mark_overdue, |site| async move {
    set_today(&site.app, "2024-09-29");
    staff_login(site, "lh_window").await;
    let form = site.get("/workbench/unresolved/new").await;
    assert_eq!(form.status.as_u16(), 200);
    form.assert_contains("登记未办成事");
    form.assert_contains("lh_reviewer");
    form.assert_lacks("xy_clerk");
    // Incomplete: the form again with the errors.
    let refused = site
        .submit(
            "/workbench/unresolved",
            &[
                ("person_name", ""),
                ("person_phone", "1"),
                ("request", ""),
                ("owner", ""),
                ("working_days", "5"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 400);
    refused.assert_contains("请填写姓名");
    refused.assert_contains("请至少选择一项未办成的原因");
    let recorded = site
        .submit(
            "/workbench/unresolved",
            &[
                ("person_name", "孙先生"),
                ("person_phone", "13600136000"),
                ("item_code", ""),
                ("request", SCRIPT),
                ("reasons", "policy_gap"),
                ("reasons", "historical"),
                ("reason_note", ""),
                ("owner", "lh_reviewer"),
                ("working_days", "2"),
            ],
        )
        .await;
    assert_eq!(recorded.status.as_u16(), 200, "{}", recorded.text);
    recorded.assert_contains("已登记，并已交跟进责任人办理");
    recorded.assert_contains("13600136000");
    recorded.assert_contains("2024年10月8日");
    recorded.assert_lacks("<script>alert");
    recorded.assert_contains("&#60;script&#62;");
    let id = Regex::new(r"/workbench/unresolved/(\d+)/updates")
        .unwrap()
        .captures(&recorded.text)
        .and_then(|c| c[1].parse::<i64>().ok())
        .expect("the request's forms");

    set_today(&site.app, "2024-10-09");
    // Ten days on, the session has expired: sign in again.
    staff_login(site, "lh_window").await;
    let list = site.get("/workbench/unresolved?status=overdue").await;
    list.assert_contains("已逾期");
    list.assert_contains("孙**");
    list.assert_contains("136****6000");
    list.assert_lacks("13600136000");
    assert_eq!(linked_id(&list.text, "unresolved"), id);

    // The owner closes it on the page.
    staff_login(site, "lh_reviewer").await;
    let page = site.get(&format!("/workbench/unresolved/{id}")).await;
    page.assert_contains("办理结果");
    let closed = site
        .submit(
            &format!("/workbench/unresolved/{id}/close"),
            &[("resolution", "已按历史政策办理")],
        )
        .await;
    assert_eq!(closed.status.as_u16(), 200);
    closed.assert_contains("已办结。");
    closed.assert_contains("逾期办结");
    // Another department's clerk gets not found.
    staff_login(site, "sj_clerk").await;
    let hidden = site.get(&format!("/workbench/unresolved/{id}")).await;
    assert_eq!(hidden.status.as_u16(), 404);
});
