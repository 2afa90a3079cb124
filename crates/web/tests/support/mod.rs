//! A real site for page tests: the demo data on a throw-away database (SQLite or PostgreSQL),
//! the whole router served on a random local port, and an HTTP client that keeps cookies like a
//! browser. [`page_test!`] declares one test for each backend.
#![allow(dead_code)]

pub mod browser_steps;

use std::net::SocketAddr;
use std::sync::Arc;

use regex::Regex;
use reqwest::StatusCode;
use reqwest::cookie::Jar;
use reqwest::header::HeaderMap;
use zerotrip_app::{App, Clock};
use zerotrip_store::Backend;
use zerotrip_store::testing::TestDatabase;
use zerotrip_web::{AppState, WebConfig};

pub use zerotrip_app::seed::DEMO_PASSWORD;

/// Declares a page test that runs once on SQLite and once on PostgreSQL:
///
/// ```ignore
/// page_test!(home_lists_themes, |site| async move { … });
/// ```
#[macro_export]
macro_rules! page_test {
    ($name:ident, |$site:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($site: &$crate::support::TestSite) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let site = $crate::support::TestSite::start(zerotrip_store::Backend::Sqlite).await;
                run(&site).await;
                site.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let site =
                    $crate::support::TestSite::start(zerotrip_store::Backend::Postgres).await;
                run(&site).await;
                site.finish().await;
            }
        }
    };
}

/// A response, read to the end.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// Where the client ended up after redirects.
    pub url: String,
    pub text: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the body contains `needle`, showing the page when it does not.
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.text.contains(needle),
            "expected {:?} in the page at {} ({}):\n{}",
            needle,
            self.url,
            self.status,
            excerpt(&self.text)
        );
    }

    #[track_caller]
    pub fn assert_lacks(&self, needle: &str) {
        assert!(
            !self.text.contains(needle),
            "did not expect {:?} in the page at {} ({}):\n{}",
            needle,
            self.url,
            self.status,
            excerpt(&self.text)
        );
    }

    /// The value of the hidden `csrf` field of the page's forms.
    pub fn csrf(&self) -> String {
        let pattern = Regex::new(r#"name="csrf" value="([^"]+)""#).expect("valid pattern");
        pattern
            .captures(&self.text)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_owned())
            .unwrap_or_else(|| panic!("no csrf field on {}", self.url))
    }

    /// What a browser would submit for the form whose action is `action`.
    pub fn form(&self, action: &str) -> Vec<(String, String)> {
        form_fields(&self.text, action)
            .unwrap_or_else(|| panic!("no form with action {action} on {}", self.url))
    }
}

fn excerpt(text: &str) -> String {
    let main = text
        .find("<main")
        .map(|start| &text[start..])
        .unwrap_or(text);
    main.chars().take(3000).collect()
}

/// The site under test.
pub struct TestSite {
    pub base: String,
    /// Follows redirects, like a browser.
    pub client: reqwest::Client,
    /// Stops at redirects, to look at them; shares the cookies of `client`.
    pub raw: reqwest::Client,
    pub app: App,
    pub backend: Backend,
    database: TestDatabase,
    server: tokio::task::JoinHandle<()>,
    _files: tempfile::TempDir,
}

impl TestSite {
    pub async fn start(backend: Backend) -> TestSite {
        let database = TestDatabase::new(backend).await;
        let files = tempfile::tempdir().expect("a temporary files directory");
        let app = App::open(
            database.db.clone(),
            files.path().to_path_buf(),
            Clock::system(),
        )
        .await
        .expect("open the platform");
        zerotrip_app::seed::load_demo(&app)
            .await
            .expect("load the demo data");
        let config = WebConfig {
            secure_cookies: false,
            max_body_bytes: 8 << 20,
            csrf_key: b"test-key".to_vec(),
        };
        let router = zerotrip_web::router(AppState::new(
            app.clone(),
            config,
            zerotrip_web::install_metrics(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("the bound address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .expect("an HTTP client");
        let raw = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        TestSite {
            base: format!("http://{address}"),
            client,
            raw,
            app,
            backend,
            database,
            server,
            _files: files,
        }
    }

    pub async fn finish(self) {
        self.server.abort();
        self.database.cleanup().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let url = response.url().to_string();
        let text = response.text().await.expect("a readable body");
        Page {
            status,
            headers,
            url,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Self::read(response).await
    }

    /// GET without following redirects.
    pub async fn get_raw(&self, path: &str) -> Page {
        let response = self
            .raw
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Self::read(response).await
    }

    /// POSTs exactly these fields (add `csrf` yourself, or use [`TestSite::submit`]).
    pub async fn post(&self, path: &str, fields: &[(String, String)]) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("encodable form"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Self::read(response).await
    }

    /// POST without following redirects.
    pub async fn post_raw(&self, path: &str, fields: &[(String, String)]) -> Page {
        let response = self
            .raw
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("encodable form"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Self::read(response).await
    }

    /// The visitor's CSRF token, as a page's forms carry it.
    pub async fn csrf(&self) -> String {
        self.get("/preferences").await.csrf()
    }

    /// POSTs `fields` with the visitor's CSRF token, as a page's form would.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs: Vec<(String, String)> = vec![("csrf".to_owned(), self.csrf().await)];
        pairs.extend(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self.post(path, &pairs).await
    }

    /// Signs in through the login form and lands on `/admin`.
    pub async fn login(&self, username: &str) -> Page {
        let page = self
            .submit(
                "/admin/login",
                &[
                    ("username", username),
                    ("password", DEMO_PASSWORD),
                    ("next", "/admin"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{username} signs in: {}",
            excerpt(&page.text)
        );
        assert!(
            page.url.ends_with("/admin"),
            "lands on /admin, not {}",
            page.url
        );
        page
    }
}

fn unescape(text: &str) -> String {
    let named = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"");
    // Numeric references (askama writes `&#60;`, `&#34;`, `&#38;` …), then `&amp;` last.
    let numeric = Regex::new(r"&#(x[0-9a-fA-F]+|[0-9]+);").expect("valid pattern");
    let decoded = numeric.replace_all(&named, |c: &regex::Captures| {
        let code = &c[1];
        let value = match code.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => code.parse().ok(),
        };
        value
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_else(|| c[0].to_owned())
    });
    decoded.replace("&amp;", "&")
}

fn attributes(tag: &str) -> Vec<(String, Option<String>)> {
    let pattern =
        Regex::new(r#"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?"#).expect("valid pattern");
    pattern
        .captures_iter(tag)
        .skip(1) // the tag name
        .map(|c| (c[1].to_owned(), c.get(2).map(|m| unescape(m.as_str()))))
        .collect()
}

fn attribute(attributes: &[(String, Option<String>)], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone().unwrap_or_default())
}

/// The successful controls of a form, in document order, as a browser submits them (text
/// inputs, checked boxes, textareas, the selected option of each select).
pub fn form_fields(html: &str, action: &str) -> Option<Vec<(String, String)>> {
    let marker = format!("action=\"{action}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind("<form")?;
    let end = start + html[start..].find("</form>")?;
    let form = &html[start..end];
    let control = Regex::new(
        r#"(?s)<input\b[^>]*>|<textarea\b([^>]*)>(.*?)</textarea>|<select\b([^>]*)>(.*?)</select>"#,
    )
    .expect("valid pattern");
    let option = Regex::new(r#"<option\b[^>]*>"#).expect("valid pattern");
    let mut fields = Vec::new();
    for found in control.captures_iter(form) {
        let whole = &found[0];
        if whole.starts_with("<input") {
            let attrs = attributes(whole);
            let Some(name) = attribute(&attrs, "name") else {
                continue;
            };
            let kind = attribute(&attrs, "type").unwrap_or_else(|| "text".to_owned());
            let value = attribute(&attrs, "value").unwrap_or_default();
            match kind.as_str() {
                "checkbox" | "radio" => {
                    if attribute(&attrs, "checked").is_some() {
                        let value = if value.is_empty() {
                            "on".to_owned()
                        } else {
                            value
                        };
                        fields.push((name, value));
                    }
                }
                "submit" | "button" | "reset" => {}
                _ => fields.push((name, value)),
            }
        } else if let Some(attrs) = found.get(1) {
            let attrs = attributes(&format!("<textarea {}", attrs.as_str()));
            if let Some(name) = attribute(&attrs, "name") {
                fields.push((name, unescape(&found[2])));
            }
        } else if let Some(attrs) = found.get(3) {
            let attrs = attributes(&format!("<select {}", attrs.as_str()));
            let Some(name) = attribute(&attrs, "name") else {
                continue;
            };
            let options: Vec<Vec<(String, Option<String>)>> = option
                .find_iter(&found[4])
                .map(|m| attributes(m.as_str()))
                .collect();
            let chosen = options
                .iter()
                .find(|o| attribute(o, "selected").is_some())
                .or(options.first());
            if let Some(chosen) = chosen {
                fields.push((name, attribute(chosen, "value").unwrap_or_default()));
            }
        }
    }
    Some(fields)
}

/// Replaces the value of `name` (which must be present).
pub fn set_field(fields: &mut [(String, String)], name: &str, value: &str) {
    let field = fields
        .iter_mut()
        .find(|(key, _)| key == name)
        .unwrap_or_else(|| panic!("the form has no field {name}"));
    field.1 = value.to_owned();
}

/// The demo account `username` as the app sees it.
pub async fn principal(app: &App, username: &str) -> zerotrip_app::auth::Principal {
    app.authenticate(username, DEMO_PASSWORD)
        .await
        .expect("a demo account")
}

/// A bearer token for the demo account `username`, through `POST /api/v1/auth/token`.
pub async fn token(site: &TestSite, username: &str) -> String {
    let (status, body) = call(
        site,
        reqwest::Method::POST,
        "/api/v1/auth/token",
        None,
        Some(serde_json::json!({"username": username, "password": DEMO_PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{username} gets a token");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// One API request without cookies: the status and the JSON body (`null` when there is none).
pub async fn call(
    site: &TestSite,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, site.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("a response");
    let status = response.status().as_u16();
    let body = response
        .json::<serde_json::Value>()
        .await
        .unwrap_or(serde_json::Value::Null);
    (status, body)
}
