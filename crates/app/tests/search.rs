//! Search in the platform: the index follows published content through the outbox in every
//! process, synonyms apply at query time, failed searches are logged, the knowledge base is
//! searchable once published, and the region restricts items — on both backends.

mod support;

use std::sync::Arc;

use chrono::Duration;
use support::{demo_app, sign_in};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::knowledge::{KnowledgeContent, KnowledgeKind, KnowledgeStatus};
use zerotrip_app::search::{
    DocKind, SearchChannel, SearchOutcome, SearchRequest, SearchSubscriber, SynonymInput,
};
use zerotrip_app::{App, AppError, Clock};
use zerotrip_store::{Db, backend_test, sql};

const ITEM: &str = "HN-XK-00001";

async fn search(app: &App, q: &str) -> SearchOutcome {
    app.search(&SearchRequest {
        q: q.to_owned(),
        limit: Some(10),
        region: None,
        channel: SearchChannel::Api,
    })
    .await
    .unwrap_or_else(|e| panic!("search {q}: {e}"))
}

async fn search_in(app: &App, q: &str, region: &str) -> SearchOutcome {
    app.search(&SearchRequest {
        q: q.to_owned(),
        limit: Some(20),
        region: Some(region.to_owned()),
        channel: SearchChannel::Page,
    })
    .await
    .unwrap_or_else(|e| panic!("search {q} in {region}: {e}"))
}

fn codes(outcome: &SearchOutcome) -> Vec<String> {
    outcome.results.iter().map(|r| r.code.clone()).collect()
}

fn worker(app: &App) -> OutboxWorker {
    OutboxWorker::new(
        app.clone(),
        vec![Arc::new(SearchSubscriber::new(app.clone()))],
    )
}

/// Another `serve` process on the same database: its own App, its own index.
async fn second_process(db: Db) -> App {
    App::open(db, std::env::temp_dir(), Clock::system())
        .await
        .expect("open a second platform process")
}

backend_test!(
    an_alias_added_by_an_admin_is_used_by_the_next_search_without_a_reindex,
    |db| async move {
        let app = demo_app(db.clone()).await;
        let other = second_process(db).await;
        let before = search(&app, "小蓝本").await;
        assert!(
            before
                .results
                .first()
                .is_none_or(|r| r.name != "居民身份证换领"),
            "{before:?}"
        );
        // The other process has built its index already.
        let _ = search(&other, "身份证").await;

        let admin = sign_in(&app, "admin").await;
        let change = app
            .add_synonym(
                &admin,
                &SynonymInput {
                    term: "小蓝本".into(),
                    equivalents: vec!["居民身份证换领".into()],
                    mutual: false,
                    from_query: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(change.version, 1);

        let after = search(&app, "小蓝本").await;
        assert_eq!(after.results[0].name, "居民身份证换领", "{after:?}");
        assert!(!after.weak);
        // The other process picks the new version up on its next query.
        let elsewhere = search(&other, "小蓝本").await;
        assert_eq!(elsewhere.results[0].name, "居民身份证换领");

        // Removing it is a new version too, and the search no longer expands the term.
        let removed = app.remove_synonym(&admin, "小蓝本").await.unwrap();
        assert_eq!(removed.version, 2);
        let gone = search(&other, "小蓝本").await;
        assert!(
            gone.results
                .first()
                .is_none_or(|r| r.name != "居民身份证换领")
        );
        let overview = app.synonym_overview(&admin).await.unwrap();
        assert_eq!(overview.version, 2);
        assert!(overview.rules.is_empty());
        assert_eq!(
            overview
                .history
                .iter()
                .map(|h| h.version)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );

        // Only the province administrator edits; bad terms are refused field by field.
        let clerk = sign_in(&app, "lh_clerk").await;
        let refused = app
            .add_synonym(
                &clerk,
                &SynonymInput {
                    term: "办证".into(),
                    equivalents: vec!["居民身份证申领".into()],
                    ..SynonymInput::default()
                },
            )
            .await;
        assert!(
            matches!(refused, Err(AppError::Forbidden(_))),
            "{refused:?}"
        );
        let bad = app
            .add_synonym(
                &admin,
                &SynonymInput {
                    term: "证".into(),
                    equivalents: vec![],
                    ..SynonymInput::default()
                },
            )
            .await
            .unwrap_err();
        let mut fields: Vec<&str> = bad.fields().iter().map(|f| f.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, vec!["equivalents", "term"]);
    }
);

backend_test!(
    a_published_item_is_found_after_the_outbox_delivers_in_every_process,
    |db| async move {
        let app = demo_app(db.clone()).await;
        let other = second_process(db.clone()).await;
        // Both processes have built their index before the change.
        assert!(search(&app, "麒麟踏浪").await.weak);
        assert!(search(&other, "麒麟踏浪").await.weak);
        worker(&app).drain().await.unwrap();
        app.sync_search().await.unwrap();

        let admin = sign_in(&app, "admin").await;
        let mut item = app.item_detail(ITEM).await.unwrap().item;
        item.aliases.push("麒麟踏浪".to_owned());
        app.save_item_draft(&admin, item).await.unwrap();
        app.publish_item(&admin, ITEM, "新增常用称呼")
            .await
            .unwrap();

        // Committed, but not delivered yet: the index has not heard of it.
        assert!(!codes(&search(&app, "麒麟踏浪").await).contains(&ITEM.to_owned()));

        // The event reaches one worker (in the first process) …
        assert!(worker(&app).drain().await.unwrap() >= 1);
        let here = search(&app, "麒麟踏浪").await;
        assert_eq!(here.results[0].code, ITEM, "{here:?}");
        assert_eq!(here.results[0].kind, DocKind::Item);
        assert!(here.results[0].snippet.contains("<mark>"), "{here:?}");
        // … and the other process, whose worker never saw it, finds it on its next search.
        let there = search(&other, "麒麟踏浪").await;
        assert_eq!(there.results[0].code, ITEM);

        // Delivering the same event again (at-least-once) records nothing new.
        let (recorded,): (i64,) = db
            .fetch_one(sql("SELECT CAST(COUNT(*) AS BIGINT) FROM search_changes"))
            .await
            .unwrap();
        let (event_id,): (i64,) = db
            .fetch_one(sql(
                "SELECT MAX(id) FROM outbox WHERE topic = 'catalog.item.published'",
            ))
            .await
            .unwrap();
        let again = zerotrip_store::search_log::record_change(
            &db,
            "item",
            ITEM,
            Some(event_id),
            app.clock.now(),
        )
        .await
        .unwrap();
        assert_eq!(again, None);
        let (still,): (i64,) = db
            .fetch_one(sql("SELECT CAST(COUNT(*) AS BIGINT) FROM search_changes"))
            .await
            .unwrap();
        assert_eq!(still, recorded);

        // A rebuild requested from anywhere (`zerotrip search reindex`) is followed everywhere.
        let report = app.reindex_search(Arc::new(|_, _| {})).await.unwrap();
        assert!(report.items >= 227 && report.bundles >= 31, "{report:?}");
        assert_eq!(search(&other, "麒麟踏浪").await.results[0].code, ITEM);
    }
);

backend_test!(
    failed_searches_are_listed_until_someone_answers_them,
    |db| async move {
        let app = demo_app(db).await;
        let nonsense = "火星移民签证";
        let first = search(&app, nonsense).await;
        assert!(first.weak, "{first:?}");
        let log_id = first.log_id.expect("the search is logged");
        search(&app, "  火星移民签证 ").await;
        // An evaluation run is nobody asking: not logged.
        let evaluation = app
            .search(&SearchRequest {
                q: nonsense.to_owned(),
                limit: Some(10),
                region: None,
                channel: SearchChannel::Evaluation,
            })
            .await
            .unwrap();
        assert!(
            evaluation.weak && evaluation.log_id.is_none(),
            "{evaluation:?}"
        );
        // Personal data never reaches the log.
        let with_phone = search(&app, "火星移民签证 13800138000").await;
        let logged = app
            .search_log_entry(with_phone.log_id.unwrap())
            .await
            .unwrap();
        assert_eq!(logged.query, "火星移民签证 138****8000", "{with_phone:?}");

        let admin = sign_in(&app, "admin").await;
        let failed = app.failed_searches(&admin, None, None).await.unwrap();
        let entry = failed
            .queries
            .iter()
            .find(|q| q.query == nonsense)
            .unwrap_or_else(|| panic!("{failed:?}"));
        assert_eq!(entry.count, 2);
        assert!(
            !failed
                .queries
                .iter()
                .any(|q| q.query.contains("13800138000"))
        );
        assert!(failed.searches >= 3 && failed.weak >= 2, "{failed:?}");

        // The entry a hotline work order refers to.
        let logged = app.search_log_entry(log_id).await.unwrap();
        assert_eq!((logged.query.as_str(), logged.weak), (nonsense, true));
        assert!(matches!(
            app.search_log_entry(log_id + 1000).await,
            Err(AppError::NotFound(_))
        ));

        // A click on a result is recorded once.
        let good = search(&app, "身份证换领").await;
        let id = good.log_id.unwrap();
        let top = &good.results[0];
        app.record_search_click(id, top.kind.as_str(), &top.code, Some(1))
            .await
            .unwrap();
        app.record_search_click(id, "item", "HN-XK-99999", Some(2))
            .await
            .unwrap();
        let clicked = app.search_log_entry(id).await.unwrap();
        assert_eq!(clicked.clicked_code.as_deref(), Some(top.code.as_str()));
        assert_eq!(clicked.clicked_rank, Some(1));

        // Answering the query with an alias takes it off the list.
        app.add_synonym(
            &admin,
            &SynonymInput {
                term: "火星移民".into(),
                equivalents: vec!["出入境".into()],
                mutual: false,
                from_query: Some(nonsense.into()),
            },
        )
        .await
        .unwrap();
        let after = app.failed_searches(&admin, None, None).await.unwrap();
        assert!(
            !after.queries.iter().any(|q| q.query == nonsense),
            "{after:?}"
        );

        // Staff only.
        let citizen = sign_in(&app, "460106199001011239").await;
        assert!(matches!(
            app.failed_searches(&citizen, None, None).await,
            Err(AppError::Forbidden(_))
        ));
    }
);

fn article(title: &str, body: &str) -> KnowledgeContent {
    KnowledgeContent {
        title: title.to_owned(),
        body: body.to_owned(),
        category: None,
        aliases: vec![],
        keywords: vec!["椰子政策".to_owned()],
        item_codes: vec![ITEM.to_owned()],
    }
}

backend_test!(
    a_knowledge_article_goes_from_draft_to_published_and_searchable,
    |db| async move {
        let app = demo_app(db.clone()).await;
        let admin = sign_in(&app, "admin").await;
        let saved = app
            .create_knowledge(
                &admin,
                KnowledgeKind::Article,
                article("海口落户新政解读", "在海口稳定就业即可申请落户。"),
                None,
            )
            .await
            .unwrap();
        assert!(saved.code.starts_with("KB-"), "{saved:?}");
        assert_eq!(saved.status, KnowledgeStatus::Draft);
        worker(&app).drain().await.unwrap();
        // A draft is neither public nor searchable.
        assert!(!codes(&search(&app, "海口落户新政").await).contains(&saved.code));
        assert!(matches!(
            app.knowledge_entry(&saved.code).await,
            Err(AppError::NotFound(_))
        ));

        let published = app
            .publish_knowledge(&admin, &saved.code, "首次发布", None)
            .await
            .unwrap();
        assert_eq!(published.version, 1);
        assert_eq!(
            published.review_due,
            app.clock.today_in_china() + Duration::days(365)
        );
        worker(&app).drain().await.unwrap();
        let found = search(&app, "海口落户新政").await;
        let hit = found
            .results
            .iter()
            .find(|r| r.code == saved.code)
            .unwrap_or_else(|| panic!("{found:?}"));
        assert_eq!(hit.kind, DocKind::Article);
        let public = app.knowledge_entry(&saved.code).await.unwrap();
        assert_eq!(public.items[0].0, ITEM);

        // A new version; the first stays exactly as it was published.
        app.save_knowledge_draft(
            &admin,
            &saved.code,
            article(
                "海口落户新政解读（2026年修订）",
                "在海口稳定就业满一年即可申请落户。",
            ),
        )
        .await
        .unwrap();
        // The public keeps seeing version 1 while the draft waits.
        assert_eq!(app.knowledge_entry(&saved.code).await.unwrap().version, 1);
        let second = app
            .publish_knowledge(&admin, &saved.code, "修订", None)
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        let versions = app.knowledge_versions(&admin, &saved.code).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        let (_, first) = app.knowledge_version(&admin, &saved.code, 1).await.unwrap();
        assert_eq!(first.title, "海口落户新政解读");
        // The database refuses to change a published version.
        let tampered = db
            .execute(sql(
                "UPDATE knowledge_versions SET note = 'x' WHERE version = 1",
            ))
            .await;
        assert!(tampered.is_err());
        assert!(
            db.execute(sql("DELETE FROM knowledge_versions"))
                .await
                .is_err()
        );
        // Publishing again without a draft is refused.
        assert!(matches!(
            app.publish_knowledge(&admin, &saved.code, "", None).await,
            Err(AppError::Conflict(_))
        ));

        // An FAQ about the item lifts the item for questions asked that way.
        let faq = app
            .create_knowledge(
                &admin,
                KnowledgeKind::Faq,
                KnowledgeContent {
                    title: "孩子上学要把户口迁过来吗".into(),
                    body: "不必，居住证即可申请入学。".into(),
                    category: None,
                    aliases: vec!["随迁子女入学户口".into()],
                    keywords: vec![],
                    item_codes: vec![ITEM.to_owned()],
                },
                None,
            )
            .await
            .unwrap();
        assert!(faq.code.starts_with("FAQ-"));
        app.publish_knowledge(&admin, &faq.code, "", None)
            .await
            .unwrap();
        worker(&app).drain().await.unwrap();
        let asked = search(&app, "随迁子女入学户口").await;
        assert_eq!(asked.results[0].code, ITEM, "{asked:?}");
        let one_place = app.item_knowledge(&admin, ITEM).await.unwrap();
        assert_eq!(one_place.faqs[0].code, faq.code);
        assert_eq!(one_place.articles[0].code, saved.code);

        // Overdue for review once the date passes; reviewing sets the next date.
        assert!(
            app.knowledge_due_for_review(&admin)
                .await
                .unwrap()
                .is_empty()
        );
        app.clock.advance(Duration::days(400));
        let due = app.knowledge_due_for_review(&admin).await.unwrap();
        assert_eq!(due.len(), 2, "{due:?}");
        app.mark_knowledge_reviewed(&admin, &saved.code, None)
            .await
            .unwrap();
        assert_eq!(app.knowledge_due_for_review(&admin).await.unwrap().len(), 1);

        // Withdrawn: off the site and out of search.
        app.withdraw_knowledge(&admin, &saved.code, "政策废止")
            .await
            .unwrap();
        worker(&app).drain().await.unwrap();
        assert!(!codes(&search(&app, "海口落户新政").await).contains(&saved.code));
        assert!(app.knowledge_entry(&saved.code).await.is_err());

        // Editing is for the province administrator.
        let clerk = sign_in(&app, "lh_clerk").await;
        assert!(matches!(
            app.create_knowledge(
                &clerk,
                KnowledgeKind::Article,
                article("标题", "正文"),
                None
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
    }
);

backend_test!(
    the_region_restricts_items_to_those_implemented_for_it,
    |db| async move {
        let app = demo_app(db.clone()).await;
        let name = app.item_detail(ITEM).await.unwrap().item.name;
        // Take the item away from 龙华区 (and its townships) before the index is built.
        db.execute(
            sql("DELETE FROM implementations WHERE item_code = $1 AND region_code LIKE '460106%'")
                .bind(ITEM),
        )
        .await
        .unwrap();
        let everywhere = search(&app, &name).await;
        assert_eq!(everywhere.results[0].code, ITEM);
        let longhua = search_in(&app, &name, "460106").await;
        assert!(!codes(&longhua).contains(&ITEM.to_owned()), "{longhua:?}");
        assert_eq!(longhua.region.as_deref(), Some("460106"));
        let meilan = search_in(&app, &name, "460108").await;
        assert_eq!(meilan.results[0].code, ITEM);
        // The city contains 美兰区, so the item is implemented for 海口市 as a whole.
        assert!(codes(&search_in(&app, &name, "460100").await).contains(&ITEM.to_owned()));
        // Items of the province serve every county.
        let results = search_in(&app, "身份证", "460106").await;
        assert!(!results.results.is_empty());

        let bad = app
            .search(&SearchRequest {
                q: String::new(),
                limit: Some(0),
                region: Some("469999".into()),
                channel: SearchChannel::Api,
            })
            .await
            .unwrap_err();
        let mut fields: Vec<&str> = bad.fields().iter().map(|f| f.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, vec!["limit", "q", "region"]);
    }
);
