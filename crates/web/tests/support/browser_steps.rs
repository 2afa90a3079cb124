//! Steps the browser journeys share: signing in and out as the demo citizen or staff, and the
//! page's width (for the 375 px checks).

use std::time::Duration;

use zerotrip_testkit::browser::{Browser, BrowserError};

use super::{DEMO_PASSWORD, TestSite};

const WAIT: Duration = Duration::from_secs(15);
/// The demo citizen 王小明.
const CITIZEN: &str = "460106199001011239";

pub async fn page_width(browser: &Browser) -> Result<f64, BrowserError> {
    let value = browser
        .eval_js("return document.documentElement.scrollWidth")
        .await?;
    Ok(value.as_f64().unwrap_or(f64::NAN))
}

pub async fn sign_out(browser: &Browser) -> Result<(), BrowserError> {
    // Citizens sign out in the header, staff in the staff bar.
    let citizen = browser.find_all(".header-logout button").await?;
    if let Some(button) = citizen.into_iter().next() {
        button
            .click()
            .await
            .map_err(|source| BrowserError::Command {
                action: "sign out".to_owned(),
                source,
            })?;
    } else if let Some(button) = browser
        .find_all(".staff-bar .logout-form button")
        .await?
        .into_iter()
        .next()
    {
        button
            .click()
            .await
            .map_err(|source| BrowserError::Command {
                action: "sign out staff".to_owned(),
                source,
            })?;
    }
    browser.wait_for("main", WAIT).await?;
    Ok(())
}

pub async fn citizen_signs_in(
    browser: &Browser,
    site: &TestSite,
    next: &str,
) -> Result<(), BrowserError> {
    browser
        .goto(&site.url(&format!("/login?next={}", urlencoding(next))))
        .await?;
    browser.wait_for("#username", WAIT).await?;
    browser.fill("#username", CITIZEN).await?;
    browser.fill("#password", DEMO_PASSWORD).await?;
    browser.click(".card-form button[type=submit]").await?;
    browser.wait_for("main", WAIT).await?;
    Ok(())
}

pub async fn staff_signs_in(
    browser: &Browser,
    site: &TestSite,
    username: &str,
    next: &str,
) -> Result<(), BrowserError> {
    browser
        .goto(&site.url(&format!("/admin/login?next={}", urlencoding(next))))
        .await?;
    browser.wait_for("#username", WAIT).await?;
    browser.fill("#username", username).await?;
    browser.fill("#password", DEMO_PASSWORD).await?;
    browser.click(".card-form button[type=submit]").await?;
    browser.wait_for(".staff-bar", WAIT).await?;
    Ok(())
}

pub fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_owned()
}
