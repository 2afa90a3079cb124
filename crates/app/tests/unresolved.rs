//! The 未办成事 desk in the app layer, on both backends: recording, who sees what, follow-up,
//! reassignment and closing, overdue marks across a holiday, and hostile input.

mod support;

use chrono::NaiveDate;
use support::{demo_app, sign_in};
use zerotrip_app::unresolved::{AssignInput, UnresolvedInput, UnresolvedListQuery};
use zerotrip_app::{App, AppError};
use zerotrip_store::audit::AuditFilter;
use zerotrip_store::backend_test;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Moves the platform clock to 10:00 China time on `date`.
fn set_today(app: &App, date: NaiveDate) {
    let target = date.and_hms_opt(2, 0, 0).unwrap().and_utc();
    app.clock.advance(target - app.clock.now());
    assert_eq!(app.clock.today_in_china(), date);
}

fn request(owner: &str) -> UnresolvedInput {
    UnresolvedInput {
        person_name: "赵大爷".into(),
        person_phone: "139-0013-9000".into(),
        item_code: Some("HN-XK-00001".into()),
        request: "想把户口从老家迁到龙华区，但老家派出所的证明开不出来".into(),
        reasons: vec!["cross_department".into(), "其他".into()],
        reason_note: Some("原籍地系统无记录，需协调".into()),
        owner: owner.into(),
        working_days: None,
    }
}

fn mine() -> UnresolvedListQuery {
    UnresolvedListQuery {
        scope: Some("mine".into()),
        ..Default::default()
    }
}

fn region() -> UnresolvedListQuery {
    UnresolvedListQuery {
        scope: Some("region".into()),
        ..Default::default()
    }
}

backend_test!(
    the_desk_records_follows_up_reassigns_and_closes,
    |db| async move {
        let app = demo_app(db).await;
        let window = sign_in(&app, "lh_window").await;
        let reviewer = sign_in(&app, "lh_reviewer").await;
        let approver = sign_in(&app, "lh_approver").await;
        let today = app.clock.today_in_china();
        let recorded = app
            .record_unresolved(&window, &request("lh_reviewer"))
            .await
            .unwrap();
        assert!(recorded.number.starts_with("WB"), "{}", recorded.number);
        assert_eq!(recorded.owner_name, "龙华公安审核员");
        assert_eq!(recorded.working_days, 5);
        assert_eq!(recorded.deadline, app.add_working_days(today, 5).unwrap());
        assert_eq!(recorded.status, "open");
        assert_eq!(
            recorded.item_name.as_deref(),
            Some("户口迁移审批（省内迁移）")
        );
        let reasons: Vec<&str> = recorded.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(reasons, vec!["cross_department", "other"]);
        // The recorder follows it up: the full contact; lists only show it masked.
        assert_eq!(recorded.person_phone.as_deref(), Some("13900139000"));
        assert_eq!(recorded.person_phone_masked, "139****9000");
        assert_eq!(recorded.person_name_masked, "赵**");

        let events = zerotrip_store::outbox::recent(&app.db, 20).await.unwrap();
        let event = events
            .iter()
            .find(|e| e.topic == "unresolved.recorded")
            .expect("an unresolved.recorded event");
        assert_eq!(event.event_key, recorded.number);
        assert!(
            !event.payload.0.to_string().contains("13900139000"),
            "no phone number in the event"
        );

        // The owner has it in their list, with the full contact on the detail page.
        let owned = app.unresolved_requests(&reviewer, &mine()).await.unwrap();
        assert_eq!(owned.total, 1);
        assert_eq!(owned.requests[0].person_phone, None, "lists mask the phone");
        let detail = app
            .unresolved_request(&reviewer, recorded.id)
            .await
            .unwrap();
        assert!(detail.may_note && detail.may_close && !detail.may_assign);
        assert_eq!(detail.person_name.as_deref(), Some("赵大爷"));

        // Not involved: another department of the region, another region.
        for outsider in ["sj_clerk", "xy_clerk", "lh_dept_admin"] {
            let principal = sign_in(&app, outsider).await;
            assert_eq!(
                app.unresolved_requests(&principal, &mine())
                    .await
                    .unwrap()
                    .total,
                0,
                "{outsider}"
            );
            assert!(
                matches!(
                    app.unresolved_request(&principal, recorded.id).await,
                    Err(AppError::NotFound(_))
                ),
                "{outsider}"
            );
            assert!(
                matches!(
                    app.close_unresolved(&principal, recorded.id, "越权").await,
                    Err(AppError::NotFound(_))
                ),
                "{outsider}"
            );
            assert!(matches!(
                app.unresolved_requests(&principal, &region()).await,
                Err(AppError::Forbidden(_))
            ));
        }
        // The region administrator and the province oversee; the province only reads.
        let longhua = sign_in(&app, "longhua").await;
        assert_eq!(
            app.unresolved_requests(&longhua, &UnresolvedListQuery::default())
                .await
                .unwrap()
                .total,
            1
        );
        let admin = sign_in(&app, "admin").await;
        let seen = app.unresolved_request(&admin, recorded.id).await.unwrap();
        assert_eq!(seen.person_phone, None);
        assert!(!seen.may_note && !seen.may_close && !seen.may_assign);
        assert!(matches!(
            app.note_unresolved(&admin, recorded.id, "省里看看").await,
            Err(AppError::Forbidden(_))
        ));
        // The recorder does not close; only the owner does.
        assert!(matches!(
            app.close_unresolved(&window, recorded.id, "已解决").await,
            Err(AppError::Forbidden(_))
        ));

        app.note_unresolved(&reviewer, recorded.id, "已电话联系原籍地派出所")
            .await
            .unwrap();
        let reassigned = app
            .assign_unresolved(
                &window,
                recorded.id,
                &AssignInput {
                    owner: "lh_approver".into(),
                    working_days: Some(3),
                    note: Some("需审批人员协调".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(reassigned.owner_name, "龙华公安审批员");
        assert_eq!(reassigned.deadline, app.add_working_days(today, 3).unwrap());
        // The former owner no longer has it.
        assert!(matches!(
            app.unresolved_request(&reviewer, recorded.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            app.assign_unresolved(
                &window,
                recorded.id,
                &AssignInput {
                    owner: "xy_clerk".into(),
                    working_days: None,
                    note: None,
                },
            )
            .await,
            Err(AppError::Invalid { .. })
        ));

        let closed = app
            .close_unresolved(
                &approver,
                recorded.id,
                "已协调原籍地补录信息，群众已办理迁移",
            )
            .await
            .unwrap();
        assert_eq!(closed.status, "closed");
        assert_eq!(closed.deadline_status, "closed_on_time");
        let kinds: Vec<&str> = closed.updates.iter().map(|u| u.kind.as_str()).collect();
        assert_eq!(kinds, vec!["recorded", "note", "assigned", "closed"]);
        assert!(matches!(
            app.close_unresolved(&approver, recorded.id, "再次办结")
                .await,
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            app.note_unresolved(&window, recorded.id, "补充").await,
            Err(AppError::Conflict(_))
        ));
        // Every step is in the audit trail, and the chain holds.
        let auditor = sign_in(&app, "auditor").await;
        let actions: Vec<String> = app
            .audit_records(
                &auditor,
                &AuditFilter {
                    action_prefix: Some("unresolved.".into()),
                    ..Default::default()
                },
                50,
                0,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        for action in [
            "unresolved.record",
            "unresolved.note",
            "unresolved.assign",
            "unresolved.close",
        ] {
            assert!(
                actions.iter().any(|a| a == action),
                "{action} in {actions:?}"
            );
        }
        assert_eq!(app.verify_audit_chain(|_| {}).await.unwrap().broken, None);
    }
);

backend_test!(
    overdue_requests_are_marked_across_a_holiday,
    |db| async move {
        let app = demo_app(db).await;
        let clerk = sign_in(&app, "lh_clerk").await;
        set_today(&app, d("2024-09-29"));
        let mut input = request("lh_clerk");
        input.working_days = Some(2);
        input.item_code = None;
        input.reasons = vec!["materials_incomplete".into()];
        input.reason_note = None;
        let recorded = app.record_unresolved(&clerk, &input).await.unwrap();
        // 09-30 is the first working day; 10-01..10-07 are off; 10-08 the second.
        assert_eq!(recorded.deadline, d("2024-10-08"));
        assert_eq!(recorded.item_name, None);

        set_today(&app, d("2024-10-08"));
        let due = app.unresolved_request(&clerk, recorded.id).await.unwrap();
        assert_eq!(due.deadline_status, "due_soon");
        assert!(!due.overdue);

        set_today(&app, d("2024-10-09"));
        let overdue = app
            .unresolved_requests(
                &clerk,
                &UnresolvedListQuery {
                    status: Some("overdue".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(overdue.total, 1);
        assert!(overdue.requests[0].overdue);
        assert_eq!(overdue.requests[0].deadline_status_label, "已逾期");
        let closed = app
            .close_unresolved(&clerk, recorded.id, "材料已补齐，已受理")
            .await
            .unwrap();
        assert_eq!(closed.deadline_status, "closed_late");
        assert_eq!(closed.closed_on, Some(d("2024-10-09")));
        let open = app
            .unresolved_requests(
                &clerk,
                &UnresolvedListQuery {
                    status: Some("overdue".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(open.total, 0, "a closed request is not overdue any more");
    }
);

backend_test!(
    hostile_or_incomplete_desk_input_is_refused,
    |db| async move {
        let app = demo_app(db).await;
        let window = sign_in(&app, "lh_window").await;
        // Only window clerks (and region administrators) record; citizens not at all.
        for who in ["460106199001011239", "lh_reviewer", "auditor"] {
            let principal = sign_in(&app, who).await;
            assert!(
                matches!(
                    app.record_unresolved(&principal, &request("lh_clerk"))
                        .await,
                    Err(AppError::Forbidden(_))
                ),
                "{who}"
            );
        }
        let blank = UnresolvedInput::default();
        match app.record_unresolved(&window, &blank).await {
            Err(AppError::Invalid { fields, .. }) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                for field in ["person_name", "request", "person_phone", "reasons", "owner"] {
                    assert!(names.contains(&field), "{field} in {names:?}");
                }
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let bad: Vec<(UnresolvedInput, &str)> = vec![
            (request("xy_clerk"), "owner"),
            (request("460106199001011239"), "owner"),
            (request("nobody"), "owner"),
            (
                UnresolvedInput {
                    working_days: Some(99),
                    ..request("lh_clerk")
                },
                "working_days",
            ),
            (
                UnresolvedInput {
                    item_code: Some("HN-XK-99999".into()),
                    ..request("lh_clerk")
                },
                "item_code",
            ),
            (
                UnresolvedInput {
                    reason_note: None,
                    ..request("lh_clerk")
                },
                "reason_note",
            ),
            (
                UnresolvedInput {
                    reasons: vec!["bribery".into()],
                    ..request("lh_clerk")
                },
                "reasons",
            ),
            (
                UnresolvedInput {
                    person_phone: "12345".into(),
                    ..request("lh_clerk")
                },
                "person_phone",
            ),
            (
                UnresolvedInput {
                    request: "要".repeat(1001),
                    ..request("lh_clerk")
                },
                "request",
            ),
        ];
        for (input, field) in bad {
            match app.record_unresolved(&window, &input).await {
                Err(AppError::Invalid { fields, .. }) => assert!(
                    fields.iter().any(|f| f.field == field),
                    "{field} in {fields:?}"
                ),
                other => panic!("expected a refusal for {field}, got {other:?}"),
            }
        }
        assert_eq!(
            app.unresolved_requests(&window, &UnresolvedListQuery::default())
                .await
                .unwrap()
                .total,
            0,
            "nothing was recorded"
        );
        assert!(matches!(
            app.unresolved_requests(
                &window,
                &UnresolvedListQuery {
                    scope: Some("everything".into()),
                    ..Default::default()
                },
            )
            .await,
            Err(AppError::Invalid { .. })
        ));
        // Script is kept as text; the pages escape it.
        let mut scripted = request("lh_clerk");
        scripted.request = "<script>alert(1)</script>".into();
        let recorded = app.record_unresolved(&window, &scripted).await.unwrap();
        assert_eq!(recorded.request, "<script>alert(1)</script>");
    }
);
