//! The store's own guarantees, on both backends.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use zerotrip_store::audit::{self, AuditEntry};
use zerotrip_store::catalog::{self, ItemFilter, ItemListing, ItemOrder, VersionRow};
use zerotrip_store::{Db, Json, StoreError, backend_test, outbox, sql};

fn listing(name: &str, themes: &[&str]) -> ItemListing {
    ItemListing {
        name: name.to_owned(),
        item_type: "行政许可".into(),
        department_kind: "公安机关".into(),
        search_text: format!("{name} 别名_100%"),
        high_frequency: true,
        yearly_volume: 10,
        themes: themes.iter().map(|t| t.to_string()).collect(),
    }
}

async fn publish(db: &Db, code: &str, version: i64, name: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    if version == 1 {
        catalog::insert_item(
            &mut tx,
            code,
            &format!("4601{code:0>8}"),
            None,
            &listing(name, &["户籍"]),
            Utc::now(),
        )
        .await?;
    }
    let row = VersionRow {
        item_code: code.to_owned(),
        version,
        content: Json(json!({"name": name})),
        changes: Json(json!([])),
        note: "测试".into(),
        content_hash: "h".into(),
        published_at: Utc::now(),
        published_by: "admin".into(),
    };
    catalog::publish_version(&mut tx, &row, &listing(name, &["户籍", "出生"])).await?;
    tx.commit().await
}

backend_test!(published_versions_are_immutable, |db| async move {
    publish(&db, "A1", 1, "出生登记").await.unwrap();
    publish(&db, "A1", 2, "出生登记（新）").await.unwrap();
    let update = db
        .execute(sql(
            "UPDATE item_versions SET note = 'x' WHERE item_code = 'A1'",
        ))
        .await;
    assert!(update.is_err(), "a published version must not change");
    let delete = db.execute(sql("DELETE FROM item_versions")).await;
    assert!(delete.is_err(), "a published version must not be deleted");
    let history = catalog::version_history(&db, "A1").await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let current = catalog::published_item(&db, "A1").await.unwrap().unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(current.content.0["name"], "出生登记（新）");
});

backend_test!(duplicate_version_is_a_conflict, |db| async move {
    publish(&db, "A1", 1, "出生登记").await.unwrap();
    let again = publish(&db, "A1", 1, "出生登记").await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
});

backend_test!(list_filters_and_escapes_like, |db| async move {
    publish(&db, "A1", 1, "出生登记").await.unwrap();
    publish(&db, "A2", 1, "死亡注销").await.unwrap();
    let page = |text: &str| {
        let db = db.clone();
        let filter = ItemFilter {
            text: Some(text.to_owned()),
            ..Default::default()
        };
        async move {
            catalog::list_published(&db, &filter, ItemOrder::Code, 10, 0)
                .await
                .unwrap()
        }
    };
    assert_eq!(page("出生").await.0, 1);
    assert_eq!(page("登记").await.0, 1);
    // `%` and `_` are literal characters, not wildcards.
    assert_eq!(page("别名_100%").await.0, 2);
    assert_eq!(page("别名x100").await.0, 0);
    assert_eq!(page("%").await.0, 2);
    let filter = ItemFilter {
        theme: Some("出生".into()),
        ..Default::default()
    };
    assert_eq!(
        catalog::list_published(&db, &filter, ItemOrder::Code, 10, 0)
            .await
            .unwrap()
            .0,
        2
    );
    let filter = ItemFilter {
        theme: Some("结婚".into()),
        ..Default::default()
    };
    assert_eq!(
        catalog::list_published(&db, &filter, ItemOrder::Code, 10, 0)
            .await
            .unwrap()
            .0,
        0
    );
});

backend_test!(audit_chain_detects_tampering, |db| async move {
    for (index, action) in [
        "catalog.item.edit",
        "catalog.item.publish",
        "catalog.item.edit",
    ]
    .iter()
    .enumerate()
    {
        let mut tx = db.begin().await.unwrap();
        let after = json!({"step": index, "名称": "出生登记"});
        audit::append(
            &mut tx,
            Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()
                + Duration::nanoseconds(123_456_789),
            AuditEntry {
                actor: "admin",
                action,
                target: "item:A1",
                before: None,
                after: Some(&after),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let report = audit::verify(&db, |_| {}).await.unwrap();
    assert_eq!(report.verified, 3);
    assert_eq!(report.broken, None);

    // The append-only trigger refuses edits; an attacker with DDL rights drops it first.
    assert!(
        db.execute(sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
            .await
            .is_err()
    );
    match db.backend() {
        zerotrip_store::Backend::Sqlite => {
            db.execute(sql("DROP TRIGGER audit_log_no_update"))
                .await
                .unwrap();
        }
        zerotrip_store::Backend::Postgres => {
            db.execute(sql("DROP TRIGGER audit_log_no_update ON audit_log"))
                .await
                .unwrap();
        }
    }
    db.execute(sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
        .await
        .unwrap();
    let report = audit::verify(&db, |_| {}).await.unwrap();
    assert_eq!(report.verified, 1);
    assert_eq!(report.broken.map(|b| b.seq()), Some(2));
});

backend_test!(outbox_delivers_at_least_once, |db| async move {
    let now = Utc::now();
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue(
        &mut tx,
        "catalog.item.published",
        "A1",
        json!({"code": "A1"}),
        now,
    )
    .await
    .unwrap();
    outbox::enqueue(
        &mut tx,
        "catalog.item.published",
        "A2",
        json!({"code": "A2"}),
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A rolled-back transaction leaves no event behind.
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue(&mut tx, "catalog.item.published", "A3", json!({}), now)
        .await
        .unwrap();
    drop(tx);

    let lease = Duration::seconds(30);
    let claimed = outbox::claim(&db, now, lease, 10).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|e| e.event_key.as_str())
            .collect::<Vec<_>>(),
        vec!["A1", "A2"]
    );
    // Leased events are not handed out twice while the lease runs.
    assert!(outbox::claim(&db, now, lease, 10).await.unwrap().is_empty());

    outbox::mark_delivered(&db, claimed[0].id, now)
        .await
        .unwrap();
    outbox::mark_failed(&db, claimed[1].id, "下游不可用", now + Duration::seconds(5))
        .await
        .unwrap();
    let stats = outbox::stats(&db).await.unwrap();
    assert_eq!((stats.pending, stats.failing, stats.delivered), (1, 1, 1));

    // The failed one comes back after its retry time, with its attempt counted.
    assert!(
        outbox::claim(&db, now + Duration::seconds(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = outbox::claim(&db, now + Duration::seconds(6), lease, 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].event_key, "A2");
    assert_eq!(retried[0].attempts, 1);
});
