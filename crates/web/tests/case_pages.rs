//! The case pages over HTTP, on SQLite and PostgreSQL: citizens sign up and in, apply with an
//! upload, resume drafts and get one case for a double submit; staff handle the case through
//! the workbench forms; others' cases are not found; CSRF, escaping, the kiosk and the window.

mod support;

use regex::Regex;
use reqwest::StatusCode;
use support::{DEMO_PASSWORD, Page, TestSite};

const ITEM: &str = "HN-XK-00001";
const REGION: &str = "460106";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A valid resident ID number with the given 17 leading digits.
fn resident_id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{first17}{}", CHECK[(sum % 11) as usize] as char)
}

async fn sign_out(site: &TestSite) {
    let page = site.get("/preferences").await;
    let csrf = page.csrf();
    site.post_raw("/logout", &[("csrf".to_owned(), csrf)]).await;
}

/// Signs a citizen in through `/login` and returns where they landed.
async fn citizen(site: &TestSite, username: &str) -> Page {
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
    assert!(page.url.ends_with("/my/cases"), "landed on {}", page.url);
    page
}

/// Signs a staff member in through `/admin/login`, landing on the workbench.
async fn staff(site: &TestSite, username: &str) {
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

fn case_id_of(url: &str) -> i64 {
    let pattern = Regex::new(r"/cases/(\d+)/").expect("pattern");
    pattern
        .captures(url)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no case id in {url}"))
}

/// Starts a draft of the demo item in 龙华区 and lands on its form.
async fn start_draft(site: &TestSite) -> i64 {
    let start = site
        .get(&format!("/items/{ITEM}/apply?region={REGION}"))
        .await;
    assert_eq!(start.status, StatusCode::OK);
    start.assert_contains("开始填写");
    let form = start.form(&format!("/items/{ITEM}/apply"));
    let page = site.post(&format!("/items/{ITEM}/apply"), &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.url.ends_with("/edit"), "landed on {}", page.url);
    page.assert_contains("填写申请表");
    case_id_of(&page.url)
}

/// Saves the form as it stands (the phone is filled in from the account) and moves on.
async fn save_form(site: &TestSite, id: i64, extra: &[(&str, &str)]) -> Page {
    let edit = site.get(&format!("/cases/{id}/edit")).await;
    let mut fields = edit.form(&format!("/cases/{id}/edit"));
    for (name, value) in extra {
        fields.retain(|(k, _)| k != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields.push(("then".to_owned(), "next".to_owned()));
    site.post(&format!("/cases/{id}/edit"), &fields).await
}

/// The positions of materials with an upload form on a page.
fn upload_positions(page: &Page, id: i64) -> Vec<i64> {
    let pattern =
        Regex::new(&format!(r#"action="/cases/{id}/materials/(\d+)\?csrf="#)).expect("pattern");
    pattern
        .captures_iter(&page.text)
        .filter_map(|c| c[1].parse().ok())
        .collect()
}

/// Uploads `bytes` as material `position` the way the page's form does.
async fn upload(
    site: &TestSite,
    id: i64,
    position: i64,
    bytes: &[u8],
    name: &str,
    back: &str,
) -> Page {
    let csrf = site.csrf().await;
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str("application/pdf")
        .expect("a mime type");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", part);
    let response = site
        .client
        .post(site.url(&format!(
            "/cases/{id}/materials/{position}?csrf={csrf}&back={back}"
        )))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    read(response).await
}

async fn read(response: reqwest::Response) -> Page {
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        url: response.url().to_string(),
        text: response.text().await.expect("a body"),
    }
}

/// Uploads every material the materials page asks for.
async fn upload_all(site: &TestSite, id: i64) {
    let page = site.get(&format!("/cases/{id}/materials")).await;
    assert_eq!(page.status, StatusCode::OK);
    let positions = upload_positions(&page, id);
    assert!(!positions.is_empty(), "the item asks for uploads");
    for position in positions {
        let done = upload(site, id, position, PDF, "申请表.pdf", "materials").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        done.assert_contains("申请表.pdf");
    }
}

/// Files a complete application for the signed-in citizen; returns the case id.
async fn file_case(site: &TestSite) -> i64 {
    let id = start_draft(site).await;
    let saved = save_form(site, id, &[]).await;
    assert!(saved.url.ends_with("/materials"), "{}", saved.url);
    upload_all(site, id).await;
    let check = site.get(&format!("/cases/{id}/check")).await;
    let form = check.form(&format!("/cases/{id}/submit"));
    let receipt = site.post(&format!("/cases/{id}/submit"), &form).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text);
    assert!(receipt.url.ends_with("/receipt"), "{}", receipt.url);
    id
}

/// Posts one workbench action form of the case page as the browser would.
async fn act(site: &TestSite, id: i64, action: &str, extra: &[(&str, &str)]) -> Page {
    let mut fields: Vec<(&str, &str)> = vec![("action", action)];
    fields.extend_from_slice(extra);
    site.submit(&format!("/workbench/cases/{id}/actions"), &fields)
        .await
}

page_test!(citizens_sign_up_and_sign_in, |site| async move {
    // Mistakes are shown in Chinese next to their fields, and nothing is created.
    let form = site.get("/register").await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("个人注册");
    let bad = site
        .submit(
            "/register",
            &[
                ("real_name", ""),
                ("id_number", "460106199001011230"),
                ("phone", "123"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("请填写姓名");
    bad.assert_contains("id=\"id_number-error\"");
    bad.assert_contains("id=\"phone-error\"");
    bad.assert_contains("密码至少 8 位");
    bad.assert_contains("aria-invalid=\"true\"");

    let id_number = resident_id("46010619950505123");
    let created = site
        .submit(
            "/register",
            &[
                ("real_name", "张三丰"),
                ("id_number", &id_number),
                ("phone", "13912345678"),
                ("password", "secret2026"),
                ("password_confirm", "secret2026"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert!(created.url.ends_with("/my/cases"), "{}", created.url);
    created.assert_contains("我的办件");
    let account = site.get("/account").await;
    account.assert_contains("4601**********");
    account.assert_lacks(&id_number);
    account.assert_contains("139****5678");

    // Registering the same person twice is refused next to the field.
    sign_out(site).await;
    let again = site
        .submit(
            "/register",
            &[
                ("real_name", "张三丰"),
                ("id_number", &id_number),
                ("phone", "13912345678"),
                ("password", "secret2026"),
                ("password_confirm", "secret2026"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    again.assert_contains("该身份证号码已注册");

    // Wrong password, then the right one; staff accounts are sent to their own sign-in.
    let wrong = site
        .submit(
            "/login",
            &[("username", &id_number), ("password", "wrong-password1")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    wrong.assert_contains("证件号码或密码错误");
    let staff_here = site
        .submit(
            "/login",
            &[("username", "lh_clerk"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(staff_here.status, StatusCode::FORBIDDEN);
    staff_here.assert_contains("/admin/login");
    let signed_in = site
        .submit(
            "/login",
            &[
                ("username", &id_number),
                ("password", "secret2026"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert!(signed_in.url.ends_with("/my/cases"), "{}", signed_in.url);

    // Companies register with a credit code.
    sign_out(site).await;
    let company = site
        .submit(
            "/register/company",
            &[
                ("company_name", "海南测试有限公司"),
                ("credit_code", "91460100MA5TQ7B2X9"),
                ("legal_representative", "李四"),
                ("phone", "13812340000"),
                ("password", "secret2026"),
                ("password_confirm", "secret2026"),
            ],
        )
        .await;
    assert_eq!(company.status, StatusCode::BAD_REQUEST);
    company.assert_contains("id=\"credit_code-error\"");

    // Applying needs signing in, and comes back to the application afterwards.
    sign_out(site).await;
    let redirect = site
        .get_raw(&format!("/items/{ITEM}/apply?region={REGION}"))
        .await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    let location = redirect.header("location").to_owned();
    assert!(location.starts_with("/login?next="), "{location}");
    let login = site.get(&location).await;
    let mut fields = login.form("/login");
    support::set_field(&mut fields, "username", CITIZEN);
    support::set_field(&mut fields, "password", DEMO_PASSWORD);
    let back = site.post("/login", &fields).await;
    assert!(
        back.url
            .contains(&format!("/items/{ITEM}/apply?region={REGION}")),
        "{}",
        back.url
    );
});

page_test!(
    citizen_applies_with_an_upload_and_gets_a_receipt,
    |site| async move {
        citizen(site, CITIZEN).await;
        // The guide offers to apply online in the chosen region.
        let guide = site.get(&format!("/items/{ITEM}?region={REGION}")).await;
        guide.assert_contains(&format!("href=\"/items/{ITEM}/apply?region={REGION}\""));
        guide.assert_contains("在线申请");

        let id = start_draft(site).await;
        let materials = save_form(site, id, &[("description", "迁入海口市龙华区")]).await;
        // 免提交 materials are marked with the reason and not asked for.
        materials.assert_contains("免提交");
        let asked = upload_positions(&materials, id);
        let exempt = Regex::new(r"以下材料免提交").expect("pattern");
        assert!(exempt.is_match(&materials.text) || !asked.is_empty());

        // A mislabelled upload is refused with a clear message, and changes nothing.
        let fake = upload(
            site,
            id,
            asked[0],
            b"MZ\x90\x00not a pdf",
            "x.pdf",
            "materials",
        )
        .await;
        assert_eq!(fake.status, StatusCode::BAD_REQUEST);
        fake.assert_contains("field-error");
        upload_all(site, id).await;

        let check = site.get(&format!("/cases/{id}/check")).await;
        check.assert_contains("核对申请内容");
        check.assert_contains("迁入海口市龙华区");
        check.assert_contains("申请表.pdf");
        let form = check.form(&format!("/cases/{id}/submit"));
        let receipt = site.post(&format!("/cases/{id}/submit"), &form).await;
        assert_eq!(receipt.status, StatusCode::OK);
        receipt.assert_contains("受理回执");
        receipt.assert_contains("承诺办结日期");
        let number = Regex::new(r"HN\d{8}\d+")
            .expect("pattern")
            .find(&receipt.text)
            .map(|m| m.as_str().to_owned())
            .expect("a case number on the receipt");
        let promised =
            Regex::new(r#"receipt-deadline">(\d{4}年\d{1,2}月\d{1,2}日)<"#).expect("pattern");
        assert!(promised.is_match(&receipt.text), "a promised date");
        receipt.assert_contains("4601**********1239");
        receipt.assert_lacks(CITIZEN);
        receipt.assert_contains("海口市公安局龙华分局");

        // Double submit: the same idempotency key files one case, and the answer is the receipt.
        let again = site.post(&format!("/cases/{id}/submit"), &form).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(again.url.ends_with(&format!("/cases/{id}/receipt")));
        let mine = site.get("/my/cases").await;
        assert_eq!(mine.text.matches(&number).count(), 1);
        mine.assert_contains("共 1 件");
        let page = site.get(&format!("/cases/{id}")).await;
        page.assert_contains("待受理");
        page.assert_contains("撤回申请");
        page.assert_contains("申请表.pdf");
        // The applicant downloads their own file.
        let file = site
            .get(&format!("/cases/{id}/materials/{}/file", asked[0]))
            .await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.header("content-type"), "application/pdf");
        assert!(file.header("content-disposition").starts_with("attachment"));
    }
);

page_test!(drafts_are_saved_and_resumed, |site| async move {
    citizen(site, CITIZEN).await;
    let id = start_draft(site).await;
    let edit = site.get(&format!("/cases/{id}/edit")).await;
    let mut fields = edit.form(&format!("/cases/{id}/edit"));
    fields.retain(|(k, _)| k != "description" && k != "contact_phone");
    fields.push(("description".to_owned(), "下次再填".to_owned()));
    fields.push(("contact_phone".to_owned(), "1381234".to_owned()));
    fields.push(("then".to_owned(), "later".to_owned()));
    // A bad value is shown next to its field, the rest kept.
    let bad = site.post(&format!("/cases/{id}/edit"), &fields).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("id=\"form-contact_phone-error\"");
    bad.assert_contains("下次再填");
    support::set_field(&mut fields, "contact_phone", "13800138000");
    let later = site.post(&format!("/cases/{id}/edit"), &fields).await;
    assert!(later.url.ends_with("/my/cases"), "{}", later.url);
    later.assert_contains("填写申请");
    // Opening the draft continues it where it was left.
    let resumed = site.get(&format!("/cases/{id}")).await;
    assert!(resumed.url.ends_with(&format!("/cases/{id}/edit")));
    resumed.assert_contains("下次再填");
    // Submitting an incomplete draft says what is missing and files nothing.
    let check = site.get(&format!("/cases/{id}/check")).await;
    let form = check.form(&format!("/cases/{id}/submit"));
    let incomplete = site.post(&format!("/cases/{id}/submit"), &form).await;
    assert_eq!(incomplete.status, StatusCode::BAD_REQUEST);
    incomplete.assert_contains("申请尚不完整，未提交");
    incomplete.assert_contains(&format!("/cases/{id}/materials#material-"));
});

page_test!(others_cases_are_not_found, |site| async move {
    citizen(site, CITIZEN).await;
    let id = file_case(site).await;
    let position = {
        let page = site.get(&format!("/cases/{id}")).await;
        let pattern = Regex::new(&format!(r"/cases/{id}/materials/(\d+)/file")).expect("pattern");
        pattern
            .captures(&page.text)
            .and_then(|c| c[1].parse::<i64>().ok())
            .expect("a file link")
    };
    citizen(site, OTHER_CITIZEN).await;
    for path in [
        format!("/cases/{id}"),
        format!("/cases/{id}/receipt"),
        format!("/cases/{id}/edit"),
        format!("/cases/{id}/check"),
        format!("/cases/{id}/withdraw"),
        format!("/cases/{id}/materials/{position}/file"),
    ] {
        let page = site.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        page.assert_lacks("王小明");
    }
    let upload = upload(site, id, position, PDF, "x.pdf", "case").await;
    assert_eq!(upload.status, StatusCode::NOT_FOUND);
    let withdraw = site
        .submit(&format!("/cases/{id}/withdraw"), &[("confirm", "1")])
        .await;
    assert_eq!(withdraw.status, StatusCode::NOT_FOUND);
    // Staff of another department, and of the same department in another region.
    for username in ["sj_clerk", "xy_clerk"] {
        staff(site, username).await;
        let page = site.get(&format!("/workbench/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{username}");
        let acted = act(site, id, "accept", &[]).await;
        assert_eq!(acted.status, StatusCode::NOT_FOUND, "{username}");
        let inbox = site.get("/workbench?scope=all").await;
        inbox.assert_lacks(&format!("/workbench/cases/{id}\""));
    }
});

page_test!(the_case_goes_through_the_workbench, |site| async move {
    citizen(site, CITIZEN).await;
    let id = file_case(site).await;

    // The clerk's inbox lists it with its deadline state in words; the clerk accepts.
    staff(site, "lh_clerk").await;
    let inbox = site.get("/workbench").await;
    assert_eq!(inbox.status, StatusCode::OK);
    inbox.assert_contains(&format!("/workbench/cases/{id}\""));
    inbox.assert_contains("待受理");
    inbox.assert_contains("正常");
    let found = site.get("/workbench?q=%E7%8E%8B&scope=all").await;
    found.assert_contains(&format!("/workbench/cases/{id}\""));
    let page = site.get(&format!("/workbench/cases/{id}")).await;
    page.assert_contains("id=\"act-accept\"");
    page.assert_contains("id=\"act-reject\"");
    page.assert_lacks("id=\"act-approve\"");
    // A refusal needs its reason, shown in Chinese.
    let reject = act(site, id, "reject", &[("comment", "")]).await;
    assert_eq!(reject.status, StatusCode::CONFLICT);
    reject.assert_contains("操作未完成");
    let accepted = act(site, id, "accept", &[("comment", "材料齐全")]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    accepted.assert_contains("已受理");
    accepted.assert_contains("待审核");

    // The reviewer asks for a supplement of one material, by checkbox.
    staff(site, "lh_reviewer").await;
    let page = site.get(&format!("/workbench/cases/{id}")).await;
    page.assert_contains("id=\"act-request_supplement\"");
    let material = Regex::new(r#"name="materials" value="([^"]+)""#)
        .expect("pattern")
        .captures(&page.text)
        .map(|c| c[1].to_owned())
        .expect("a material checkbox");
    let none = act(site, id, "request_supplement", &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    none.assert_contains("请勾选需要补正的材料");
    let asked = act(
        site,
        id,
        "request_supplement",
        &[
            ("materials", &material),
            ("comment", "请提供签字后的申请表"),
        ],
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text);
    asked.assert_contains("已暂停计时");

    // The citizen sees what to supplement, uploads it, then supplements.
    citizen(site, CITIZEN).await;
    let page = site.get(&format!("/cases/{id}")).await;
    page.assert_contains("现在需要您做什么");
    page.assert_contains("请提供签字后的申请表");
    let positions = upload_positions(&page, id);
    assert_eq!(positions.len(), 1, "one material to supplement");
    let early = site.submit(&format!("/cases/{id}/supplement"), &[]).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    early.assert_contains("请重新上传");
    let uploaded = upload(site, id, positions[0], PDF, "签字后.pdf", "case").await;
    assert!(uploaded.url.contains("done=uploaded"), "{}", uploaded.url);
    let done = site.submit(&format!("/cases/{id}/supplement"), &[]).await;
    assert_eq!(done.status, StatusCode::OK);
    done.assert_contains("已提交补正材料");
    done.assert_contains("待审核");

    // Review, approve, complete, deliver.
    staff(site, "lh_reviewer").await;
    let reviewed = act(site, id, "review", &[("comment", "审核通过")]).await;
    reviewed.assert_contains("待审批");
    staff(site, "lh_approver").await;
    let approved = act(site, id, "approve", &[("comment", "同意")]).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    approved.assert_contains("待办结");
    let completed = act(site, id, "complete", &[]).await;
    completed.assert_contains("待送达");
    staff(site, "lh_clerk").await;
    let handover = site.get("/workbench/window/handover").await;
    handover.assert_contains(&format!("/workbench/cases/{id}/actions"));
    let delivered = site
        .submit(
            &format!("/workbench/cases/{id}/actions"),
            &[
                ("action", "deliver"),
                ("back", "handover"),
                ("comment", "本人窗口领取"),
            ],
        )
        .await;
    assert!(
        delivered
            .url
            .ends_with("/workbench/window/handover?done=deliver")
    );
    delivered.assert_contains("已登记送达");

    citizen(site, CITIZEN).await;
    let page = site.get(&format!("/cases/{id}")).await;
    page.assert_contains("已送达");
    page.assert_contains(&format!("href=\"/cases/{id}/evaluation\""));
    for step in [
        "提交",
        "受理",
        "补正告知",
        "补正",
        "审核",
        "批准",
        "办结",
        "送达",
    ] {
        page.assert_contains(&format!("<strong>{step}</strong>"));
    }
    page.assert_lacks("撤回申请");
});

page_test!(applicants_withdraw_after_confirming, |site| async move {
    citizen(site, CITIZEN).await;
    let id = file_case(site).await;
    let confirm = site.get(&format!("/cases/{id}/withdraw")).await;
    confirm.assert_contains("确定撤回这项申请吗");
    let unconfirmed = site
        .submit(&format!("/cases/{id}/withdraw"), &[("reason", "不办了")])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    unconfirmed.assert_contains("请勾选确认撤回");
    let done = site
        .submit(
            &format!("/cases/{id}/withdraw"),
            &[("reason", "不办了"), ("confirm", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    done.assert_contains("已撤回");
    done.assert_lacks(&format!("href=\"/cases/{id}/evaluation\""));
});

page_test!(
    forms_need_the_csrf_token_and_text_is_escaped,
    |site| async move {
        citizen(site, CITIZEN).await;
        let id = start_draft(site).await;
        // Urlencoded and multipart posts without the token are refused.
        let bare = site
            .post(
                &format!("/cases/{id}/edit"),
                &[("description".to_owned(), "x".to_owned())],
            )
            .await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN);
        let login = site
            .post("/login", &[("username".to_owned(), CITIZEN.to_owned())])
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
        let part = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("a.pdf");
        let response = site
            .client
            .post(site.url(&format!("/cases/{id}/materials/1")))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let forged = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("a.pdf");
        let response = site
            .client
            .post(site.url(&format!("/cases/{id}/materials/1?csrf=forged.0000")))
            .multipart(reqwest::multipart::Form::new().part("file", forged))
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        // Script in a text field is shown as text.
        let saved = save_form(site, id, &[("description", "<script>alert('x')</script>")]).await;
        assert_eq!(saved.status, StatusCode::OK);
        let check = site.get(&format!("/cases/{id}/check")).await;
        check.assert_lacks("<script>alert");
        check.assert_contains("&#60;script&#62;alert");
        let edit = site.get(&format!("/cases/{id}/edit")).await;
        edit.assert_lacks("<script>alert");
    }
);

page_test!(
    the_kiosk_signs_in_with_a_code_and_signs_out,
    |site| async move {
        let home = site.get_raw("/kiosk").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.header("set-cookie").contains("zt_kiosk=1"));
        home.assert_contains("kiosk-target");
        home.assert_contains("class=\"kiosk\"");
        home.assert_contains("href=\"/kiosk/login\"");
        home.assert_contains("热门事项");

        let login = site.get("/kiosk/login").await;
        login.assert_contains("获取短信验证码");
        let sent = site.submit("/kiosk/code", &[("id_number", CITIZEN)]).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        sent.assert_contains("138****8000");
        let (text,): (String,) = site
            .app
            .db
            .fetch_one(zerotrip_store::sql(
                "SELECT text FROM sms_messages WHERE purpose = 'otp.code' ORDER BY id DESC LIMIT 1",
            ))
            .await
            .expect("the code was queued");
        let code = Regex::new(r"\d{6}")
            .expect("pattern")
            .find(&text)
            .map(|m| m.as_str().to_owned())
            .expect("a code in the text");
        // Only a hash is stored.
        let (stored,): (String,) = site
            .app
            .db
            .fetch_one(zerotrip_store::sql(
                "SELECT code_hash FROM one_time_codes ORDER BY id DESC LIMIT 1",
            ))
            .await
            .expect("a code row");
        assert_ne!(stored, code);
        // Another code too soon is refused.
        let again = site.submit("/kiosk/code", &[("id_number", CITIZEN)]).await;
        assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
        let wrong_code = if code == "000000" { "111111" } else { "000000" };
        let wrong = site
            .submit(
                "/kiosk/login",
                &[("id_number", CITIZEN), ("code", wrong_code)],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        wrong.assert_contains("验证码错误，还可再试 4 次");
        let csrf = site.csrf().await;
        let signed_in = site
            .post_raw(
                "/kiosk/login",
                &[
                    ("csrf".to_owned(), csrf),
                    ("id_number".to_owned(), CITIZEN.to_owned()),
                    ("code".to_owned(), code.clone()),
                ],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        let cookies: Vec<&str> = signed_in
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with("zt_session=") && c.contains("Max-Age=600")),
            "a short kiosk session: {cookies:?}"
        );
        let home = site.get("/kiosk").await;
        home.assert_contains("data-idle-logout=\"120\"");
        home.assert_contains("id=\"idle-logout-form\"");
        home.assert_contains("id=\"idle-countdown\"");
        home.assert_contains("王**，您好");
        // The code works once.
        sign_out(site).await;
        let reused = site
            .submit("/kiosk/login", &[("id_number", CITIZEN), ("code", &code)])
            .await;
        assert_eq!(reused.status, StatusCode::BAD_REQUEST);
        // The script that signs out is served.
        let script = site.get("/static/app.js").await;
        script.assert_contains("data-idle-logout");
    }
);

page_test!(the_window_clerk_files_for_a_walk_in, |site| async move {
    staff(site, "lh_window").await;
    let window = site
        .get(&format!("/workbench/window?id_number={CITIZEN}"))
        .await;
    assert_eq!(window.status, StatusCode::OK, "{}", window.text);
    window.assert_contains("王小明");
    window.assert_contains("4601**********1239");
    let found = site
        .get(&format!(
            "/workbench/window?id_number={CITIZEN}&q=%E6%88%B7%E5%8F%A3%E8%BF%81%E7%A7%BB"
        ))
        .await;
    found.assert_contains(&format!("item={ITEM}"));
    let confirm = site
        .get(&format!(
            "/workbench/window/start?id_number={CITIZEN}&item={ITEM}&region={REGION}"
        ))
        .await;
    confirm.assert_contains("海口市公安局龙华分局");
    confirm.assert_contains("开始代为申请");
    let edit = site
        .submit(
            "/workbench/window/start",
            &[("id_number", CITIZEN), ("item", ITEM), ("region", REGION)],
        )
        .await;
    assert!(edit.url.ends_with("/edit"), "{}: {}", edit.url, edit.text);
    edit.assert_contains("窗口代为申请");
    let id = case_id_of(&edit.url);
    let saved = save_form(site, id, &[]).await;
    assert!(saved.url.ends_with("/materials"), "{}", saved.url);
    upload_all(site, id).await;
    let check = site.get(&format!("/cases/{id}/check")).await;
    let form = check.form(&format!("/cases/{id}/submit"));
    let receipt = site.post(&format!("/cases/{id}/submit"), &form).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text);
    receipt.assert_contains("受理回执");
    receipt.assert_contains("窗口办理");
    receipt.assert_contains("继续接待下一位");

    // The citizen sees the case among theirs, with who filed it.
    citizen(site, CITIZEN).await;
    let page = site.get(&format!("/cases/{id}")).await;
    page.assert_contains("经办人");
    page.assert_contains("窗口办理");

    // A walk-in without an account is registered on the spot, with their consent.
    staff(site, "lh_window").await;
    let walk_in = resident_id("46010619800101123");
    let unknown = site
        .get(&format!("/workbench/window?id_number={walk_in}"))
        .await;
    unknown.assert_contains("尚未注册");
    let refused = site
        .submit(
            "/workbench/window/register",
            &[
                ("id_number", &walk_in),
                ("real_name", "陈大爷"),
                ("phone", "13700001111"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("须经申请人同意");
    let registered = site
        .submit(
            "/workbench/window/register",
            &[
                ("id_number", &walk_in),
                ("real_name", "陈大爷"),
                ("phone", "13700001111"),
                ("consent", "1"),
            ],
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK);
    registered.assert_contains("陈大爷");

    // Citizens are not window clerks.
    citizen(site, CITIZEN).await;
    let denied = site.get("/workbench/window").await;
    assert!(denied.url.contains("/admin/login"), "{}", denied.url);
});

page_test!(progress_is_queried_with_a_code, |site| async move {
    citizen(site, CITIZEN).await;
    let id = file_case(site).await;
    let receipt = site.get(&format!("/cases/{id}/receipt")).await;
    let number = Regex::new(r"HN\d{8}\d+")
        .expect("pattern")
        .find(&receipt.text)
        .map(|m| m.as_str().to_owned())
        .expect("a number");
    sign_out(site).await;
    let form = site.get("/progress").await;
    form.assert_contains("办件进度查询");
    // A wrong phone gets the same answer and no code.
    let wrong = site
        .submit(
            "/progress/code",
            &[("number", &number), ("phone", "13900000000")],
        )
        .await;
    wrong.assert_contains("如办件编号和手机号码匹配");
    let sent = site
        .submit(
            "/progress/code",
            &[("number", &number), ("phone", "13800138000")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let (text,): (String,) = site
        .app
        .db
        .fetch_one(zerotrip_store::sql(
            "SELECT text FROM sms_messages WHERE purpose = 'otp.code' ORDER BY id DESC LIMIT 1",
        ))
        .await
        .expect("a code");
    let code = Regex::new(r"\d{6}")
        .expect("pattern")
        .find(&text)
        .map(|m| m.as_str().to_owned())
        .expect("a code");
    let result = site
        .submit(
            "/progress",
            &[
                ("number", &number),
                ("phone", "13800138000"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.text);
    result.assert_contains("待受理");
    result.assert_contains(&number);
    result.assert_lacks("王小明");
    result.assert_lacks("138****8000");
});

page_test!(the_manifest_and_the_layout_links, |site| async move {
    let manifest = site.get("/manifest.webmanifest").await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert!(
        manifest
            .header("content-type")
            .starts_with("application/manifest+json")
    );
    let json: serde_json::Value = serde_json::from_str(&manifest.text).expect("json");
    assert_eq!(json["theme_color"], "#1d4f91");
    assert_eq!(json["icons"][0]["src"], "/static/favicon.svg");
    let home = site.get("/").await;
    home.assert_contains("rel=\"manifest\" href=\"/manifest.webmanifest\"");
    home.assert_contains("href=\"/login\"");
    citizen(site, CITIZEN).await;
    let home = site.get("/").await;
    home.assert_contains("href=\"/my/cases\"");
    staff(site, "lh_clerk").await;
    let workbench = site.get("/workbench").await;
    workbench.assert_contains("aria-current=\"page\">工作台");
});
