//! Case handling end to end in the app layer, on both backends.

mod support;

use bytes::Bytes;
use chrono::{Duration, NaiveDate};
use support::{demo_app, sign_in};
use zerotrip_app::cases::{CaseApplication, CaseListQuery, MaterialFile};
use zerotrip_app::{App, AppError};
use zerotrip_core::workflow::{ActionRequest, Command, DeadlineStatus};
use zerotrip_store::backend_test;

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn application(app_form: &[(&str, &str)]) -> CaseApplication {
    CaseApplication {
        item_code: ITEM.to_owned(),
        region: "460106".to_owned(),
        form: app_form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        materials: Vec::new(),
        channel: None,
        applicant_account_id: None,
    }
}

async fn act(
    app: &App,
    who: &str,
    case_id: i64,
    command: Command,
    comment: Option<&str>,
) -> Result<zerotrip_app::cases::CaseDetail, AppError> {
    let principal = sign_in(app, who).await;
    app.act_on_case(
        &principal,
        case_id,
        ActionRequest {
            command,
            comment: comment.map(str::to_owned),
        },
    )
    .await
}

/// Files the demo item for the demo citizen with its required upload; returns the case id.
async fn filed_case(app: &App) -> i64 {
    let citizen = sign_in(app, CITIZEN).await;
    let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
    let detail = app.item_detail(ITEM).await.unwrap();
    let required: Vec<String> = detail
        .item
        .materials
        .iter()
        .filter(|m| m.applicant_supplies())
        .map(|m| m.name.clone())
        .collect();
    let mut application = application(&[("description", "迁入龙华区")]);
    application.materials = required
        .iter()
        .map(|name| MaterialFile {
            material: name.clone(),
            file: stored.key.clone(),
            file_name: Some("申请表.pdf".into()),
        })
        .collect();
    app.file_case(&citizen, &application, "first-try-0001")
        .await
        .unwrap()
        .id
}

backend_test!(a_case_goes_from_application_to_delivery, |db| async move {
    let app = demo_app(db).await;
    let id = filed_case(&app).await;
    let citizen = sign_in(&app, CITIZEN).await;
    let detail = app.case_detail(&citizen, id).await.unwrap();
    assert_eq!(detail.summary.state, "acceptance");
    assert!(
        detail.summary.number.starts_with("HN"),
        "{}",
        detail.summary.number
    );
    assert_eq!(detail.summary.channel, "web");
    // Government-issued materials are 免提交 and were never asked for.
    assert!(
        detail
            .materials
            .iter()
            .any(|m| m.status == "exempt" && m.exemption.is_some())
    );
    assert!(
        detail
            .materials
            .iter()
            .filter(|m| m.required && m.status != "exempt")
            .all(|m| m.status == "uploaded")
    );
    assert_eq!(detail.applicant.id_number_masked, "4601**********1239");

    let accepted = act(&app, "lh_clerk", id, Command::Accept, None)
        .await
        .unwrap();
    assert_eq!(accepted.summary.state, "review");
    assert!(
        accepted.clock.deadline.is_some(),
        "the clock runs from 受理"
    );
    let deadline = accepted.clock.deadline.unwrap();

    let material = detail
        .materials
        .iter()
        .find(|m| m.status == "uploaded")
        .unwrap()
        .name
        .clone();
    let paused = act(
        &app,
        "lh_reviewer",
        id,
        Command::RequestSupplement {
            materials: vec![material.clone()],
        },
        Some("申请表未签字"),
    )
    .await
    .unwrap();
    assert!(paused.clock.paused);
    assert_eq!(paused.clock.status, DeadlineStatus::Paused);
    // Supplementing without the new file is refused and changes nothing.
    assert!(matches!(
        act(&app, CITIZEN, id, Command::Supplement, None).await,
        Err(AppError::Invalid { .. })
    ));
    let position = paused
        .materials
        .iter()
        .find(|m| m.name == material)
        .unwrap()
        .position;
    app.upload_case_material(
        &citizen,
        id,
        position,
        "签字后.pdf",
        Bytes::from_static(b"%PDF-1.4 signed"),
    )
    .await
    .unwrap();
    // The pause lasted a few days: the deadline moves by the working days it covered.
    app.clock.advance(Duration::days(3));
    let resumed = act(&app, CITIZEN, id, Command::Supplement, None)
        .await
        .unwrap();
    assert_eq!(resumed.summary.state, "review");
    assert!(resumed.clock.deadline.unwrap() >= deadline);
    assert_eq!(resumed.clock.supplements, 1);

    act(&app, "lh_reviewer", id, Command::Review, Some("材料齐全"))
        .await
        .unwrap();
    act(&app, "lh_approver", id, Command::Approve, Some("准予迁移"))
        .await
        .unwrap();
    act(&app, "lh_clerk", id, Command::Complete, None)
        .await
        .unwrap();
    let delivered = act(&app, "lh_clerk", id, Command::Deliver, None)
        .await
        .unwrap();
    assert_eq!(delivered.summary.state, "delivered");
    assert_eq!(delivered.summary.outcome.as_deref(), Some("approved"));
    let actions: Vec<&str> = delivered
        .timeline
        .iter()
        .map(|t| t.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "submit",
            "accept",
            "request_supplement",
            "supplement",
            "review",
            "approve",
            "complete",
            "deliver"
        ]
    );
    assert_eq!(
        delivered.timeline[2].comment.as_deref(),
        Some("申请表未签字")
    );
    // Staff actions are audited; the chain verifies.
    assert_eq!(app.verify_audit_chain(|_| {}).await.unwrap().broken, None);
});

backend_test!(retries_never_create_a_second_case, |db| async move {
    let app = demo_app(db).await;
    let citizen = sign_in(&app, CITIZEN).await;
    let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
    let required = app
        .item_detail(ITEM)
        .await
        .unwrap()
        .item
        .materials
        .into_iter()
        .filter(|m| m.applicant_supplies())
        .map(|m| m.name);
    let mut application = application(&[]);
    application.materials = required
        .map(|name| MaterialFile {
            material: name,
            file: stored.key.clone(),
            file_name: None,
        })
        .collect();
    let first = app
        .file_case(&citizen, &application, "double-click-42")
        .await
        .unwrap();
    let again = app
        .file_case(&citizen, &application, "double-click-42")
        .await
        .unwrap();
    assert_eq!(
        (first.id, first.number.clone()),
        (again.id, again.number.clone())
    );
    assert!(again.replayed);
    // The same key for a different request is a conflict, not a silent replay.
    let mut other = application.clone();
    other.form.insert("description".into(), "另一件事".into());
    assert!(matches!(
        app.file_case(&citizen, &other, "double-click-42").await,
        Err(AppError::Conflict(_))
    ));
    // No key, no submission.
    assert!(matches!(
        app.file_case(&citizen, &application, "").await,
        Err(AppError::Invalid { .. })
    ));
    let mine = app
        .my_cases(
            &citizen,
            &CaseListQuery {
                per_page: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
});

backend_test!(
    incomplete_or_hostile_input_changes_nothing,
    |db| async move {
        let app = demo_app(db).await;
        let citizen = sign_in(&app, CITIZEN).await;
        // Missing the required upload.
        match app
            .file_case(&citizen, &application(&[]), "missing-file-1")
            .await
        {
            Err(AppError::Invalid { fields, .. }) => assert!(
                fields.iter().any(|f| f.field.starts_with("materials.")),
                "{fields:?}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Bad form values.
        match app
            .file_case(
                &citizen,
                &application(&[
                    ("contact_phone", "12345"),
                    ("delivery_method", "carrier-pigeon"),
                    ("evil", "x"),
                ]),
                "bad-form-0001",
            )
            .await
        {
            Err(AppError::Invalid { fields, .. }) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                assert!(
                    names.contains(&"form.contact_phone")
                        && names.contains(&"form.delivery_method")
                        && names.contains(&"form.evil"),
                    "{names:?}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Mislabelled, oversized and empty uploads.
        assert!(matches!(
            app.store_file(Bytes::from_static(b"MZ\x90\x00 pretending to be a pdf"))
                .await,
            Err(AppError::Invalid { .. })
        ));
        assert!(matches!(
            app.store_file(Bytes::from(vec![b'%'; 11 * 1024 * 1024]))
                .await,
            Err(AppError::Invalid { .. })
        ));
        assert!(matches!(
            app.store_file(Bytes::new()).await,
            Err(AppError::Invalid { .. })
        ));
        // A region with no implementation, a malformed region, an unknown item.
        let mut elsewhere = application(&[]);
        elsewhere.region = "46abc".into();
        assert!(matches!(
            app.file_case(&citizen, &elsewhere, "bad-region-001").await,
            Err(AppError::Invalid { .. })
        ));
        let mut unknown = application(&[]);
        unknown.item_code = "HN-XK-99999".into();
        assert!(matches!(
            app.file_case(&citizen, &unknown, "unknown-item-1").await,
            Err(AppError::Invalid { .. })
        ));
        let mine = app
            .my_cases(
                &citizen,
                &CaseListQuery {
                    per_page: 20,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(mine.total, 0, "no case was left behind");
        // Path-traversal file names are kept only as a display name.
        let id = filed_case(&app).await;
        let detail = app.case_detail(&citizen, id).await.unwrap();
        let position = detail
            .materials
            .iter()
            .find(|m| m.status == "uploaded")
            .unwrap()
            .position;
        let reviewer_ready = act(&app, "lh_clerk", id, Command::Accept, None)
            .await
            .unwrap();
        let name = reviewer_ready
            .materials
            .iter()
            .find(|m| m.position == position)
            .unwrap()
            .name
            .clone();
        act(
            &app,
            "lh_reviewer",
            id,
            Command::RequestSupplement {
                materials: vec![name],
            },
            Some("请重新上传"),
        )
        .await
        .unwrap();
        let uploaded = app
            .upload_case_material(
                &citizen,
                id,
                position,
                "../../etc/passwd.pdf",
                Bytes::from_static(PDF),
            )
            .await
            .unwrap();
        assert_eq!(uploaded.file_name.as_deref(), Some("passwd.pdf"));
    }
);

backend_test!(nobody_sees_or_touches_what_is_not_theirs, |db| async move {
    let app = demo_app(db).await;
    let id = filed_case(&app).await;
    let other = sign_in(&app, OTHER_CITIZEN).await;
    // Another citizen: not found, not forbidden, so case ids cannot be probed.
    assert!(matches!(
        app.case_detail(&other, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        act(&app, OTHER_CITIZEN, id, Command::Withdraw, None).await,
        Err(AppError::NotFound(_))
    ));
    // Staff of another department or region.
    for outsider in ["sj_clerk", "xy_clerk"] {
        let principal = sign_in(&app, outsider).await;
        assert!(
            matches!(
                app.case_detail(&principal, id).await,
                Err(AppError::NotFound(_))
            ),
            "{outsider}"
        );
        assert!(
            matches!(
                act(&app, outsider, id, Command::Accept, None).await,
                Err(AppError::NotFound(_))
            ),
            "{outsider}"
        );
        let inbox = app
            .inbox(
                &principal,
                &CaseListQuery {
                    per_page: 50,
                    actionable_only: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(inbox.cases.iter().all(|c| c.id != id), "{outsider} inbox");
    }
    // The right department, the wrong role: a reviewer cannot accept.
    match act(&app, "lh_reviewer", id, Command::Accept, None).await {
        Err(AppError::Conflict(message)) => assert!(
            message.contains("窗口受理人员") || message.contains("不能"),
            "{message}"
        ),
        other => panic!("expected the workflow to refuse, got {other:?}"),
    }
    // Overseers read but do not act.
    let region_admin = sign_in(&app, "longhua").await;
    assert!(app.case_detail(&region_admin, id).await.is_ok());
    assert!(matches!(
        act(&app, "longhua", id, Command::Accept, None).await,
        Err(AppError::Forbidden(_))
    ));
    // The clerk's inbox has it, most urgent first.
    let clerk = sign_in(&app, "lh_clerk").await;
    let inbox = app
        .inbox(
            &clerk,
            &CaseListQuery {
                per_page: 50,
                actionable_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(inbox.cases.iter().any(|c| c.id == id));
    // A citizen has no inbox; staff have no "my cases".
    assert!(matches!(
        app.inbox(&other, &CaseListQuery::default()).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.my_cases(&clerk, &CaseListQuery::default()).await,
        Err(AppError::Forbidden(_))
    ));
});

backend_test!(
    the_applicant_may_withdraw_only_before_a_decision,
    |db| async move {
        let app = demo_app(db).await;
        let id = filed_case(&app).await;
        act(&app, "lh_clerk", id, Command::Accept, None)
            .await
            .unwrap();
        act(&app, "lh_reviewer", id, Command::Review, None)
            .await
            .unwrap();
        act(&app, "lh_approver", id, Command::Approve, None)
            .await
            .unwrap();
        assert!(matches!(
            act(&app, CITIZEN, id, Command::Withdraw, None).await,
            Err(AppError::Conflict(_))
        ));
        let second = {
            let citizen = sign_in(&app, CITIZEN).await;
            let mut application = application(&[]);
            let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
            application.materials = app
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
            app.file_case(&citizen, &application, "second-case-01")
                .await
                .unwrap()
                .id
        };
        let withdrawn = act(&app, CITIZEN, second, Command::Withdraw, Some("不需要了"))
            .await
            .unwrap();
        assert_eq!(withdrawn.summary.outcome.as_deref(), Some("withdrawn"));
        // Refusals need a reason.
        assert!(matches!(
            act(&app, "lh_approver", id, Command::Deny, None).await,
            Err(AppError::Conflict(_))
        ));
    }
);

backend_test!(
    a_walk_in_is_filed_at_the_window_and_routed,
    |db| async move {
        let app = demo_app(db).await;
        let window = sign_in(&app, "lh_window").await;
        let applicant = app
            .person_by_id_number(OTHER_CITIZEN)
            .await
            .unwrap()
            .expect("a registered person");
        let stored = app.store_file(Bytes::from_static(PDF)).await.unwrap();
        let mut application = application(&[]);
        application.applicant_account_id = Some(applicant.account_id);
        application.channel = Some(zerotrip_core::cases::Channel::Window);
        application.materials = app
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
                file_name: Some("扫描件.pdf".into()),
            })
            .collect();
        let outcome = app
            .file_case(&window, &application, "walk-in-000001")
            .await
            .unwrap();
        let detail = app.case_detail(&window, outcome.id).await.unwrap();
        assert_eq!(detail.summary.channel, "window");
        assert_eq!(detail.summary.filing_region_code, "460106");
        assert!(
            detail.handling_department.contains("公安"),
            "{}",
            detail.handling_department
        );
        // The applicant sees it as theirs.
        let owner = sign_in(&app, OTHER_CITIZEN).await;
        assert!(
            app.case_detail(&owner, outcome.id)
                .await
                .unwrap()
                .viewer_is_applicant
        );
        // The comprehensive window cannot take the department's steps.
        assert!(matches!(
            act(&app, "lh_window", outcome.id, Command::Accept, None).await,
            Err(AppError::Forbidden(_))
        ));

        // 全省通办: a walk-in at 秀英区 for a 龙华区 handling region is routed there.
        let xiuying = sign_in(&app, "xy_clerk").await;
        let routed = app
            .file_case(&xiuying, &application, "walk-in-000002")
            .await;
        let routed = routed.unwrap();
        let detail = app.case_detail(&owner, routed.id).await.unwrap();
        assert_eq!(
            (
                detail.summary.filing_region_code.as_str(),
                detail.summary.handling_region_code.as_str()
            ),
            ("460105", "460106")
        );
    }
);

backend_test!(
    deadlines_count_working_days_across_the_spring_festival,
    |db| async move {
        let app = demo_app(db).await;
        // Move the platform's clock back to Monday 2024-02-05, 10:00 in China.
        let target = NaiveDate::from_ymd_opt(2024, 2, 5)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc();
        app.clock.advance(target - chrono::Utc::now());
        assert_eq!(
            app.clock.today_in_china(),
            NaiveDate::from_ymd_opt(2024, 2, 5).unwrap()
        );
        let id = filed_case(&app).await;
        let accepted = act(&app, "lh_clerk", id, Command::Accept, None)
            .await
            .unwrap();
        // 3 working days after 2024-02-05: 02-06, 02-07, 02-08 (the holiday starts 02-10).
        assert_eq!(accepted.clock.limit_working_days, 3);
        assert_eq!(accepted.clock.deadline, NaiveDate::from_ymd_opt(2024, 2, 8));
        // A 补正 from Wed 02-07 until Sun 02-18 (an adjusted working day) stops the clock: 02-06 and
        // the notice day 02-07 count (days 1 and 2); the working days 02-08, 02-09 and 02-18 inside
        // the pause do not; Mon 02-19 is day 3.
        app.clock.advance(Duration::days(2));
        let detail = app
            .case_detail(&sign_in(&app, CITIZEN).await, id)
            .await
            .unwrap();
        let position = detail
            .materials
            .iter()
            .find(|m| m.status == "uploaded")
            .unwrap()
            .position;
        let name = detail
            .materials
            .iter()
            .find(|m| m.position == position)
            .unwrap()
            .name
            .clone();
        act(
            &app,
            "lh_reviewer",
            id,
            Command::RequestSupplement {
                materials: vec![name],
            },
            Some("补充签字"),
        )
        .await
        .unwrap();
        app.clock.advance(Duration::days(11));
        assert_eq!(
            app.clock.today_in_china(),
            NaiveDate::from_ymd_opt(2024, 2, 18).unwrap()
        );
        let citizen = sign_in(&app, CITIZEN).await;
        app.upload_case_material(&citizen, id, position, "补.pdf", Bytes::from_static(PDF))
            .await
            .unwrap();
        let resumed = act(&app, CITIZEN, id, Command::Supplement, None)
            .await
            .unwrap();
        assert_eq!(resumed.clock.deadline, NaiveDate::from_ymd_opt(2024, 2, 19));
    }
);

backend_test!(
    deadlines_count_working_days_across_national_day,
    |db| async move {
        let app = demo_app(db).await;
        // Friday 2024-09-27, 10:00 in China. National Day 2024: 10-01 .. 10-07 off, with the
        // weekend days Sun 09-29 and Sat 10-12 worked instead.
        let target = NaiveDate::from_ymd_opt(2024, 9, 27)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc();
        app.clock.advance(target - chrono::Utc::now());
        let id = filed_case(&app).await;
        let accepted = act(&app, "lh_clerk", id, Command::Accept, None)
            .await
            .unwrap();
        // 3 working days after Fri 09-27: Sun 09-29 (adjusted), Mon 09-30, then Tue 10-08.
        assert_eq!(accepted.clock.limit_working_days, 3);
        assert_eq!(
            accepted.clock.deadline,
            NaiveDate::from_ymd_opt(2024, 10, 8)
        );
        // A 补正 on Mon 09-30 (day 2) until Thu 10-10: the working days 10-08 and 10-09 inside
        // the pause do not count, nor does the day the applicant supplements; Fri 10-11 is day 3.
        app.clock.advance(Duration::days(3));
        assert_eq!(
            app.clock.today_in_china(),
            NaiveDate::from_ymd_opt(2024, 9, 30).unwrap()
        );
        let detail = app
            .case_detail(&sign_in(&app, CITIZEN).await, id)
            .await
            .unwrap();
        let material = detail
            .materials
            .iter()
            .find(|m| m.status == "uploaded")
            .unwrap();
        let (position, name) = (material.position, material.name.clone());
        let paused = act(
            &app,
            "lh_reviewer",
            id,
            Command::RequestSupplement {
                materials: vec![name],
            },
            Some("补充签字"),
        )
        .await
        .unwrap();
        assert!(paused.clock.paused, "the clock stops during 补正");
        app.clock.advance(Duration::days(10));
        assert_eq!(
            app.clock.today_in_china(),
            NaiveDate::from_ymd_opt(2024, 10, 10).unwrap()
        );
        let citizen = sign_in(&app, CITIZEN).await;
        app.upload_case_material(&citizen, id, position, "补.pdf", Bytes::from_static(PDF))
            .await
            .unwrap();
        let resumed = act(&app, CITIZEN, id, Command::Supplement, None)
            .await
            .unwrap();
        assert_eq!(
            resumed.clock.deadline,
            NaiveDate::from_ymd_opt(2024, 10, 11)
        );
    }
);

backend_test!(
    a_charged_item_owes_its_standard_fee_from_acceptance,
    |db| async move {
        let app = demo_app(db).await;
        // The province makes the demo item charged with one standard amount.
        let admin = sign_in(&app, "admin").await;
        let mut item = app.item_detail(ITEM).await.unwrap().item;
        item.fee = Some(zerotrip_core::catalog::Fee {
            charged: true,
            basis: Some("《户口登记条例》".to_owned()),
            amount_note: Some("户口迁移证工本费5元/证".to_owned()),
            online_payment: true,
        });
        app.save_item_draft(&admin, item).await.unwrap();
        app.publish_item(&admin, ITEM, "收费").await.unwrap();

        let id = filed_case(&app).await;
        assert!(app.payment_orders_for_case(id).await.unwrap().is_empty());
        let accepted = act(&app, "lh_clerk", id, Command::Accept, None)
            .await
            .unwrap();
        let orders = app.payment_orders_for_case(id).await.unwrap();
        assert_eq!(orders.len(), 1, "{orders:?}");
        assert_eq!(orders[0].amount_fen, 500);
        assert!(orders[0].description.contains("5元/证"), "{orders:?}");
        let event = accepted.timeline.last().unwrap();
        assert_eq!(
            event.details["payment_order"].as_str(),
            Some(orders[0].order_no.as_str()),
            "{event:?}"
        );

        // 核定收费: only window, approvers or department admins of the handling department.
        let reviewer = sign_in(&app, "lh_reviewer").await;
        assert!(matches!(
            app.charge_case(&reviewer, id, 1000, "加急费").await,
            Err(AppError::Forbidden(_))
        ));
        let elsewhere = sign_in(&app, "sj_approver").await;
        assert!(matches!(
            app.charge_case(&elsewhere, id, 1000, "加急费").await,
            Err(AppError::NotFound(_))
        ));
        let citizen = sign_in(&app, CITIZEN).await;
        assert!(matches!(
            app.charge_case(&citizen, id, 1000, "加急费").await,
            Err(AppError::NotFound(_))
        ));
        let approver = sign_in(&app, "lh_approver").await;
        assert!(matches!(
            app.charge_case(&approver, id, 0, "加急费").await,
            Err(AppError::Invalid { .. })
        ));
        assert_eq!(app.payment_orders_for_case(id).await.unwrap().len(), 1);
        let extra = app
            .charge_case(&approver, id, 1500, "证件邮寄费")
            .await
            .unwrap();
        assert_eq!(extra.amount_fen, 1500);
        assert_eq!(app.payment_orders_for_case(id).await.unwrap().len(), 2);
    }
);
