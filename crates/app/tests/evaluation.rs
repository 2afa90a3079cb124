//! 好差评 in the app layer, on both backends: rating once, only after the end, only by the
//! applicant; a bad rating opens a rectification task with a working-day deadline that only the
//! handling department acts on; callbacks and closing; the statistics.

mod support;

use bytes::Bytes;
use chrono::{Duration, NaiveDate};
use support::{demo_app, sign_in};
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_app::evaluation::{
    CallbackInput, CloseInput, EvaluationInput, LevelInput, RectificationListQuery, StatsGrouping,
};
use zerotrip_app::{App, AppError};
use zerotrip_core::workflow::{ActionRequest, Command};
use zerotrip_store::audit::AuditFilter;
use zerotrip_store::backend_test;

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The handling staff of 龙华区 公安, signed in once.
struct Handlers {
    clerk: Principal,
    reviewer: Principal,
    approver: Principal,
}

impl Handlers {
    async fn sign_in(app: &App) -> Self {
        Handlers {
            clerk: sign_in(app, "lh_clerk").await,
            reviewer: sign_in(app, "lh_reviewer").await,
            approver: sign_in(app, "lh_approver").await,
        }
    }
}

async fn act(app: &App, who: &Principal, id: i64, command: Command) {
    app.act_on_case(
        who,
        id,
        ActionRequest {
            command,
            comment: Some("同意".to_owned()),
        },
    )
    .await
    .unwrap_or_else(|error| panic!("{} takes a step: {error}", who.username));
}

/// Files the demo item for `citizen` with its required upload; returns the case id.
async fn filed_case(app: &App, citizen: &Principal, key: &str) -> i64 {
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
            file_name: Some("申请表.pdf".into()),
        })
        .collect();
    let application = CaseApplication {
        item_code: ITEM.to_owned(),
        region: "460106".to_owned(),
        form: [("description".to_owned(), "迁入龙华区".to_owned())]
            .into_iter()
            .collect(),
        materials,
        channel: None,
        applicant_account_id: None,
    };
    app.file_case(citizen, &application, key).await.unwrap().id
}

/// A case driven up to 办结 (待送达); `deliver` takes it on to 已送达.
async fn completed_case(
    app: &App,
    citizen: &Principal,
    staff: &Handlers,
    key: &str,
    deliver: bool,
) -> i64 {
    let id = filed_case(app, citizen, key).await;
    act(app, &staff.clerk, id, Command::Accept).await;
    act(app, &staff.reviewer, id, Command::Review).await;
    act(app, &staff.approver, id, Command::Approve).await;
    act(app, &staff.clerk, id, Command::Complete).await;
    if deliver {
        act(app, &staff.clerk, id, Command::Deliver).await;
    }
    id
}

fn rating(level: LevelInput, comment: Option<&str>, channel: Option<&str>) -> EvaluationInput {
    EvaluationInput {
        level,
        comment: comment.map(str::to_owned),
        channel: channel.map(str::to_owned),
    }
}

/// Moves the platform clock to 10:00 China time on `date`.
fn set_today(app: &App, date: NaiveDate) {
    let target = date.and_hms_opt(2, 0, 0).unwrap().and_utc();
    app.clock.advance(target - app.clock.now());
    assert_eq!(app.clock.today_in_china(), date);
}

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

backend_test!(
    a_case_is_rated_once_after_its_end_by_its_applicant,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let staff = Handlers::sign_in(&app).await;
        let id = filed_case(&app, &citizen, "rate-once-0001").await;
        act(&app, &staff.clerk, id, Command::Accept).await;
        act(&app, &staff.reviewer, id, Command::Review).await;
        act(&app, &staff.approver, id, Command::Approve).await;

        // Before 办结: not yet.
        let good = rating(LevelInput::Code(1), Some("很快"), None);
        assert!(matches!(
            app.rate_case(&citizen, id, &good).await,
            Err(AppError::Conflict(_))
        ));
        let status = app.case_evaluation(&citizen, id).await.unwrap();
        assert!(status.viewer_may_rate && !status.open_for_rating);

        // 办结 recorded, still 待送达: it can be rated.
        act(&app, &staff.clerk, id, Command::Complete).await;
        // Someone else: not found, so case ids cannot be probed; staff who see it: forbidden.
        let other = sign_in(&app, OTHER_CITIZEN).await;
        assert!(matches!(
            app.rate_case(&other, id, &good).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            app.case_evaluation(&other, id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            app.rate_case(&staff.clerk, id, &good).await,
            Err(AppError::Forbidden(_))
        ));
        let sj = sign_in(&app, "sj_clerk").await;
        assert!(matches!(
            app.rate_case(&sj, id, &good).await,
            Err(AppError::NotFound(_))
        ));

        let view = app
            .rate_case(
                &citizen,
                id,
                &rating(LevelInput::Text("满意".into()), Some("很快"), None),
            )
            .await
            .unwrap();
        assert_eq!((view.level, view.level_label.as_str()), (2, "满意"));
        assert!(!view.bad);
        assert!(view.rectification.is_none(), "a good rating opens no task");
        // The case was filed on the web: the rating defaults to PC端.
        assert_eq!(
            (view.channel.as_str(), view.channel_label.as_str()),
            ("pc", "PC端")
        );
        assert_eq!(view.item_code, ITEM);
        assert!(
            view.department_name.contains("公安"),
            "{}",
            view.department_name
        );
        assert_eq!(view.region_code, "460106");
        assert_eq!(view.evaluator_role, "applicant");

        // A second rating, whatever it says, is a conflict and changes nothing.
        assert!(matches!(
            app.rate_case(&citizen, id, &rating(LevelInput::Code(5), None, None))
                .await,
            Err(AppError::Conflict(_))
        ));
        let status = app.case_evaluation(&citizen, id).await.unwrap();
        assert!(!status.open_for_rating);
        assert_eq!(status.evaluation.unwrap().level, 2);
        // The handling department sees the rating on the case.
        let seen = app.case_evaluation(&staff.reviewer, id).await.unwrap();
        assert!(!seen.viewer_may_rate);
        assert_eq!(seen.evaluation.map(|e| e.level), Some(2));
        let events = zerotrip_store::outbox::recent(&app.db, 50).await.unwrap();
        assert!(events.iter().any(|e| e.topic == "evaluation.recorded"));
        assert!(!events.iter().any(|e| e.topic == "evaluation.bad"));
    }
);

backend_test!(
    a_bad_rating_opens_a_rectification_due_after_national_day,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let staff = Handlers::sign_in(&app).await;
        // Sunday 2024-09-29 is an adjusted working day; 10-01..10-07 are off.
        set_today(&app, d("2024-09-29"));
        let id = completed_case(&app, &citizen, &staff, "national-day-01", true).await;
        let view = app
            .rate_case(
                &citizen,
                id,
                &rating(
                    LevelInput::Text("非常不满意".into()),
                    Some("窗口让我跑了三趟，电话 13800138000 打不通"),
                    Some("移动服务端"),
                ),
            )
            .await
            .unwrap();
        assert!(view.bad);
        assert_eq!(view.channel, "mobile");
        let brief = view.rectification.expect("a rectification task");
        // Five working days from 09-29 (not counted): 09-30, then 10-08, 10-09, 10-10, 10-11.
        assert_eq!(brief.deadline, d("2024-10-11"));
        assert_eq!(brief.status, "open");

        // The same transaction wrote the outbox event and the audit record.
        let events = zerotrip_store::outbox::recent(&app.db, 50).await.unwrap();
        let bad = events
            .iter()
            .find(|e| e.topic == "evaluation.bad")
            .expect("an evaluation.bad event");
        assert_eq!(bad.payload.0["rectification_id"], brief.id);
        assert_eq!(bad.payload.0["deadline"], "2024-10-11");
        assert_eq!(bad.payload.0["level"], 5);
        let auditor = sign_in(&app, "auditor").await;
        let records = app
            .audit_records(
                &auditor,
                &AuditFilter {
                    action_prefix: Some("rectification.".into()),
                    ..Default::default()
                },
                50,
                0,
            )
            .await
            .unwrap();
        assert!(records.iter().any(|r| r.action == "rectification.open"
            && r.target == format!("rectification:{}", brief.id)));

        // The handling department sees it, with the phone to call back; comments are masked.
        let list = app
            .rectifications(&staff.reviewer, &RectificationListQuery::default())
            .await
            .unwrap();
        assert_eq!(list.total, 1);
        let task = &list.tasks[0];
        assert!(task.may_act);
        assert_eq!(task.deadline, d("2024-10-11"));
        assert_eq!(task.level_label, "非常不满意");
        assert!(
            task.comment.as_deref().unwrap().contains("138****8000"),
            "{:?}",
            task.comment
        );
        assert_eq!(task.contact_phone.as_deref(), Some("13800138000"));
        let dept_admin = sign_in(&app, "lh_dept_admin").await;
        assert!(
            app.rectification(&dept_admin, brief.id)
                .await
                .unwrap()
                .may_act
        );

        // Another department of the region, the same department kind elsewhere: nothing.
        for outsider in ["sj_clerk", "sj_approver", "xy_clerk", "lh_window"] {
            let principal = sign_in(&app, outsider).await;
            if let Ok(list) = app
                .rectifications(&principal, &RectificationListQuery::default())
                .await
            {
                assert_eq!(list.total, 0, "{outsider} lists nothing");
            }
            assert!(
                matches!(
                    app.rectification(&principal, brief.id).await,
                    Err(AppError::NotFound(_))
                ),
                "{outsider} cannot read it"
            );
            let callback = CallbackInput {
                called_on: None,
                method: "phone".into(),
                caller: None,
                feedback: "试图越权".into(),
                satisfaction: None,
            };
            assert!(
                matches!(
                    app.record_callback(&principal, brief.id, &callback).await,
                    Err(AppError::NotFound(_))
                ),
                "{outsider} cannot call back"
            );
        }
        // Citizens have no task list.
        assert!(matches!(
            app.rectifications(&citizen, &RectificationListQuery::default())
                .await,
            Err(AppError::Forbidden(_))
        ));
        // Province administrators and auditors read all, region administrators their region;
        // none of them acts, and the phone stays masked.
        for overseer in ["admin", "auditor", "longhua"] {
            let principal = sign_in(&app, overseer).await;
            let list = app
                .rectifications(&principal, &RectificationListQuery::default())
                .await
                .unwrap();
            assert_eq!(list.total, 1, "{overseer}");
            assert!(!list.tasks[0].may_act);
            assert_eq!(list.tasks[0].contact_phone, None);
            let close = CloseInput {
                outcome: "immediate".into(),
                note: "越权办结".into(),
                promised_by: None,
            };
            assert!(matches!(
                app.close_rectification(&principal, brief.id, &close).await,
                Err(AppError::Forbidden(_))
            ));
        }

        // 实名差评回访 100%: no closing before a callback.
        let close = CloseInput {
            outcome: "立行立改".into(),
            note: "已约谈窗口人员，改为一次告知".into(),
            promised_by: None,
        };
        assert!(matches!(
            app.close_rectification(&staff.reviewer, brief.id, &close)
                .await,
            Err(AppError::Conflict(_))
        ));
        // Callback on 10-08 (after the holiday), then close on 10-10: on time.
        set_today(&app, d("2024-10-08"));
        let future = CallbackInput {
            called_on: Some(d("2024-10-09")),
            method: "电话".into(),
            caller: None,
            feedback: "x".into(),
            satisfaction: None,
        };
        match app
            .record_callback(&staff.reviewer, brief.id, &future)
            .await
        {
            Err(AppError::Invalid { fields, .. }) => assert_eq!(fields[0].field, "called_on"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let called = app
            .record_callback(
                &staff.reviewer,
                brief.id,
                &CallbackInput {
                    called_on: None,
                    method: "电话".into(),
                    caller: Some("张科长".into()),
                    feedback: "申请人表示窗口人员态度不好，希望改进".into(),
                    satisfaction: Some(LevelInput::Code(3)),
                },
            )
            .await
            .unwrap();
        assert_eq!(called.callback_count, 1);
        assert_eq!(called.callbacks[0].caller, "张科长");
        assert_eq!(called.callbacks[0].called_on, d("2024-10-08"));
        assert_eq!(
            called.callbacks[0].satisfaction_label.as_deref(),
            Some("基本满意")
        );

        set_today(&app, d("2024-10-10"));
        // 限期整改 needs the promised date.
        let missing_date = CloseInput {
            outcome: "限期整改".into(),
            note: "需要改造叫号系统".into(),
            promised_by: None,
        };
        match app
            .close_rectification(&staff.reviewer, brief.id, &missing_date)
            .await
        {
            Err(AppError::Invalid { fields, .. }) => assert_eq!(fields[0].field, "promised_by"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let closed = app
            .close_rectification(&staff.reviewer, brief.id, &close)
            .await
            .unwrap();
        assert_eq!(closed.status, "closed");
        assert_eq!(closed.outcome_label.as_deref(), Some("立行立改"));
        assert_eq!(closed.deadline_status, "closed_on_time");
        assert!(!closed.overdue);
        assert_eq!(closed.closed_on, Some(d("2024-10-10")));
        assert!(matches!(
            app.close_rectification(&staff.reviewer, brief.id, &close)
                .await,
            Err(AppError::Conflict(_))
        ));
        // The applicant sees the outcome next to their rating.
        let mine = app.case_evaluation(&citizen, id).await.unwrap();
        assert_eq!(
            mine.evaluation
                .unwrap()
                .rectification
                .unwrap()
                .outcome_label
                .as_deref(),
            Some("立行立改")
        );
        let topics: Vec<String> = zerotrip_store::outbox::recent(&app.db, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.topic)
            .collect();
        assert!(
            topics
                .iter()
                .any(|t| t == "rectification.callback_recorded")
        );
        assert!(topics.iter().any(|t| t == "rectification.closed"));
        assert_eq!(app.verify_audit_chain(|_| {}).await.unwrap().broken, None);
    }
);

backend_test!(
    overdue_tasks_show_and_the_deadline_is_configurable,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let staff = Handlers::sign_in(&app).await;
        let admin = sign_in(&app, "admin").await;
        assert_eq!(app.rectification_working_days().await.unwrap(), 5);
        assert!(matches!(
            app.set_rectification_working_days(&staff.reviewer, 3).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.set_rectification_working_days(&admin, 0).await,
            Err(AppError::Invalid { .. })
        ));
        app.set_rectification_working_days(&admin, 3).await.unwrap();

        // Monday 2024-02-05: three working days run to 02-08 (the Spring Festival starts 02-10).
        set_today(&app, d("2024-02-05"));
        let id = completed_case(&app, &citizen, &staff, "overdue-task-01", false).await;
        let view = app
            .rate_case(
                &citizen,
                id,
                &rating(LevelInput::Code(4), Some("材料要求没有一次说清"), None),
            )
            .await
            .unwrap();
        let brief = view.rectification.unwrap();
        assert_eq!(brief.deadline, d("2024-02-08"));
        let task = app.rectification(&staff.reviewer, brief.id).await.unwrap();
        assert_eq!(task.working_days, 3);
        assert_eq!(task.deadline_status, "normal", "three working days left");
        set_today(&app, d("2024-02-07"));
        let task = app.rectification(&staff.reviewer, brief.id).await.unwrap();
        assert_eq!(task.deadline_status, "due_soon", "one working day left");

        // 02-19, after the holiday: overdue, and listed as such.
        set_today(&app, d("2024-02-19"));
        let overdue = app
            .rectifications(
                &staff.reviewer,
                &RectificationListQuery {
                    status: Some("overdue".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(overdue.total, 1);
        assert!(overdue.tasks[0].overdue);
        assert_eq!(overdue.tasks[0].deadline_status_label, "已逾期");
        assert!(matches!(
            app.rectifications(
                &staff.reviewer,
                &RectificationListQuery {
                    status: Some("bogus".into()),
                    ..Default::default()
                },
            )
            .await,
            Err(AppError::Invalid { .. })
        ));
        app.record_callback(
            &staff.reviewer,
            brief.id,
            &CallbackInput {
                called_on: None,
                method: "sms".into(),
                caller: None,
                feedback: "已说明".into(),
                satisfaction: None,
            },
        )
        .await
        .unwrap();
        let closed = app
            .close_rectification(
                &staff.reviewer,
                brief.id,
                &CloseInput {
                    outcome: "explanation".into(),
                    note: "材料清单依法设定，已向申请人解释".into(),
                    promised_by: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(closed.deadline_status, "closed_late");
        assert!(closed.overdue);
        let stats = app
            .evaluation_stats(&staff.reviewer, StatsGrouping::Department, None)
            .await
            .unwrap();
        assert_eq!(stats.totals.rectifications_closed, 1);
        assert_eq!(stats.totals.on_time_rate, Some(0.0));
    }
);

backend_test!(
    statistics_count_levels_channels_and_timeliness,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let other = sign_in(&app, OTHER_CITIZEN).await;
        let staff = Handlers::sign_in(&app).await;
        set_today(&app, d("2024-03-04"));
        let ratings = [
            (&citizen, 1, Some("PC端")),
            (&citizen, 2, Some("mobile")),
            (&other, 3, Some("短信")),
            (&other, 5, Some("短信")),
        ];
        let mut tasks = Vec::new();
        for (index, (who, level, channel)) in ratings.iter().enumerate() {
            let id =
                completed_case(&app, who, &staff, &format!("stats-case-{index:04}"), true).await;
            let view = app
                .rate_case(who, id, &rating(LevelInput::Code(*level), None, *channel))
                .await
                .unwrap();
            if let Some(task) = view.rectification {
                tasks.push(task.id);
            }
        }
        assert_eq!(tasks.len(), 1);

        // Only staff see the figures.
        assert!(matches!(
            app.evaluation_stats(&citizen, StatsGrouping::Department, None)
                .await,
            Err(AppError::Forbidden(_))
        ));
        let by_department = app
            .evaluation_stats(&staff.clerk, StatsGrouping::Department, None)
            .await
            .unwrap();
        assert_eq!(by_department.rows.len(), 1);
        let row = &by_department.rows[0];
        assert!(row.label.contains("公安"), "{}", row.label);
        let counts: Vec<i64> = row.levels.iter().map(|l| l.count).collect();
        assert_eq!(counts, vec![1, 1, 1, 0, 1]);
        assert_eq!((row.total, row.satisfied, row.bad_count), (4, 3, 1));
        assert_eq!(row.satisfaction_rate, Some(0.75));
        assert_eq!(row.rectifications, 1);
        // The one task is open and within its deadline: its timeliness is not decided yet.
        assert_eq!(row.rectifications_due, 0);
        assert_eq!(row.on_time_rate, None);

        let by_channel = app
            .evaluation_stats(&staff.clerk, StatsGrouping::Channel, None)
            .await
            .unwrap();
        let labels: Vec<(&str, i64)> = by_channel
            .rows
            .iter()
            .map(|r| (r.label.as_str(), r.total))
            .collect();
        // Most ratings first, then by code (mobile before pc).
        assert_eq!(labels, vec![("短信", 2), ("移动服务端", 1), ("PC端", 1)]);
        let sms = &by_channel.rows[0];
        assert_eq!(sms.satisfaction_rate, Some(0.5));
        assert_eq!(sms.rectifications, 1);

        let by_item = app
            .evaluation_stats(&staff.clerk, StatsGrouping::Item, Some("460106"))
            .await
            .unwrap();
        assert_eq!(by_item.rows.len(), 1);
        assert_eq!(by_item.rows[0].key, ITEM);
        assert_eq!(by_item.totals.total, 4);
        let elsewhere = app
            .evaluation_stats(&staff.clerk, StatsGrouping::Item, Some("460105"))
            .await
            .unwrap();
        assert_eq!(elsewhere.totals.total, 0);
        assert_eq!(elsewhere.totals.satisfaction_rate, None);
        assert!(matches!(
            app.evaluation_stats(&staff.clerk, StatsGrouping::Item, Some("99x"))
                .await,
            Err(AppError::Invalid { .. })
        ));
        assert!(StatsGrouping::parse("weekday").is_err());

        // Closed on time, then another week passes: the rate is 100 %.
        app.record_callback(
            &staff.reviewer,
            tasks[0],
            &CallbackInput {
                called_on: None,
                method: "phone".into(),
                caller: None,
                feedback: "已回访".into(),
                satisfaction: None,
            },
        )
        .await
        .unwrap();
        app.close_rectification(
            &staff.reviewer,
            tasks[0],
            &CloseInput {
                outcome: "appeal".into(),
                note: "申请人表示误评".into(),
                promised_by: None,
            },
        )
        .await
        .unwrap();
        app.clock.advance(Duration::days(7));
        let after = app
            .evaluation_stats(&staff.clerk, StatsGrouping::Department, None)
            .await
            .unwrap();
        assert_eq!(after.totals.rectifications_closed_on_time, 1);
        assert_eq!(after.totals.on_time_rate, Some(1.0));
    }
);

backend_test!(
    hostile_ratings_are_refused_and_change_nothing,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let staff = Handlers::sign_in(&app).await;
        let id = completed_case(&app, &citizen, &staff, "hostile-rate-01", true).await;
        let cases: Vec<(EvaluationInput, &str)> = vec![
            (rating(LevelInput::Code(7), None, None), "level"),
            (rating(LevelInput::Code(0), None, None), "level"),
            (rating(LevelInput::Text("很好".into()), None, None), "level"),
            (
                rating(LevelInput::Code(1), Some(&"差".repeat(5_000)), None),
                "comment",
            ),
            (
                rating(LevelInput::Code(1), Some("a\u{0}b"), None),
                "comment",
            ),
            (rating(LevelInput::Code(1), None, Some("fax")), "channel"),
        ];
        for (input, field) in cases {
            match app.rate_case(&citizen, id, &input).await {
                Err(AppError::Invalid { fields, .. }) => {
                    assert_eq!(fields[0].field, field, "{input:?}")
                }
                other => panic!("expected a refusal of {input:?}, got {other:?}"),
            }
        }
        assert!(
            app.case_evaluation(&citizen, id)
                .await
                .unwrap()
                .evaluation
                .is_none()
        );
        // 500 characters is the limit, and markup is kept as text (pages escape it).
        let comment = format!("<script>alert(1)</script>{}", "好".repeat(475));
        assert_eq!(comment.chars().count(), 500);
        let view = app
            .rate_case(
                &citizen,
                id,
                &rating(LevelInput::Code(3), Some(&comment), None),
            )
            .await
            .unwrap();
        assert_eq!(view.comment.as_deref(), Some(comment.as_str()));
        // A case that does not exist.
        assert!(matches!(
            app.rate_case(&citizen, 999_999, &rating(LevelInput::Code(1), None, None))
                .await,
            Err(AppError::NotFound(_))
        ));
    }
);
