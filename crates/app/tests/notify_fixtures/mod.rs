//! A small world for the tests of notifications, payments and delivery: two departments, one
//! item, applicants and staff, and case rows written directly (the case module owns cases; these
//! tests only need rows to hang orders, deliveries and messages on), plus `case.*` events as the
//! case module emits them.
#![allow(dead_code)]

use chrono::NaiveDate;
use serde_json::json;
use zerotrip_app::auth::{NewStaff, Principal};
use zerotrip_app::events::{CaseEventPayload, topics};
use zerotrip_app::{App, Clock};
use zerotrip_core::access::Role;
use zerotrip_store::outbox::OutboxEvent;
use zerotrip_store::{Db, sql};

pub const PASSWORD: &str = "fixture2026";
pub const ITEM_CODE: &str = "HN-GA-90001";
pub const ITEM_NAME: &str = "居民身份证换领";

pub struct World {
    pub app: App,
    pub department_id: i64,
    pub other_department_id: i64,
}

async fn department(app: &App, credit_code: &str, name: &str, kind: &str) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO departments (credit_code, name, short_name, kind, region_code) \
                 VALUES ($1, $2, $2, $3, '460106') RETURNING id",
            )
            .bind(credit_code)
            .bind(name)
            .bind(kind),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A platform with reference data, two departments of 龙华区 and one item.
pub async fn world(db: Db) -> World {
    let app = App::open(db, std::env::temp_dir(), Clock::system())
        .await
        .expect("open the platform");
    let department_id = department(
        &app,
        "11460106MB0000001A",
        "海口市龙华区公安分局",
        "public_security",
    )
    .await;
    let other_department_id = department(
        &app,
        "11460106MB0000002B",
        "海口市龙华区民政局",
        "civil_affairs",
    )
    .await;
    let mut tx = app.db.begin().await.unwrap();
    tx.execute(
        sql("INSERT INTO items (code, basic_code, name, item_type, department_kind, search_text, created_at) \
             VALUES ($1, '000000000001', $2, 'public_service', 'public_security', $2, $3)")
        .bind(ITEM_CODE)
        .bind(ITEM_NAME)
        .bind(app.clock.now()),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    World {
        app,
        department_id,
        other_department_id,
    }
}

impl World {
    /// A natural person who can sign in.
    pub async fn person(&self, username: &str, phone: &str) -> Principal {
        let hash = zerotrip_app::auth::hash_password(PASSWORD).await.unwrap();
        let mut tx = self.app.db.begin().await.unwrap();
        tx.execute(
            sql("INSERT INTO accounts (kind, username, display_name, password_hash, roles, created_at, \
                 real_name, phone) VALUES ('person', $1, $2, $3, $4, $5, $2, $6)")
            .bind(username)
            .bind(format!("申请人{username}"))
            .bind(hash)
            .bind(json!([]))
            .bind(self.app.clock.now())
            .bind(phone),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        self.app.authenticate(username, PASSWORD).await.unwrap()
    }

    /// Staff of `department_id` with `roles`.
    pub async fn staff(
        &self,
        username: &str,
        department_id: Option<i64>,
        roles: &[Role],
    ) -> Principal {
        self.app
            .create_staff(NewStaff {
                username: username.to_owned(),
                display_name: format!("工作人员{username}"),
                password: PASSWORD.to_owned(),
                department_id,
                region_code: Some("460106".to_owned()),
                roles: roles.to_vec(),
            })
            .await
            .unwrap();
        self.app.authenticate(username, PASSWORD).await.unwrap()
    }

    /// A submitted case of `applicant` handled by the first department.
    pub async fn case(&self, applicant: &Principal, number: &str, phone: &str) -> i64 {
        let now = self.app.clock.now();
        let mut tx = self.app.db.begin().await.unwrap();
        let (id,): (i64,) = tx
            .fetch_one(
                sql("INSERT INTO cases (number, item_code, item_version, item_name, implementation_code, \
                     handling_region_code, handling_department_id, filing_region_code, channel, \
                     applicant_account_id, applicant_kind, applicant_name, applicant_id_type, \
                     applicant_id_number, contact_phone, filed_by_account_id, workflow_code, \
                     workflow_version, state, form, clock, deadline, created_at, submitted_at, updated_at) \
                     VALUES ($1, $2, 1, $3, 'IMPL-1', '460106', $4, '460106', 'web', $5, 'person', '张三', \
                     'resident_id', '460106199001011239', $6, $5, 'default', 1, 'accepted', $7, $8, $9, \
                     $10, $10, $10) RETURNING id")
                .bind(number)
                .bind(ITEM_CODE)
                .bind(ITEM_NAME)
                .bind(self.department_id)
                .bind(applicant.account_id)
                .bind(phone)
                .bind(json!({}))
                .bind(json!({}))
                .bind(NaiveDate::from_ymd_opt(2026, 12, 18).unwrap())
                .bind(now),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    }
}

/// The payload the case module emits for `action` on a case.
pub fn case_event(
    case_id: i64,
    number: &str,
    applicant: &Principal,
    phone: &str,
    action: &str,
) -> CaseEventPayload {
    CaseEventPayload {
        case_id,
        number: number.to_owned(),
        item_code: ITEM_CODE.to_owned(),
        item_name: ITEM_NAME.to_owned(),
        action: action.to_owned(),
        from_state: "submitted".to_owned(),
        to_state: "accepted".to_owned(),
        to_state_label: "已受理".to_owned(),
        outcome: None,
        applicant_account_id: applicant.account_id,
        contact_phone: phone.to_owned(),
        handling_department_id: 1,
        channel: "web".to_owned(),
        comment: None,
        materials: Vec::new(),
    }
}

/// Writes a `case.*` event to the outbox as the case module would; returns the stored event.
pub async fn emit_case_event(app: &App, payload: &CaseEventPayload) -> OutboxEvent {
    let topic = if payload.action == "submit" {
        topics::CASE_SUBMITTED
    } else {
        topics::CASE_ACTION
    };
    let mut tx = app.db.begin().await.unwrap();
    let id = app
        .emit(
            &mut tx,
            topic,
            &payload.number,
            serde_json::to_value(payload).unwrap(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    outbox_event(app, id).await
}

pub async fn outbox_event(app: &App, id: i64) -> OutboxEvent {
    app.db
        .fetch_one(
            sql("SELECT id, topic, event_key, payload, created_at, attempts FROM outbox WHERE id = $1")
                .bind(id),
        )
        .await
        .unwrap()
}

/// Topics in the outbox, oldest first.
pub async fn outbox_topics(app: &App) -> Vec<String> {
    let rows: Vec<(String,)> = app
        .db
        .fetch_all(sql("SELECT topic FROM outbox ORDER BY id"))
        .await
        .unwrap();
    rows.into_iter().map(|(topic,)| topic).collect()
}

pub async fn count(app: &App, query: &'static str) -> i64 {
    let (count,): (i64,) = app.db.fetch_one(sql(query)).await.unwrap();
    count
}
