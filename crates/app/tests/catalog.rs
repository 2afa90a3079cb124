//! Editing, publishing, checking, importing and exporting the catalogue, on both backends.

mod support;

use serde_json::json;
use support::{demo_app, empty_app, sign_in};
use zerotrip_app::AppError;
use zerotrip_app::catalog::{CatalogFormat, ImplementationUpdate, ImportOptions};
use zerotrip_core::catalog::{ElementOverrides, FindingKind, LocalFacts};
use zerotrip_store::backend_test;

const ITEM: &str = "HN-XK-00001";

backend_test!(
    editing_creates_a_draft_and_publishing_an_immutable_version,
    |db| async move {
        let app = demo_app(db).await;
        let admin = sign_in(&app, "admin").await;
        let before = app.item_detail(ITEM).await.unwrap();
        assert_eq!(before.version, 1);
        let mut edited = before.item.clone();
        let old_days = edited.promised_days.unwrap();
        edited.promised_days = Some(old_days - 1);
        edited.aliases.push("迁户口".to_owned());

        let saved = app.save_item_draft(&admin, edited.clone()).await.unwrap();
        let described: Vec<String> = saved.pending_changes.iter().map(|c| c.describe()).collect();
        assert!(
            described.iter().any(|d| d.contains("承诺办结时限")),
            "{described:?}"
        );
        // The public still sees version 1 while the draft waits.
        assert_eq!(
            app.item_detail(ITEM).await.unwrap().item.promised_days,
            Some(old_days)
        );

        let published = app
            .publish_item(&admin, ITEM, "压缩承诺时限")
            .await
            .unwrap();
        assert_eq!(published.version, 2);
        let after = app.item_detail(ITEM).await.unwrap();
        assert_eq!(
            (after.version, after.item.promised_days),
            (2, Some(old_days - 1))
        );

        let history = app.item_versions(ITEM).await.unwrap();
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(history[0].note, "压缩承诺时限");
        assert!(history[0].changes.iter().any(|c| c.element == "常用称呼"));
        // Version 1 is still there as it was.
        let (_, original) = app.item_version(ITEM, 1).await.unwrap();
        assert_eq!(original.promised_days, Some(old_days));

        // Publishing again without a draft is refused.
        assert!(matches!(
            app.publish_item(&admin, ITEM, "").await,
            Err(AppError::Conflict(_))
        ));
        // Every step is in the audit trail, and the chain verifies.
        let report = app.verify_audit_chain(|_| {}).await.unwrap();
        assert_eq!(report.broken, None);
        let records = app
            .audit_records(
                &admin,
                &zerotrip_store::audit::AuditFilter {
                    target: Some(format!("item:{ITEM}")),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "catalog.item.publish",
                "catalog.item.draft.save",
                "catalog.item.publish"
            ]
        );
        assert_eq!(records[0].actor, "admin");
        assert!(records[0].before.is_some() && records[0].after.is_some());
    }
);

backend_test!(
    publishing_is_refused_while_a_quality_rule_breaks,
    |db| async move {
        let app = demo_app(db).await;
        let admin = sign_in(&app, "admin").await;
        let mut item = app.item_detail(ITEM).await.unwrap().item;
        // 现场次数 > 0 without a reason breaks DOMAIN §1.4.
        item.on_site_visits = Some(1);
        item.on_site_reason = None;
        item.modes
            .retain(|m| *m != zerotrip_core::catalog::Mode::FullyOnline);
        item.online_depth = Some(zerotrip_core::catalog::OnlineDepth::PreReview);
        let saved = app.save_item_draft(&admin, item).await.unwrap();
        assert!(
            saved
                .findings
                .iter()
                .any(|f| f.rule == "visits-need-reason"),
            "{:?}",
            saved.findings
        );
        match app.publish_item(&admin, ITEM, "").await {
            Err(AppError::Invalid { fields, .. }) => {
                assert!(
                    fields
                        .iter()
                        .any(|f| f.message.contains("未说明必须到现场的原因")),
                    "{fields:?}"
                )
            }
            other => panic!("expected a quality refusal, got {other:?}"),
        }
        assert_eq!(app.item_detail(ITEM).await.unwrap().version, 1);
    }
);

backend_test!(only_province_admins_edit_the_standard, |db| async move {
    let app = demo_app(db).await;
    let region_admin = sign_in(&app, "longhua").await;
    let auditor = sign_in(&app, "auditor").await;
    let item = app.item_detail(ITEM).await.unwrap().item;
    for who in [&region_admin, &auditor] {
        assert!(matches!(
            app.save_item_draft(who, item.clone()).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.publish_item(who, ITEM, "").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.publish_zero_trip(who, "").await,
            Err(AppError::Forbidden(_))
        ));
    }
});

backend_test!(
    the_check_catches_a_deviating_implementation,
    |db| async move {
        let app = demo_app(db).await;
        let clean = app.check_catalog().await.unwrap();
        assert!(clean.is_clean(), "the demo data starts clean");

        let region_admin = sign_in(&app, "longhua").await;
        let implementations = app.item_implementations(ITEM).await.unwrap();
        let own = implementations
            .iter()
            .find(|m| m.region_code == "460106")
            .expect("龙华区 implements the item");
        let other = implementations
            .iter()
            .find(|m| m.region_code == "460105")
            .expect("秀英区 implements the item");
        let standard = app.item_detail(ITEM).await.unwrap().item;
        let deviating = ImplementationUpdate {
            local: own.local.clone(),
            overrides: ElementOverrides {
                promised_days: Some(standard.promised_days.unwrap() + 5),
                ..Default::default()
            },
        };
        // A region admin may not touch another region's list.
        assert!(matches!(
            app.update_implementation(&region_admin, &other.code, deviating.clone())
                .await,
            Err(AppError::Forbidden(_))
        ));
        let findings = app
            .update_implementation(&region_admin, &own.code, deviating)
            .await
            .unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f.kind == FindingKind::Deviation && f.message.contains("承诺办结时限")),
            "{findings:?}"
        );

        let report = app.check_catalog().await.unwrap();
        assert_eq!(report.implementations.len(), 1);
        assert_eq!(report.implementations[0].code, own.code);
        let longhua = report
            .by_region
            .iter()
            .find(|r| r.region_code == "460106")
            .unwrap();
        assert_eq!((longhua.deviating, longhua.deviations), (1, 1));
        assert_eq!(
            report.by_region.iter().map(|r| r.deviations).sum::<usize>(),
            1
        );

        // Local facts that break a rule are caught too: the same number for 咨询 and 投诉.
        let broken_local = LocalFacts {
            complaint_phone: own.local.consult_phone.clone(),
            ..own.local.clone()
        };
        app.update_implementation(
            &region_admin,
            &own.code,
            ImplementationUpdate {
                local: broken_local,
                overrides: ElementOverrides::default(),
            },
        )
        .await
        .unwrap();
        let report = app.check_catalog().await.unwrap();
        let longhua = report
            .by_region
            .iter()
            .find(|r| r.region_code == "460106")
            .unwrap();
        assert_eq!((longhua.deviations, longhua.local_quality), (0, 1));
    }
);

backend_test!(a_malformed_import_writes_nothing, |db| async move {
    let app = demo_app(db.clone()).await;
    let export = app.export_catalog(CatalogFormat::Json).await.unwrap();
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&export).unwrap();
    // A valid change to the first item and a broken 30th item: the whole file is refused.
    items[0]["name"] = json!("改过的名称");
    items[29]["materials"][0]["source"] = json!("自备");
    let text = serde_json::to_string_pretty(&items).unwrap();
    let options = ImportOptions {
        format: CatalogFormat::Json,
        publish: false,
        note: String::new(),
    };
    let audit_before = app.audit_count().await.unwrap();
    match app
        .import_catalog("admin", &text, &options, &|_, _| {})
        .await
    {
        Err(AppError::Invalid { message, fields }) => {
            assert!(message.contains("未写入任何数据"), "{message}");
            assert!(
                fields
                    .iter()
                    .any(|f| f.message.contains("第 30 条事项") && f.message.contains("来源渠道")),
                "{fields:?}"
            );
        }
        other => panic!("expected the import to be refused, got {other:?}"),
    }
    let editable = app
        .editable_item(
            &sign_in(&app, "admin").await,
            items[0]["code"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert!(editable.draft.is_none(), "no draft may be left behind");
    assert_eq!(app.audit_count().await.unwrap(), audit_before);
});

backend_test!(
    export_round_trips_through_an_empty_platform,
    |db| async move {
        let app = demo_app(db).await;
        let exported = app.export_catalog(CatalogFormat::Json).await.unwrap();
        let csv = app.export_catalog(CatalogFormat::Csv).await.unwrap();

        let fresh_db = zerotrip_store::testing::TestDatabase::sqlite().await;
        let fresh = empty_app(fresh_db.db.clone()).await;
        zerotrip_app::seed::load_demo_licence_types(&fresh)
            .await
            .unwrap();
        let options = ImportOptions {
            format: CatalogFormat::Csv,
            publish: true,
            note: "迁移".to_owned(),
        };
        let report = fresh
            .import_catalog("system", &csv, &options, &|_, _| {})
            .await
            .unwrap();
        assert_eq!((report.created, report.published), (227, 227));
        assert_eq!(
            fresh.export_catalog(CatalogFormat::Json).await.unwrap(),
            exported
        );

        // Importing the same file again changes nothing.
        let again = fresh
            .import_catalog("system", &csv, &options, &|_, _| {})
            .await
            .unwrap();
        assert_eq!((again.unchanged, again.published), (227, 0));
        fresh_db.cleanup().await;
    }
);

backend_test!(the_sichuan_list_imports_as_drafts, |db| async move {
    let app = demo_app(db).await;
    let text = include_str!("../../../data/samples/service-items-sichuan-guangan.csv");
    let options = ImportOptions {
        format: CatalogFormat::Csv,
        publish: false,
        note: String::new(),
    };
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let report = app
        .import_catalog("admin", text, &options, &|done, _| {
            seen.store(done, std::sync::atomic::Ordering::Relaxed)
        })
        .await
        .unwrap();
    assert_eq!((report.items, report.created), (1135, 1135));
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 1135);
    // Drafts are not public, and the check lists what they lack.
    assert_eq!(app.published_items().await.unwrap().len(), 227);
    let check = app.check_catalog().await.unwrap();
    assert_eq!(check.items.len(), 1135);
    assert!(check.items.iter().all(|i| i.draft));
    // Re-importing finds the items by their source codes instead of creating new ones.
    let again = app
        .import_catalog("admin", text, &options, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 1135));
    // Publishing them is refused: the list lacks required elements.
    let publish = ImportOptions {
        publish: true,
        ..options
    };
    assert!(matches!(
        app.import_catalog("admin", text, &publish, &|_, _| {})
            .await,
        Err(AppError::Invalid { .. })
    ));
});
