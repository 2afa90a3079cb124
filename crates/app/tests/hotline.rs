//! 12345 work orders in the app layer, on both backends: time limits per type across a holiday,
//! the dispatch suggestion, return and re-dispatch, merging duplicates, reminders and escalation
//! as the clock moves, the callback with a not-satisfied one reopening, who sees what, and a bad
//! review making exactly one order however often its event is delivered.

mod support;

use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use support::{demo_app, sign_in};
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::{CaseApplication, MaterialFile};
use zerotrip_app::evaluation::{EvaluationInput, LevelInput};
use zerotrip_app::events::{OutboxWorker, Subscriber};
use zerotrip_app::hotline::{
    BadReviewSubscriber, CallbackInput, DispatchInput, HotlineJobs, MergeInput, WorkOrderInput,
    WorkOrderListQuery, WorkOrderView,
};
use zerotrip_app::{App, AppError};
use zerotrip_core::workflow::{ActionRequest, Command};
use zerotrip_store::audit::AuditFilter;
use zerotrip_store::backend_test;
use zerotrip_store::outbox::OutboxEvent;

const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const ITEM: &str = "HN-XK-00001";

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Moves the platform clock to 10:00 China time on `date`.
fn set_today(app: &App, date: NaiveDate) {
    let target = date.and_hms_opt(2, 0, 0).unwrap().and_utc();
    app.clock.advance(target - app.clock.now());
    assert_eq!(app.clock.today_in_china(), date);
}

fn request(kind: &str, content: &str) -> WorkOrderInput {
    WorkOrderInput {
        kind: kind.into(),
        content: content.into(),
        region: "460106".into(),
        ..Default::default()
    }
}

async fn file(app: &App, who: &Principal, input: &WorkOrderInput) -> WorkOrderView {
    app.create_work_order(who, input)
        .await
        .unwrap_or_else(|e| panic!("{} files a request: {e}", who.username))
}

/// The credit code of the department of `kind` in `region`.
async fn department(app: &App, kind: &str, region: &str) -> String {
    zerotrip_store::departments::all_departments(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.kind == kind && d.region_code == region)
        .unwrap_or_else(|| panic!("a {kind} in {region}"))
        .credit_code
}

fn to(department: &str) -> DispatchInput {
    DispatchInput {
        department: department.into(),
        ..Default::default()
    }
}

fn callback(satisfaction: &str) -> CallbackInput {
    CallbackInput {
        satisfaction: satisfaction.into(),
        ..Default::default()
    }
}

fn todo() -> WorkOrderListQuery {
    WorkOrderListQuery::default()
}

fn all() -> WorkOrderListQuery {
    WorkOrderListQuery {
        scope: Some("all".into()),
        ..Default::default()
    }
}

fn numbers(page: &zerotrip_app::hotline::WorkOrderPage) -> Vec<String> {
    page.orders.iter().map(|o| o.number.clone()).collect()
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, AppError>, what: &str) {
    match result {
        Err(AppError::NotFound(_)) => {}
        other => panic!("{what}: expected not found, got {other:?}"),
    }
}

backend_test!(
    time_limits_follow_the_type_across_a_holiday,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let admin = sign_in(&app, "admin").await;
        // Monday 29 September 2025: 1–8 October are off, Saturday 11 October is a working day.
        set_today(&app, d("2025-09-29"));
        let expected = [
            ("consultation", "咨询", 3, "2025-10-10"),
            ("help", "求助", 3, "2025-10-10"),
            ("complaint", "投诉", 13, "2025-10-23"),
            ("suggestion", "建议", 13, "2025-10-23"),
            ("unresolved", "未办成事", 5, "2025-10-13"),
        ];
        for (kind, label, days, deadline) in expected {
            let order = file(
                &app,
                &citizen,
                &request(label, "龙华区某路段路灯不亮，夜间出行不便"),
            )
            .await;
            assert_eq!(order.kind, kind);
            assert_eq!(order.kind_label, label);
            assert_eq!(order.working_days, days, "{label}");
            assert_eq!(order.accepted_on, d("2025-09-29"));
            assert_eq!(order.deadline, d(deadline), "{label}");
            assert_eq!(order.status, "pending");
            assert_eq!(order.channel, "web");
            assert!(order.number.starts_with("GD20250929"), "{}", order.number);
        }
        let limits = app.hotline_time_limits().await.unwrap();
        let rectification = limits.iter().find(|l| l.kind == "rectification").unwrap();
        assert_eq!(rectification.working_days, 5);

        // A province administrator changes 咨询 to 5 working days: new orders get it, old ones keep
        // theirs; others may not change it.
        let clerk = sign_in(&app, "lh_clerk").await;
        assert!(matches!(
            app.set_hotline_time_limit(&clerk, "consultation", 5).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.set_hotline_time_limit(&admin, "consultation", 0).await,
            Err(AppError::Invalid { .. })
        ));
        let limits = app.set_hotline_time_limit(&admin, "咨询", 5).await.unwrap();
        let consultation = limits.iter().find(|l| l.kind == "consultation").unwrap();
        assert_eq!(
            (consultation.working_days, consultation.default_working_days),
            (5, 3)
        );
        let order = file(&app, &citizen, &request("consultation", "公积金怎么提取？")).await;
        assert_eq!(order.deadline, d("2025-10-13"));
        let audit = app
            .audit_records(
                &admin,
                &AuditFilter {
                    action_prefix: Some("hotline.time_limit".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);

        // Bad input is refused field by field.
        let bad = WorkOrderInput {
            kind: "举报".into(),
            content: " ".into(),
            region: "999999".into(),
            item_code: Some("HN-XX-404".into()),
            contact_phone: Some("12345".into()),
            ..Default::default()
        };
        match app.create_work_order(&citizen, &bad).await {
            Err(AppError::Invalid { fields, .. }) => {
                let mut names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                names.sort_unstable();
                assert_eq!(
                    names,
                    ["contact_phone", "content", "item_code", "kind", "region"]
                );
            }
            other => panic!("expected field errors, got {other:?}"),
        }
    }
);

backend_test!(
    dispatch_is_suggested_from_the_item_and_region,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let dispatcher = sign_in(&app, "hotline_dispatcher").await;
        let clerk = sign_in(&app, "lh_clerk").await;
        let mut input = request("help", "户口迁移需要的证明开不出来，请帮忙协调");
        input.item_code = Some(ITEM.into());
        input.search_query = Some("户口迁不过来怎么办".into());
        let order = file(&app, &citizen, &input).await;
        assert_eq!(order.item_name.as_deref(), Some("户口迁移审批（省内迁移）"));
        assert_eq!(order.search_query.as_deref(), Some("户口迁不过来怎么办"));
        assert_eq!(order.contact_phone_masked, "138****8000");

        // Only the 12345 body gets suggestions.
        assert!(matches!(
            app.work_order_suggestions(&citizen, order.id).await,
            Err(AppError::Forbidden(_))
        ));
        let suggestions = app
            .work_order_suggestions(&dispatcher, order.id)
            .await
            .unwrap();
        let first = suggestions.first().expect("a suggestion");
        assert_eq!(first.department.name, "海口市公安局龙华分局");
        assert!(first.reason.contains("实施清单"), "{}", first.reason);
        let police = department(&app, "公安机关", "460106").await;
        assert_eq!(first.department.credit_code, police);
        let options = app
            .work_order_departments(&dispatcher, order.id)
            .await
            .unwrap();
        assert!(options.iter().any(|o| o.credit_code == police));
        assert!(
            options
                .iter()
                .all(|o| o.name != "海南省12345政务服务便民热线")
        );

        // Dispatch with an assisting department.
        let market = department(&app, "市场监督管理部门", "460106").await;
        let dispatched = app
            .dispatch_work_order(
                &dispatcher,
                order.id,
                &DispatchInput {
                    department: police.clone(),
                    assist: vec![market.clone()],
                    note: Some("请会同市场监管部门核实".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(dispatched.status, "dispatched");
        assert_eq!(
            dispatched.lead_department.as_ref().map(|d| d.name.as_str()),
            Some("海口市公安局龙华分局")
        );
        assert_eq!(dispatched.assist_departments.len(), 1);
        // Dispatching twice is a conflict; dispatching to the hotline itself is refused.
        assert!(matches!(
            app.dispatch_work_order(&dispatcher, order.id, &to(&police))
                .await,
            Err(AppError::Conflict(_))
        ));

        // The lead sees it to do, with the full number; the assisting department may add an opinion.
        let inbox = app.work_orders(&clerk, &todo()).await.unwrap();
        assert_eq!(numbers(&inbox), vec![order.number.clone()]);
        let seen = app.work_order(&clerk, order.id).await.unwrap();
        assert_eq!(seen.viewer, "lead");
        assert_eq!(seen.contact_phone.as_deref(), Some("13800138000"));
        assert!(seen.can("reply") && seen.can("return"));
        let market_clerk = sign_in(&app, "sj_clerk").await;
        let assisting = app.work_order(&market_clerk, order.id).await.unwrap();
        assert_eq!(assisting.viewer, "assist");
        assert_eq!(assisting.contact_phone, None);
        assert_eq!(assisting.actions, vec!["opinion".to_owned()]);
        app.add_work_order_opinion(&market_clerk, order.id, "经核实，该申请人无经营主体登记")
            .await
            .unwrap();
        assert!(matches!(
            app.reply_work_order(&market_clerk, order.id, "答复").await,
            Err(AppError::Forbidden(_))
        ));
        let events = zerotrip_store::outbox::recent(&app.db, 50).await.unwrap();
        let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
        for topic in ["hotline.created", "hotline.dispatched", "hotline.opinion"] {
            assert!(topics.contains(&topic), "{topic} in {topics:?}");
        }
    }
);

backend_test!(a_returned_order_is_redispatched, |db| async move {
    let app = demo_app(db).await;
    let citizen = sign_in(&app, CITIZEN).await;
    let dispatcher = sign_in(&app, "hotline_dispatcher").await;
    let market_clerk = sign_in(&app, "sj_clerk").await;
    let police_clerk = sign_in(&app, "lh_clerk").await;
    let police = department(&app, "公安机关", "460106").await;
    let market = department(&app, "市场监督管理部门", "460106").await;
    let order = file(
        &app,
        &citizen,
        &request("complaint", "派出所窗口办理户口迁移时态度差"),
    )
    .await;
    app.dispatch_work_order(&dispatcher, order.id, &to(&market))
        .await
        .unwrap();

    // 退单 needs a reason; afterwards the department no longer sees the order.
    assert!(matches!(
        app.return_work_order(&market_clerk, order.id, " ").await,
        Err(AppError::Invalid { .. })
    ));
    let returned = app
        .return_work_order(
            &market_clerk,
            order.id,
            "不属于本单位职责，应由公安机关办理",
        )
        .await
        .unwrap();
    assert_eq!(returned.status, "returned");
    assert_not_found(
        app.work_order(&market_clerk, order.id).await,
        "the returning department",
    );
    let hotline_todo = app.work_orders(&dispatcher, &todo()).await.unwrap();
    assert!(numbers(&hotline_todo).contains(&order.number));

    // 改派 needs a reason too.
    assert!(matches!(
        app.redispatch_work_order(&dispatcher, order.id, &to(&police))
            .await,
        Err(AppError::Invalid { .. })
    ));
    let redispatched = app
        .redispatch_work_order(
            &dispatcher,
            order.id,
            &DispatchInput {
                department: police.clone(),
                assist: Vec::new(),
                note: Some("派单异议成立，改派公安机关".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(redispatched.status, "dispatched");
    assert_eq!(
        redispatched.lead_department.map(|d| d.name),
        Some("海口市公安局龙华分局".to_owned())
    );
    // Re-dispatching to the department that has it already is refused.
    assert!(matches!(
        app.redispatch_work_order(
            &dispatcher,
            order.id,
            &DispatchInput {
                department: police.clone(),
                assist: Vec::new(),
                note: Some("再次改派".into()),
            }
        )
        .await,
        Err(AppError::Invalid { .. })
    ));
    let replied = app
        .reply_work_order(&police_clerk, order.id, "已约谈窗口工作人员并批评教育")
        .await
        .unwrap();
    assert_eq!(replied.status, "replied");
    assert_eq!(replied.replied_by.as_deref(), Some("海口市公安局龙华分局"));

    // Staff see every step; the requester not the internal ones.
    let staff_view = app.work_order(&dispatcher, order.id).await.unwrap();
    let steps: Vec<&str> = staff_view
        .timeline
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        steps,
        ["create", "dispatch", "return", "redispatch", "reply"]
    );
    let returned_step = &staff_view.timeline[2];
    assert_eq!(
        returned_step.note.as_deref(),
        Some("不属于本单位职责，应由公安机关办理")
    );
    assert_eq!(
        returned_step.department.as_deref(),
        Some("海口市市场监督管理局龙华分局")
    );
    let own = app.work_order(&citizen, order.id).await.unwrap();
    let steps: Vec<&str> = own.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(steps, ["create", "dispatch", "reply"]);
    assert_eq!(own.reply.as_deref(), Some("已约谈窗口工作人员并批评教育"));
    let audit = app
        .audit_records(
            &sign_in(&app, "auditor").await,
            &AuditFilter {
                target: Some(format!("work_order:{}", order.number)),
                ..Default::default()
            },
            20,
            0,
        )
        .await
        .unwrap();
    let mut actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "hotline.dispatch",
            "hotline.redispatch",
            "hotline.reply",
            "hotline.return"
        ]
    );
});

backend_test!(
    duplicate_requests_merge_into_one_lead_order,
    |db| async move {
        let app = demo_app(db).await;
        let wang = sign_in(&app, CITIZEN).await;
        let li = sign_in(&app, OTHER_CITIZEN).await;
        let agent = sign_in(&app, "hotline_agent").await;
        let police_clerk = sign_in(&app, "lh_clerk").await;
        let police = department(&app, "公安机关", "460106").await;
        let lead = file(
            &app,
            &wang,
            &request("complaint", "龙华派出所户籍窗口中午不开放"),
        )
        .await;
        let duplicate = file(
            &app,
            &li,
            &request("complaint", "龙华派出所户籍窗口午休时间没人"),
        )
        .await;
        // A caller entered by the hotline, linked to 李红 by her ID number.
        let mut call = request("投诉", "户籍窗口中午关门，上班族办不了事");
        call.requester_name = Some("李红".into());
        call.requester_id_number = Some(OTHER_CITIZEN.into());
        call.contact_phone = Some("0898-66668888".into());
        let by_phone = file(&app, &agent, &call).await;
        assert_eq!(by_phone.channel, "phone");
        assert_eq!(by_phone.contact_phone.as_deref(), Some("0898-66668888"));
        assert_eq!(by_phone.contact_phone_masked, "0898-****8888");

        // Requesters cannot merge; the lead must exist and differ.
        assert!(matches!(
            app.merge_work_order(
                &li,
                duplicate.id,
                &MergeInput {
                    into: lead.number.clone(),
                    note: None
                }
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.merge_work_order(
                &agent,
                duplicate.id,
                &MergeInput {
                    into: duplicate.number.clone(),
                    note: None
                }
            )
            .await,
            Err(AppError::Invalid { .. })
        ));
        let merged = app
            .merge_work_order(
                &agent,
                duplicate.id,
                &MergeInput {
                    into: lead.number.clone(),
                    note: Some("同一窗口同一问题".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(merged.status, "merged");
        assert_eq!(
            merged.merged_into.as_ref().map(|o| o.number.clone()),
            Some(lead.number.clone())
        );
        app.merge_work_order(
            &agent,
            by_phone.id,
            &MergeInput {
                into: lead.number.clone(),
                note: None,
            },
        )
        .await
        .unwrap();
        let lead_view = app.work_order(&agent, lead.id).await.unwrap();
        assert_eq!(lead_view.merged_orders.len(), 2);
        // Merged orders wait on the lead: dispatching them is a conflict.
        assert!(matches!(
            app.dispatch_work_order(&agent, duplicate.id, &to(&police))
                .await,
            Err(AppError::Conflict(_))
        ));

        app.dispatch_work_order(&agent, lead.id, &to(&police))
            .await
            .unwrap();
        // The department sees only the lead order.
        let inbox = app.work_orders(&police_clerk, &all()).await.unwrap();
        assert_eq!(numbers(&inbox), vec![lead.number.clone()]);
        app.reply_work_order(
            &police_clerk,
            lead.id,
            "自下月起户籍窗口午间不休，延时服务至 19:00",
        )
        .await
        .unwrap();
        let li_view = app.work_order(&li, duplicate.id).await.unwrap();
        assert_eq!(li_view.status, "merged");
        assert_eq!(
            li_view.reply.as_deref(),
            Some("自下月起户籍窗口午间不休，延时服务至 19:00")
        );
        // A requester does not learn the other order's number.
        assert_eq!(li_view.merged_into, None);
        app.close_work_order(&agent, lead.id, None).await.unwrap();
        for id in [lead.id, duplicate.id, by_phone.id] {
            let view = app.work_order(&agent, id).await.unwrap();
            assert_eq!(view.status, "closed", "{}", view.number);
            assert!(view.callback_due.is_some());
            assert_eq!(
                view.reply.as_deref(),
                Some("自下月起户籍窗口午间不休，延时服务至 19:00")
            );
        }
        // Each requester is called back on their own order.
        let li_done = app
            .record_work_order_callback(&li, duplicate.id, &callback("满意"))
            .await
            .unwrap();
        assert_eq!(li_done.status, "completed");
        assert_eq!(li_done.satisfaction_label.as_deref(), Some("满意"));
        let lead_still = app.work_order(&wang, lead.id).await.unwrap();
        assert_eq!(lead_still.status, "closed");
        // Li sees both of her orders, never Wang's.
        let li_orders = app.work_orders(&li, &all()).await.unwrap();
        let mut mine = numbers(&li_orders);
        mine.sort();
        let mut expected = vec![duplicate.number.clone(), by_phone.number.clone()];
        expected.sort();
        assert_eq!(mine, expected);
    }
);

backend_test!(
    overdue_orders_are_reminded_then_escalated,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let dispatcher = sign_in(&app, "hotline_dispatcher").await;
        let police_clerk = sign_in(&app, "lh_clerk").await;
        let police = department(&app, "公安机关", "460106").await;
        let jobs = HotlineJobs::new(app.clone());
        set_today(&app, d("2025-09-29"));
        let order = file(
            &app,
            &citizen,
            &request("consultation", "办理居住证需要什么材料？"),
        )
        .await;
        assert_eq!(order.deadline, d("2025-10-10"));
        assert_eq!(order.deadline_status, "normal");
        app.dispatch_work_order(&dispatcher, order.id, &to(&police))
            .await
            .unwrap();
        // Another order answered in time is never reminded.
        let answered = file(
            &app,
            &citizen,
            &request("consultation", "居住证多久能办好？"),
        )
        .await;
        app.dispatch_work_order(&dispatcher, answered.id, &to(&police))
            .await
            .unwrap();
        app.reply_work_order(&police_clerk, answered.id, "5 个工作日")
            .await
            .unwrap();

        set_today(&app, d("2025-10-09"));
        let view = app.work_order(&police_clerk, order.id).await.unwrap();
        assert_eq!(view.deadline_status, "due_soon");
        assert!(jobs.run_once().await.unwrap().is_idle());
        // On the deadline day itself nothing happens yet.
        set_today(&app, d("2025-10-10"));
        assert!(jobs.run_once().await.unwrap().is_idle());

        // Saturday 11 October is a working day: the first one after the deadline, so 催办.
        set_today(&app, d("2025-10-11"));
        let report = jobs.run_once().await.unwrap();
        assert_eq!((report.reminded, report.escalated), (1, 0));
        assert!(jobs.run_once().await.unwrap().is_idle(), "reminded once");
        let view = app.work_order(&police_clerk, order.id).await.unwrap();
        assert_eq!(view.deadline_status, "overdue");
        assert_eq!(view.deadline_status_label, "已超期");
        assert!(view.reminded_at.is_some());
        assert!(view.escalated_at.is_none());
        let overdue = app
            .work_orders(
                &police_clerk,
                &WorkOrderListQuery {
                    overdue: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(numbers(&overdue), vec![order.number.clone()]);

        // Five working days later (13–17 October) it is escalated, once.
        set_today(&app, d("2025-10-16"));
        assert!(jobs.run_once().await.unwrap().is_idle());
        set_today(&app, d("2025-10-17"));
        let report = jobs.run_once().await.unwrap();
        assert_eq!((report.reminded, report.escalated), (0, 1));
        set_today(&app, d("2025-10-20"));
        assert!(jobs.run_once().await.unwrap().is_idle(), "escalated once");
        let view = app.work_order(&dispatcher, order.id).await.unwrap();
        assert!(view.escalated_at.is_some());
        let steps: Vec<&str> = view.timeline.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(steps, ["create", "dispatch", "remind", "escalate"]);
        assert!(
            view.timeline[2]
                .note
                .as_deref()
                .unwrap_or("")
                .contains("海口市公安局龙华分局")
        );
        let answered = app.work_order(&dispatcher, answered.id).await.unwrap();
        assert!(answered.reminded_at.is_none());
        // The requester does not see the internal steps.
        let own = app.work_order(&citizen, order.id).await.unwrap();
        assert!(
            own.timeline
                .iter()
                .all(|e| e.action != "remind" && e.action != "escalate")
        );

        let events = zerotrip_store::outbox::recent(&app.db, 30).await.unwrap();
        let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(
            topics.iter().filter(|t| **t == "hotline.reminded").count(),
            1
        );
        assert_eq!(
            topics.iter().filter(|t| **t == "hotline.escalated").count(),
            1
        );
        let audit = app
            .audit_records(
                &sign_in(&app, "auditor").await,
                &AuditFilter {
                    actor: Some("system".into()),
                    action_prefix: Some("hotline.".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        let mut actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        actions.sort_unstable();
        assert_eq!(actions, ["hotline.escalate", "hotline.remind"]);
    }
);

backend_test!(
    callbacks_record_satisfaction_and_not_satisfied_reopens,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let agent = sign_in(&app, "hotline_agent").await;
        let police_clerk = sign_in(&app, "lh_clerk").await;
        let police = department(&app, "公安机关", "460106").await;
        // Friday 10 October 2025: the callback is due on Saturday 11 October, a working day.
        set_today(&app, d("2025-10-10"));
        let order = file(&app, &citizen, &request("complaint", "身份证补办进度太慢")).await;
        app.dispatch_work_order(&agent, order.id, &to(&police))
            .await
            .unwrap();
        // Closing before the reply is a conflict; the hotline can send a poor reply back.
        assert!(matches!(
            app.close_work_order(&agent, order.id, None).await,
            Err(AppError::Conflict(_))
        ));
        app.reply_work_order(&police_clerk, order.id, "已办理")
            .await
            .unwrap();
        let reworked = app
            .rework_work_order(&agent, order.id, "答复过于简单，请说明办理进度和原因")
            .await
            .unwrap();
        assert_eq!(reworked.status, "dispatched");
        assert_eq!(reworked.reply, None);
        app.reply_work_order(
            &police_clerk,
            order.id,
            "证件已制作完成，可到龙华分局户籍窗口领取",
        )
        .await
        .unwrap();
        // The requester cannot call back before closure.
        assert!(matches!(
            app.record_work_order_callback(&citizen, order.id, &callback("满意"))
                .await,
            Err(AppError::Conflict(_))
        ));
        let closed = app
            .close_work_order(&agent, order.id, Some("答复属实"))
            .await
            .unwrap();
        assert_eq!(closed.status, "closed");
        assert_eq!(closed.callback_due, Some(d("2025-10-11")));
        let todo_list = app.work_orders(&agent, &todo()).await.unwrap();
        assert!(
            numbers(&todo_list).contains(&order.number),
            "waits for its callback"
        );

        // 不满意 reopens the order to the same department with a fresh deadline.
        set_today(&app, d("2025-10-13"));
        let reopened = app
            .record_work_order_callback(
                &citizen,
                order.id,
                &CallbackInput {
                    satisfaction: "dissatisfied".into(),
                    note: Some("去了窗口说还没做好".into()),
                    reopen: Some(false),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            reopened.status, "dispatched",
            "a requester's 不满意 always reopens"
        );
        assert_eq!(reopened.satisfaction_label.as_deref(), Some("不满意"));
        assert_eq!(reopened.reopen_count, 1);
        assert_eq!(reopened.deadline, d("2025-10-30"));
        assert_eq!(reopened.reply, None);
        assert_eq!(
            reopened.lead_department.as_ref().map(|d| d.name.as_str()),
            Some("海口市公安局龙华分局")
        );
        let inbox = app.work_orders(&police_clerk, &todo()).await.unwrap();
        assert_eq!(numbers(&inbox), vec![order.number.clone()]);

        // Handled again; this time the hotline records 基本满意 on the phone.
        app.reply_work_order(
            &police_clerk,
            order.id,
            "经核查系制证中心延误，已加急，今日可取",
        )
        .await
        .unwrap();
        app.close_work_order(&agent, order.id, None).await.unwrap();
        let done = app
            .record_work_order_callback(
                &agent,
                order.id,
                &CallbackInput {
                    satisfaction: "基本满意".into(),
                    note: Some("已取到证件".into()),
                    reopen: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(done.status, "completed");
        assert_eq!(done.satisfaction.as_deref(), Some("basically_satisfied"));
        assert_eq!(done.callback_note.as_deref(), Some("已取到证件"));
        // Once is enough.
        assert!(matches!(
            app.record_work_order_callback(&agent, order.id, &callback("满意"))
                .await,
            Err(AppError::Conflict(_))
        ));
        let steps: Vec<String> = app
            .work_order(&citizen, order.id)
            .await
            .unwrap()
            .timeline
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            steps,
            [
                "create", "dispatch", "reply", "reply", "close", "callback", "reopen", "reply",
                "close", "callback"
            ]
        );

        // The hotline may record 不满意 without reopening (e.g. a request the law cannot meet).
        let other = file(
            &app,
            &citizen,
            &request("suggestion", "建议取消身份证办理收费"),
        )
        .await;
        app.reply_work_order(&agent, other.id, "工本费由国家规定，本地无权取消")
            .await
            .unwrap();
        app.close_work_order(&agent, other.id, None).await.unwrap();
        let kept = app
            .record_work_order_callback(
                &agent,
                other.id,
                &CallbackInput {
                    satisfaction: "不满意".into(),
                    note: None,
                    reopen: Some(false),
                },
            )
            .await
            .unwrap();
        assert_eq!(kept.status, "completed");
        assert_eq!(kept.satisfaction.as_deref(), Some("dissatisfied"));
        let events = zerotrip_store::outbox::recent(&app.db, 80).await.unwrap();
        assert!(events.iter().any(|e| e.topic == "hotline.reopened"));
        assert_eq!(
            events
                .iter()
                .filter(|e| e.topic == "hotline.callback")
                .count(),
            3
        );
    }
);

backend_test!(
    requesters_and_departments_see_only_their_own,
    |db| async move {
        let app = demo_app(db).await;
        let wang = sign_in(&app, CITIZEN).await;
        let li = sign_in(&app, OTHER_CITIZEN).await;
        let agent = sign_in(&app, "hotline_agent").await;
        let police_clerk = sign_in(&app, "lh_clerk").await;
        let market_clerk = sign_in(&app, "sj_clerk").await;
        let xiuying = sign_in(&app, "xy_clerk").await;
        let longhua = sign_in(&app, "longhua").await;
        let admin = sign_in(&app, "admin").await;
        let police = department(&app, "公安机关", "460106").await;
        let order = file(
            &app,
            &wang,
            &request("help", "老人行动不便，能否上门办理身份证"),
        )
        .await;
        let own = app.work_order(&wang, order.id).await.unwrap();
        assert_eq!(own.viewer, "requester");
        assert_eq!(own.requester_name.as_deref(), Some("王小明"));
        assert_eq!(own.contact_phone, None, "even requesters see it masked");

        // Before dispatch: only the requester, the hotline and overseers.
        for (who, label) in [
            (&li, "another requester"),
            (&police_clerk, "a department before dispatch"),
            (&xiuying, "another region's department"),
        ] {
            assert_not_found(app.work_order(who, order.id).await, label);
            assert!(
                !numbers(&app.work_orders(who, &all()).await.unwrap()).contains(&order.number),
                "{label} lists it"
            );
            assert_not_found(
                app.record_work_order_callback(who, order.id, &callback("满意"))
                    .await,
                label,
            );
        }
        assert_not_found(
            app.reply_work_order(&li, order.id, "x").await,
            "another requester replying",
        );
        assert!(matches!(
            app.dispatch_work_order(&wang, order.id, &to(&police)).await,
            Err(AppError::Forbidden(_))
        ));
        // Department staff cannot take requests; the hotline can.
        assert!(matches!(
            app.create_work_order(&police_clerk, &request("consultation", "x"))
                .await,
            Err(AppError::Forbidden(_))
        ));

        app.dispatch_work_order(&agent, order.id, &to(&police))
            .await
            .unwrap();
        assert_eq!(
            app.work_order(&police_clerk, order.id)
                .await
                .unwrap()
                .viewer,
            "lead"
        );
        for (who, label) in [
            (&market_clerk, "another department"),
            (&xiuying, "another region"),
        ] {
            assert_not_found(app.work_order(who, order.id).await, label);
            assert_not_found(app.reply_work_order(who, order.id, "x").await, label);
            assert_not_found(app.return_work_order(who, order.id, "x").await, label);
            assert!(
                app.work_orders(who, &all())
                    .await
                    .unwrap()
                    .orders
                    .is_empty(),
                "{label}"
            );
        }
        // Overseers read, never act.
        for who in [&longhua, &admin] {
            let seen = app.work_order(who, order.id).await.unwrap();
            assert_eq!(seen.viewer, "overseer");
            assert!(seen.actions.is_empty());
            assert_eq!(seen.contact_phone, None);
            assert!(matches!(
                app.reply_work_order(who, order.id, "x").await,
                Err(AppError::Forbidden(_))
            ));
        }
        assert!(numbers(&app.work_orders(&longhua, &all()).await.unwrap()).contains(&order.number));
        // The hotline sees everything; a number that does not exist is simply not found.
        assert!(numbers(&app.work_orders(&agent, &all()).await.unwrap()).contains(&order.number));
        assert_not_found(app.work_order(&agent, 999_999).await, "a missing order");
        assert!(matches!(
            app.work_orders(
                &agent,
                &WorkOrderListQuery {
                    scope: Some("everything".into()),
                    ..Default::default()
                }
            )
            .await,
            Err(AppError::Invalid { .. })
        ));
    }
);

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn completed_case(app: &App, citizen: &Principal) -> i64 {
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
    let id = app
        .file_case(citizen, &application, "hotline-bad-review")
        .await
        .unwrap()
        .id;
    for (who, command) in [
        ("lh_clerk", Command::Accept),
        ("lh_reviewer", Command::Review),
        ("lh_approver", Command::Approve),
        ("lh_clerk", Command::Complete),
    ] {
        let staff = sign_in(app, who).await;
        app.act_on_case(
            &staff,
            id,
            ActionRequest {
                command,
                comment: Some("同意".into()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{who}: {e}"));
    }
    id
}

backend_test!(
    a_bad_review_makes_one_order_under_redelivery,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        let police_clerk = sign_in(&app, "lh_clerk").await;
        let case_id = completed_case(&app, &citizen).await;
        app.rate_case(
            &citizen,
            case_id,
            &EvaluationInput {
                level: LevelInput::Code(5),
                comment: Some("来回跑了三趟".into()),
                channel: None,
            },
        )
        .await
        .unwrap();
        let subscriber = Arc::new(BadReviewSubscriber::new(app.clone()));
        let worker = OutboxWorker::new(app.clone(), vec![subscriber.clone()]);
        worker.drain().await.unwrap();
        let bad = zerotrip_store::outbox::recent(&app.db, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.topic == "evaluation.bad")
            .expect("an evaluation.bad event");
        assert!(bad.delivered_at.is_some());
        // Redelivered twice more (at least once delivery): still one order.
        let event = OutboxEvent {
            id: bad.id,
            topic: bad.topic.clone(),
            event_key: bad.event_key.clone(),
            payload: bad.payload.clone(),
            created_at: app.clock.now(),
            attempts: 2,
        };
        subscriber.deliver(&event).await.unwrap();
        subscriber.deliver(&event).await.unwrap();
        let orders = app.work_orders(&police_clerk, &todo()).await.unwrap();
        assert_eq!(orders.total, 1);
        let order = &orders.orders[0];
        assert_eq!(order.kind, "rectification");
        assert_eq!(order.kind_label, "差评整改");
        assert_eq!(order.channel, "evaluation");
        assert_eq!(order.status, "dispatched");
        assert_eq!(order.working_days, 5);
        let detail = app.work_order(&police_clerk, order.id).await.unwrap();
        assert!(detail.content.contains("非常不满意"), "{}", detail.content);
        assert!(
            detail.content.contains("来回跑了三趟"),
            "{}",
            detail.content
        );
        assert_eq!(detail.contact_phone.as_deref(), Some("13800138000"));
        assert!(detail.source_case_number.is_some());
        // The applicant follows it as their own order.
        let own = app.work_orders(&citizen, &all()).await.unwrap();
        assert_eq!(numbers(&own), vec![order.number.clone()]);
        let created = zerotrip_store::outbox::recent(&app.db, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.topic == "hotline.created")
            .count();
        assert_eq!(created, 1);
        // A malformed event is refused (and retried), not half-made.
        let broken = OutboxEvent {
            payload: zerotrip_store::Json(serde_json::json!({"case_id": "x"})),
            id: bad.id + 10_000,
            ..event
        };
        assert!(subscriber.deliver(&broken).await.is_err());
    }
);
