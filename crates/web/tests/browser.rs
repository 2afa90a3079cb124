//! The portal in a real browser (headless Chromium): search to a guide, choose a region, turn on
//! elderly-friendly mode, and check the phone layout. Screenshots go to
//! `<workspace>/screenshots/browser.<test>/`.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::TestSite;
use zerotrip_store::Backend;
use zerotrip_testkit::browser::{Browser, BrowserError};

const WAIT: Duration = Duration::from_secs(15);

async fn number(browser: &Browser, script: &str) -> Result<f64, BrowserError> {
    let value = browser.eval_js(script).await?;
    Ok(value.as_f64().unwrap_or(f64::NAN))
}

async fn is_elder(browser: &Browser) -> Result<bool, BrowserError> {
    let value = browser
        .eval_js("return document.documentElement.classList.contains('elder')")
        .await?;
    Ok(value == Value::Bool(true))
}

async fn page_width(browser: &Browser) -> Result<f64, BrowserError> {
    number(browser, "return document.documentElement.scrollWidth").await
}

async fn journey(site: &TestSite) -> Result<(), BrowserError> {
    let browser = Browser::launch().await?;
    browser.set_viewport(1280, 900).await?;
    browser.goto(&site.url("/")).await?;
    browser.wait_for(".hero", WAIT).await?;
    assert_eq!(browser.title().await?, "首页 - 海南政务服务·零跑动");
    browser.screenshot("home-1280").await?;

    // The first Tab reaches the skip link.
    let focused = browser.tab().await?;
    assert!(focused.contains("skip-link"), "first focus: {focused}");

    // Search, then open the guide.
    browser.fill("#home-q", "身份证").await?;
    browser.click(".search button[type=submit]").await?;
    browser.wait_for(".result-list", WAIT).await?;
    let results = browser.text(".result-list").await?;
    assert!(results.contains("居民身份证首次申领"), "results: {results}");
    browser.screenshot("search-results").await?;
    browser.click("a[href=\"/items/HN-GG-00001\"]").await?;
    browser.wait_for(".guide", WAIT).await?;

    // Choose a region: the local department appears.
    browser
        .eval_js("document.getElementById('region').value = '460106'; return true;")
        .await?;
    browser.click(".region-form button[type=submit]").await?;
    browser.wait_for(".place-card", WAIT).await?;
    let place = browser.text(".place-card").await?;
    assert!(place.contains("海口市公安局龙华分局"), "place: {place}");
    let normal_size = number(
        &browser,
        "return parseFloat(getComputedStyle(document.body).fontSize)",
    )
    .await?;
    browser.screenshot("guide-1280").await?;

    // Elderly-friendly mode: larger text, kept across reloads.
    assert!(!is_elder(&browser).await?);
    browser.click("#elder-toggle").await?;
    browser.wait_for("html.elder", WAIT).await?;
    assert!(is_elder(&browser).await?);
    let elder_size = number(
        &browser,
        "return parseFloat(getComputedStyle(document.body).fontSize)",
    )
    .await?;
    assert!(
        elder_size >= 20.0 && elder_size > normal_size,
        "elder font size {elder_size}px (normal {normal_size}px)"
    );
    let url = browser.current_url().await?;
    assert!(
        url.contains("region=460106"),
        "came back to the guide: {url}"
    );
    browser.screenshot("guide-elder-1280").await?;
    browser
        .client()
        .refresh()
        .await
        .map_err(|source| BrowserError::Command {
            action: "reload".to_owned(),
            source,
        })?;
    browser.wait_for(".guide", WAIT).await?;
    assert!(is_elder(&browser).await?, "elder mode survives a reload");

    // A phone: nothing wider than the screen, in elder mode too.
    browser.set_viewport(375, 812).await?;
    browser
        .goto(&site.url("/items/HN-GG-00001?region=460106"))
        .await?;
    browser.wait_for(".guide", WAIT).await?;
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "guide is {width}px wide at 375px");
    browser.screenshot("guide-elder-375").await?;
    for path in [
        "/",
        "/items",
        "/bundles",
        "/zero-trip?region=460106",
        "/reductions",
        "/regions",
        "/admin/login",
    ] {
        browser.goto(&site.url(path)).await?;
        browser.wait_for("main", WAIT).await?;
        let width = page_width(&browser).await?;
        assert!(
            width <= 375.0,
            "{path} is {width}px wide at 375px (elder mode)"
        );
    }
    browser.goto(&site.url("/")).await?;
    browser.wait_for(".hero", WAIT).await?;
    browser.screenshot("home-elder-375").await?;

    // Back to normal; the phone layout still fits.
    browser.click("#elder-toggle").await?;
    // The toggle reloads the page: wait for the new one rather than reading the old one.
    let mut elder = true;
    for _ in 0..50 {
        browser.wait_for(".hero", WAIT).await?;
        elder = is_elder(&browser).await?;
        if !elder {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!elder, "elder mode is switched off");
    for path in ["/", "/items/HN-GG-00001", "/reductions"] {
        browser.goto(&site.url(path)).await?;
        browser.wait_for("main", WAIT).await?;
        let width = page_width(&browser).await?;
        assert!(width <= 375.0, "{path} is {width}px wide at 375px");
    }
    browser.goto(&site.url("/")).await?;
    browser.wait_for(".hero", WAIT).await?;
    browser.screenshot("home-375").await?;

    // Staff on a phone: sign in, open the editor; the materials table fits as cards.
    browser.goto(&site.url("/admin/items/HN-GG-00001")).await?;
    browser.wait_for("#username", WAIT).await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", support::DEMO_PASSWORD).await?;
    browser.click(".card-form button[type=submit]").await?;
    browser.wait_for(".editor-form", WAIT).await?;
    let width = page_width(&browser).await?;
    assert!(width <= 375.0, "the editor is {width}px wide at 375px");
    browser.screenshot("editor-375").await?;
    browser.set_viewport(1280, 900).await?;
    browser.goto(&site.url("/admin/check")).await?;
    browser.wait_for(".chart-svg", WAIT).await?;
    browser.screenshot("check-1280").await?;
    browser.goto(&site.url("/reductions")).await?;
    browser.wait_for(".chart-svg", WAIT).await?;
    browser.screenshot("reductions-1280").await?;
    browser.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_a_browser_sqlite() {
    let site = TestSite::start(Backend::Sqlite).await;
    let outcome = journey(&site).await;
    site.finish().await;
    if let Err(error) = outcome {
        panic!("browser journey failed: {error}");
    }
}
