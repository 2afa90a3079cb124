//! One case through every hand in a real browser (headless Chromium, on SQLite and on
//! PostgreSQL): a citizen signs in and applies for HN-XK-00001 in 龙华区 with an upload, the window
//! clerk accepts, the reviewer asks for a supplement, the citizen supplements, the approver
//! approves, the result is handed over, the citizen rates the service 非常不满意 and the
//! department sees the rectification task. Screenshots of each step go to `<workspace>/screenshots/case_browser.<test>/`.

mod support;

use std::time::Duration;

use support::TestSite;
use support::browser_steps::{citizen_signs_in, page_width, sign_out, staff_signs_in};
use zerotrip_store::Backend;
use zerotrip_testkit::browser::{Browser, BrowserError};

const WAIT: Duration = Duration::from_secs(15);
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A WebDriver error while doing `action`.
macro_rules! command {
    ($action:expr) => {
        |source| BrowserError::Command {
            action: $action.to_owned(),
            source,
        }
    };
}

/// Chooses `file` in the upload form of material `position` and sends it.
async fn upload(
    browser: &Browser,
    position: &str,
    file: &std::path::Path,
) -> Result<(), BrowserError> {
    let input = browser.find(&format!("#file-{position}")).await?;
    input
        .send_keys(&file.display().to_string())
        .await
        .map_err(command!("choose a file"))?;
    let form = format!(
        "form[action^=\"/cases/\"][action*=\"/materials/{position}?\"] button[type=submit]"
    );
    browser.click(&form).await?;
    browser.wait_for("main", WAIT).await?;
    Ok(())
}

async fn text_of(browser: &Browser) -> Result<String, BrowserError> {
    browser.text("main").await
}

async fn journey(site: &TestSite, pdf: &std::path::Path) -> Result<(), BrowserError> {
    let browser = Browser::launch().await?;
    browser.set_viewport(1280, 900).await?;

    // 1. The citizen signs in.
    citizen_signs_in(&browser, site, "/my/cases").await?;
    assert!(browser.current_url().await?.ends_with("/my/cases"));
    browser.screenshot("citizen-my-cases-empty").await?;

    // 2. From the guide in 龙华区, 在线申请.
    browser
        .goto(&site.url("/items/HN-XK-00001?region=460106"))
        .await?;
    browser.wait_for(".apply-cta", WAIT).await?;
    browser.screenshot("guide-apply-button").await?;
    browser.click(".apply-cta a.button").await?;
    browser
        .wait_for("form[action=\"/items/HN-XK-00001/apply\"]", WAIT)
        .await?;
    browser.screenshot("apply-start").await?;
    browser
        .click("form[action=\"/items/HN-XK-00001/apply\"] button[type=submit]")
        .await?;

    // 3. The form, one page.
    browser.wait_for(".apply-steps", WAIT).await?;
    let url = browser.current_url().await?;
    assert!(url.ends_with("/edit"), "on the form: {url}");
    let id: String = url
        .trim_end_matches("/edit")
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    browser
        .fill("#form-description", "户口由秀英区迁入龙华区")
        .await?;
    browser.screenshot("apply-form").await?;
    browser.click("button[name=then][value=next]").await?;

    // 4. Materials: 免提交 marked, the required upload sent through the file input.
    browser.wait_for(".upload-list", WAIT).await?;
    browser.screenshot("apply-materials").await?;
    let inputs = browser.find_all("input[type=file]").await?;
    let mut positions = Vec::new();
    for input in inputs {
        if let Some(id) = input.attr("id").await.map_err(command!("read an id"))? {
            positions.push(id.trim_start_matches("file-").to_owned());
        }
    }
    assert!(!positions.is_empty(), "something to upload");
    for position in &positions {
        upload(&browser, position, pdf).await?;
    }
    let text = text_of(&browser).await?;
    assert!(text.contains("已上传"), "uploaded: {text}");
    browser.screenshot("apply-materials-uploaded").await?;

    // 5. Check the answers, submit, and the receipt.
    browser
        .goto(&site.url(&format!("/cases/{id}/check")))
        .await?;
    browser.wait_for("#submit-application", WAIT).await?;
    browser.screenshot("apply-check").await?;
    browser.click("#submit-application").await?;
    browser.wait_for(".receipt", WAIT).await?;
    let receipt = browser.text(".receipt").await?;
    assert!(receipt.contains("受理回执"), "{receipt}");
    assert!(receipt.contains("承诺办结日期"), "{receipt}");
    assert!(receipt.contains("4601**********1239"), "{receipt}");
    browser.screenshot("receipt").await?;
    sign_out(&browser).await?;

    // 6. The window clerk of the department accepts.
    let case_path = format!("/workbench/cases/{id}");
    staff_signs_in(&browser, site, "lh_clerk", "/workbench").await?;
    browser.wait_for(".inbox-table", WAIT).await?;
    browser.screenshot("clerk-inbox").await?;
    browser.goto(&site.url(&case_path)).await?;
    browser.wait_for("#act-accept", WAIT).await?;
    browser.screenshot("clerk-case").await?;
    browser
        .fill("#comment-accept", "材料齐全，予以受理")
        .await?;
    browser.click("#act-accept button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    assert!(text_of(&browser).await?.contains("待审核"));
    sign_out(&browser).await?;

    // 7. The reviewer asks for a supplement of one material.
    staff_signs_in(&browser, site, "lh_reviewer", &case_path).await?;
    browser.wait_for("#act-request_supplement", WAIT).await?;
    browser
        .click("#act-request_supplement input[name=materials]")
        .await?;
    browser
        .fill(
            "#comment-request_supplement",
            "申请表缺少本人签字，请签字后重新上传",
        )
        .await?;
    browser.screenshot("reviewer-asks-supplement").await?;
    browser
        .click("#act-request_supplement button[type=submit]")
        .await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("已暂停计时"), "{text}");
    browser.screenshot("reviewer-supplement-sent").await?;
    sign_out(&browser).await?;

    // 8. The citizen uploads again and supplements.
    citizen_signs_in(&browser, site, &format!("/cases/{id}")).await?;
    browser.wait_for(".next-step", WAIT).await?;
    browser.screenshot("citizen-supplement-requested").await?;
    let inputs = browser.find_all(".next-step input[type=file]").await?;
    let mut asked = Vec::new();
    for input in inputs {
        if let Some(id) = input.attr("id").await.map_err(command!("read an id"))? {
            asked.push(id.trim_start_matches("file-").to_owned());
        }
    }
    assert_eq!(asked.len(), 1, "one material to supplement");
    upload(&browser, &asked[0], pdf).await?;
    browser.wait_for("#supplement-submit", WAIT).await?;
    browser.click("#supplement-submit").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("已提交补正材料"), "{text}");
    browser.screenshot("citizen-supplemented").await?;

    // The case page fits a phone.
    browser.set_viewport(375, 812).await?;
    browser.goto(&site.url(&format!("/cases/{id}"))).await?;
    browser.wait_for(".case-header", WAIT).await?;
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "the case page is {width}px wide at 375px");
    browser.screenshot("citizen-case-375").await?;
    browser.set_viewport(1280, 900).await?;
    sign_out(&browser).await?;

    // 9. Review passes; the approver approves and completes.
    staff_signs_in(&browser, site, "lh_reviewer", &case_path).await?;
    browser.wait_for("#act-review", WAIT).await?;
    browser.click("#act-review button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    sign_out(&browser).await?;
    staff_signs_in(&browser, site, "lh_approver", &case_path).await?;
    browser.wait_for("#act-approve", WAIT).await?;
    browser.screenshot("approver-case").await?;
    browser.fill("#comment-approve", "同意迁入").await?;
    browser.click("#act-approve button[type=submit]").await?;
    browser.wait_for("#act-complete", WAIT).await?;
    browser.click("#act-complete button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    assert!(text_of(&browser).await?.contains("待送达"));
    sign_out(&browser).await?;

    // 10. 统一出件: the clerk records the hand-over.
    staff_signs_in(&browser, site, "lh_clerk", "/workbench/window/handover").await?;
    browser.wait_for(".handover-form", WAIT).await?;
    browser.screenshot("clerk-handover").await?;
    browser
        .fill(".handover-form input[name=comment]", "申请人本人窗口领取")
        .await?;
    browser.click(".handover-form button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    sign_out(&browser).await?;

    // 11. The citizen sees 已送达 and is invited to rate.
    citizen_signs_in(&browser, site, &format!("/cases/{id}")).await?;
    browser.wait_for(".case-header", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("已送达"), "{text}");
    browser.screenshot("citizen-delivered").await?;
    let rate = browser
        .find_all(&format!("a[href=\"/cases/{id}/evaluation\"]"))
        .await?;
    assert_eq!(rate.len(), 1, "the invitation to rate");

    // 12. 好差评: the citizen rates the service 非常不满意, with a reason.
    browser
        .goto(&site.url(&format!("/cases/{id}/evaluation")))
        .await?;
    browser.wait_for("#level-5", WAIT).await?;
    browser.click("#level-5").await?;
    browser
        .fill("#comment", "窗口等候时间太长，补正要求一次没说清楚")
        .await?;
    browser.screenshot("citizen-rates").await?;
    browser
        .click(&format!(
            "form[action=\"/cases/{id}/evaluation\"] button[type=submit]"
        ))
        .await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("非常不满意"), "{text}");
    assert!(text.contains("转给办理部门整改"), "{text}");
    browser.screenshot("citizen-rated").await?;
    let case_number = browser.text(".breadcrumbs li:nth-child(2)").await?;
    sign_out(&browser).await?;

    // 13. The department sees the rectification task of that case.
    staff_signs_in(&browser, site, "lh_dept_admin", "/workbench/rectifications").await?;
    browser.wait_for("h1", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(
        text.contains(case_number.trim()),
        "the task of {case_number} in the department's list: {text}"
    );
    assert!(text.contains("非常不满意"), "{text}");
    browser.screenshot("department-rectifications").await?;
    browser
        .click("a[href^=\"/workbench/rectifications/\"]")
        .await?;
    browser.wait_for("h1", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("窗口等候时间太长"), "{text}");
    browser.screenshot("department-rectification-task").await?;
    sign_out(&browser).await?;

    // The kiosk home, for the record.
    browser.goto(&site.url("/kiosk")).await?;
    browser.wait_for(".kiosk-home", WAIT).await?;
    browser.screenshot("kiosk-home").await?;
    browser.close().await
}

async fn run_journey(backend: Backend) {
    let site = TestSite::start(backend).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pdf = dir.path().join("户口迁移申请表.pdf");
    std::fs::write(&pdf, PDF).expect("write the PDF");
    let outcome = journey(&site, &pdf).await;
    site.finish().await;
    if let Err(error) = outcome {
        panic!("browser journey failed: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_through_every_hand_sqlite() {
    run_journey(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_through_every_hand_postgres() {
    run_journey(Backend::Postgres).await;
}
