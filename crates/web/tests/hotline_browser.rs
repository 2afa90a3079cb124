//! A question search cannot answer, through 12345 in a real browser (headless Chromium), on
//! SQLite and on PostgreSQL: a citizen searches the portal, finds nothing, follows the way to ask
//! the hotline with the query carried over and files a work order; the 12345 dispatcher sends it
//! to 海口市公安局龙华分局; the department's administrator answers; the 12345 agent closes it; the
//! citizen answers the callback online, and both the citizen and 12345 see the satisfaction.
//! Screenshots of each step go to `<workspace>/screenshots/hotline_browser.<test>/`.

mod support;

use std::time::Duration;

use support::TestSite;
use support::browser_steps::{citizen_signs_in, page_width, sign_out, staff_signs_in};
use zerotrip_store::Backend;
use zerotrip_testkit::browser::{Browser, BrowserError};

const WAIT: Duration = Duration::from_secs(15);
/// Nothing in the demo catalogue is about pets.
const QUERY: &str = "宠物狗走失了怎么办";
const DEPARTMENT: &str = "海口市公安局龙华分局";
const QUESTION: &str = "我家的狗昨天在龙华区金贸街道走失了，应该到哪里登记寻找？";
const REPLY: &str = "您好，犬只走失请到海口市公安局龙华分局治安管理大队登记，并可在“海口犬只管理”公众号发布寻犬信息。";

/// A WebDriver error while doing `action`.
macro_rules! command {
    ($action:expr) => {
        |source| BrowserError::Command {
            action: $action.to_owned(),
            source,
        }
    };
}

async fn text_of(browser: &Browser) -> Result<String, BrowserError> {
    browser.text("main").await
}

/// Chooses the option showing `label` in the select `css` (the first, when it shows twice).
async fn choose(browser: &Browser, css: &str, label: &str) -> Result<(), BrowserError> {
    for option in browser.find_all(&format!("{css} option")).await? {
        let text = option.text().await.map_err(command!("read an option"))?;
        if text.trim() == label {
            return option
                .click()
                .await
                .map_err(command!(format!("choose {label}")));
        }
    }
    panic!("no option {label:?} in {css}");
}

async fn journey(site: &TestSite) -> Result<(), BrowserError> {
    let browser = Browser::launch().await?;
    browser.set_viewport(1280, 900).await?;

    // 1. The citizen signs in and asks the portal's search; nothing answers it.
    citizen_signs_in(&browser, site, "/").await?;
    browser.wait_for("#home-q", WAIT).await?;
    browser.fill("#home-q", QUERY).await?;
    browser.screenshot("home-search-typed").await?;
    browser
        .click("form[action=\"/search\"] button[type=submit]")
        .await?;
    browser.wait_for("#results-title", WAIT).await?;
    let heading = browser.text("#results-title").await?;
    assert!(
        heading.contains("没有找到"),
        "the search finds nothing: {heading}"
    );
    assert!(
        browser.find_all(".result").await?.is_empty(),
        "no results are listed"
    );
    let ask = browser.text(".hotline-ask").await?;
    assert!(ask.contains("没找到要办的事？"), "{ask}");
    browser.screenshot("search-finds-nothing").await?;

    // 2. The way to 12345 carries the query into the form.
    browser.click(".hotline-ask a.button").await?;
    browser
        .wait_for("form[action=\"/hotline/orders\"]", WAIT)
        .await?;
    let url = browser.current_url().await?;
    assert!(
        url.contains("/hotline/new?q="),
        "on the hotline form: {url}"
    );
    let text = text_of(&browser).await?;
    assert!(
        text.contains(&format!("没有找到“{QUERY}”的办事结果？")),
        "{text}"
    );
    let carried = browser
        .eval_js("return document.querySelector('input[name=search_query]').value")
        .await?;
    assert_eq!(
        carried.as_str(),
        Some(QUERY),
        "the query goes with the order"
    );
    let region = browser
        .eval_js("return document.querySelector('#region').value")
        .await?;
    assert_eq!(
        region.as_str(),
        Some("460106"),
        "the region of the ID number is preselected"
    );
    let consultation = browser
        .eval_js("return document.querySelector('#kind-consultation').checked")
        .await?;
    assert_eq!(consultation.as_bool(), Some(true), "a question by default");
    browser.screenshot("hotline-form-prefilled").await?;
    browser.fill("#content", QUESTION).await?;
    browser.fill("#title", "宠物狗走失去哪登记").await?;
    browser.screenshot("hotline-form-filled").await?;
    browser
        .click("form[action=\"/hotline/orders\"] button[type=submit]")
        .await?;

    // 3. The order is taken: its number, the deadline, the first timeline entry.
    browser.wait_for(".notice-success", WAIT).await?;
    let url = browser.current_url().await?;
    let id: String = url
        .split("/hotline/orders/")
        .nth(1)
        .unwrap_or_default()
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
        "{url}"
    );
    let text = text_of(&browser).await?;
    assert!(text.contains("您的诉求已受理"), "{text}");
    assert!(text.contains("待派单"), "{text}");
    assert!(text.contains(QUESTION), "{text}");
    assert!(text.contains("受理诉求"), "{text}");
    assert!(
        text.contains(&format!("未找到结果的搜索 {QUERY}"))
            || text.contains(&format!("未找到结果的搜索\n{QUERY}")),
        "the order keeps what was searched: {text}"
    );
    let number = browser.text(".case-header .guide-kicker .break").await?;
    assert!(number.starts_with("GD"), "a work order number: {number}");
    browser.screenshot("citizen-order-taken").await?;

    // The order page and the form fit a phone.
    browser.set_viewport(375, 812).await?;
    browser
        .goto(&site.url(&format!("/hotline/orders/{id}")))
        .await?;
    browser.wait_for(".case-header", WAIT).await?;
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "the order page is {width}px wide at 375px");
    browser.screenshot("citizen-order-375").await?;
    browser.goto(&site.url("/hotline/new")).await?;
    browser
        .wait_for("form[action=\"/hotline/orders\"]", WAIT)
        .await?;
    let width = page_width(&browser).await?;
    assert!(
        width <= 375.0,
        "the hotline form is {width}px wide at 375px"
    );
    browser.set_viewport(1280, 900).await?;
    sign_out(&browser).await?;

    // 4. The 12345 dispatcher finds it in the inbox, sees the failed search and dispatches it.
    let order_path = format!("/workbench/hotline/{id}");
    staff_signs_in(&browser, site, "hotline_dispatcher", "/workbench/hotline").await?;
    browser.wait_for(".hotline-table", WAIT).await?;
    let inbox = browser.text(".hotline-table").await?;
    assert!(inbox.contains(&number), "{inbox}");
    assert!(inbox.contains("待派单"), "{inbox}");
    browser.screenshot("dispatcher-inbox").await?;
    browser
        .click(&format!(".hotline-table a[href=\"{order_path}\"]"))
        .await?;
    browser.wait_for("#act-dispatch", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("未找到结果的搜索"), "{text}");
    assert!(text.contains(QUERY), "{text}");
    choose(&browser, "#dispatch-department", DEPARTMENT).await?;
    browser
        .fill("#dispatch-note", "请答复犬只走失的登记和寻找途径")
        .await?;
    browser.screenshot("dispatcher-dispatches").await?;
    browser.click("#act-dispatch button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("已派单"), "{text}");
    assert!(text.contains("办理中"), "{text}");
    assert!(
        text.contains(&format!("派单至 {DEPARTMENT} 主办")),
        "{text}"
    );
    browser.screenshot("dispatched").await?;
    sign_out(&browser).await?;

    // 5. The department's administrator sees it waiting and answers.
    staff_signs_in(&browser, site, "lh_dept_admin", "/workbench/hotline").await?;
    browser.wait_for(".hotline-table", WAIT).await?;
    let inbox = browser.text(".hotline-table").await?;
    assert!(
        inbox.contains(&number),
        "the lead department's inbox: {inbox}"
    );
    browser.screenshot("department-inbox").await?;
    browser.goto(&site.url(&order_path)).await?;
    browser.wait_for("#act-reply", WAIT).await?;
    assert!(
        browser.find_all("#act-dispatch").await?.is_empty(),
        "a department does not dispatch"
    );
    browser.fill("#reply-text", REPLY).await?;
    browser.screenshot("department-replies").await?;
    browser.click("#act-reply button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("已答复"), "{text}");
    assert!(text.contains(REPLY), "{text}");
    browser.screenshot("department-replied").await?;
    sign_out(&browser).await?;

    // 6. The 12345 agent checks the answer and closes the order.
    staff_signs_in(&browser, site, "hotline_agent", &order_path).await?;
    browser.wait_for("#act-close", WAIT).await?;
    browser.fill("#close-note", "答复明确，予以办结").await?;
    browser.screenshot("agent-closes").await?;
    browser.click("#act-close button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("工单已办结"), "{text}");
    assert!(text.contains("已办结（待回访）"), "{text}");
    assert!(text.contains("回访日期"), "{text}");
    browser.screenshot("agent-closed").await?;
    sign_out(&browser).await?;

    // 7. The citizen reads the answer and answers the callback online.
    citizen_signs_in(&browser, site, &format!("/hotline/orders/{id}")).await?;
    browser.wait_for("#callback", WAIT).await?;
    let answer = browser.text(".hotline-reply").await?;
    assert!(answer.contains(REPLY), "{answer}");
    browser.screenshot("citizen-callback-asked").await?;
    browser.click("#satisfaction-satisfied").await?;
    browser.fill("#note", "答复很及时，已经登记了").await?;
    browser.click("#callback button[type=submit]").await?;
    browser.wait_for(".notice-success", WAIT).await?;
    let text = text_of(&browser).await?;
    assert!(text.contains("感谢您的评价"), "{text}");
    assert!(text.contains("已回访"), "{text}");
    assert!(text.contains("回访满意度"), "{text}");
    assert!(
        browser.find_all("#callback").await?.is_empty(),
        "the callback is answered once"
    );
    browser.screenshot("citizen-satisfaction-recorded").await?;
    browser.goto(&site.url("/hotline/orders")).await?;
    browser.wait_for(".case-list", WAIT).await?;
    let list = browser.text(".case-list").await?;
    assert!(list.contains(&number) && list.contains("已回访"), "{list}");
    browser.screenshot("citizen-orders").await?;
    sign_out(&browser).await?;

    // 8. 12345 sees the satisfaction on the order.
    staff_signs_in(&browser, site, "hotline_agent", &order_path).await?;
    browser.wait_for(".callback-satisfaction", WAIT).await?;
    let satisfaction = browser.text(".callback-satisfaction").await?;
    assert_eq!(satisfaction.trim(), "满意");
    let text = text_of(&browser).await?;
    assert!(text.contains("答复很及时，已经登记了"), "{text}");
    assert!(text.contains("已回访"), "{text}");
    browser.screenshot("agent-sees-satisfaction").await?;
    browser.close().await
}

async fn run(backend: Backend) {
    let site = TestSite::start(backend).await;
    let outcome = journey(&site).await;
    site.finish().await;
    if let Err(error) = outcome {
        panic!("browser journey failed: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_search_to_satisfied_callback_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_search_to_satisfied_callback_postgres() {
    run(Backend::Postgres).await;
}
