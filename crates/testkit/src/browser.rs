//! A headless-Chromium browser for end-to-end tests, driven over WebDriver.
//!
//! ```no_run
//! use std::time::Duration;
//! use zerotrip_testkit::browser::Browser;
//!
//! # async fn example() -> Result<(), zerotrip_testkit::browser::BrowserError> {
//! let browser = Browser::launch().await?;
//! browser.goto("http://127.0.0.1:8080/").await?;
//! browser.fill("#q", "开办企业").await?;
//! browser.click("button[type=submit]").await?;
//! browser.wait_for(".result", Duration::from_secs(5)).await?;
//! browser.screenshot("results").await?;
//! browser.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What a launch costs
//!
//! Every [`Browser::launch`] starts its own `chromedriver` and, through it, its own Chromium with
//! a fresh profile, so tests can run in parallel without sharing cookies, storage or focus. On a
//! 2-core machine of the project's kind a launch takes about 0.8–1.5 s of wall time (two at once
//! about 1.2–1.5 s each), and a browser with one simple page open holds about 400 MB (PSS over
//! chromedriver and Chromium's ~9 processes). Launch one browser per test and drive several pages
//! with it rather than launching several in one test; keep browser tests to a few per binary,
//! since libtest runs as many at once as there are cores.
//!
//! # Clean-up
//!
//! `chromedriver` runs under a small `sh` guard in a process group of its own, together with the
//! Chromium it starts. The guard holds the read end of a pipe whose write end only this process
//! has: when the [`Browser`] is dropped — or the test process dies in any way, even by `SIGKILL`
//! — the pipe closes and the guard kills the whole group. Call [`Browser::close`] to end the
//! WebDriver session gracefully first and to see any error it reports.
//!
//! # When Chromium is missing
//!
//! [`Browser::launch`] fails with [`BrowserError::NotInstalled`], whose message says how to
//! install Debian's `chromium` and `chromium-driver`. Browser tests never skip silently.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{ClientBuilder, Locator};
use serde_json::{Value, json};

pub use fantoccini::Client;
pub use fantoccini::elements::Element;
pub use fantoccini::key::Key;

/// Chromium flags every browser gets. `--disable-background-networking` and its neighbours keep
/// Chromium from calling home: the machine's network is closed and the attempts only slow it.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// The Debian command that installs everything browser tests need.
pub const INSTALL_HINT: &str = "apt-get install -y chromium chromium-driver fonts-noto-cjk";

/// How long [`Browser::launch`] waits for chromedriver to listen.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);

/// Everything that can go wrong while driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// Chromium or ChromeDriver is not installed.
    #[error(
        "{program} was not found (looked in: {searched}). Browser tests need Debian's Chromium \
         and ChromeDriver: run `apt-get install -y chromium chromium-driver fonts-noto-cjk` as root, or run scripts/test, which installs them"
    )]
    NotInstalled {
        /// `chromium` or `chromedriver`.
        program: &'static str,
        /// The places that were searched, comma-separated.
        searched: String,
    },
    /// chromedriver did not start or did not answer.
    #[error("chromedriver did not start: {reason}\n--- chromedriver output ---\n{log}")]
    DriverStart {
        /// What went wrong.
        reason: String,
        /// What chromedriver printed so far.
        log: String,
    },
    /// chromedriver refused to open a Chromium session.
    #[error("could not open a Chromium session: {source}\n--- chromedriver output ---\n{log}")]
    Session {
        /// The WebDriver error.
        #[source]
        source: fantoccini::error::NewSessionError,
        /// What chromedriver printed so far.
        log: String,
    },
    /// A WebDriver command failed.
    #[error("{action}: {source}")]
    Command {
        /// What was being done, such as "click `#submit`".
        action: String,
        /// The WebDriver error.
        #[source]
        source: fantoccini::error::CmdError,
    },
    /// A wait ran out of time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it was awaited.
        timeout: Duration,
    },
    /// A file could not be written or a process could not be started.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Options for [`Browser::launch_with`]. `LaunchOptions::default()` is what [`Browser::launch`]
/// uses.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Names the screenshot folder `screenshots/<test_name>/`. Default: `<binary>.<test>`, the
    /// test binary's name (`pages` for `tests/pages.rs`, `zerotrip_web` for unit tests) and the
    /// name libtest gives the test's thread (`portal::home`, with `::` written `.`), so
    /// `pages.portal.home`. Set it when a test runs its browser on another thread.
    pub test_name: Option<String>,
    /// Chromium flags added after [`CHROMIUM_ARGS`], such as `--lang=zh-CN`.
    pub extra_args: Vec<String>,
}

/// One headless Chromium with its own chromedriver and its own temporary profile.
///
/// Dropping it kills chromedriver and Chromium; [`Browser::close`] ends the session first.
pub struct Browser {
    client: Option<Client>,
    driver: Driver,
    test_name: String,
    launch_time: Duration,
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("test_name", &self.test_name)
            .field("port", &self.driver.port)
            .field("launch_time", &self.launch_time)
            .finish_non_exhaustive()
    }
}

impl Browser {
    /// Starts chromedriver and Chromium with [`LaunchOptions::default`].
    pub async fn launch() -> Result<Browser, BrowserError> {
        Browser::launch_with(LaunchOptions::default()).await
    }

    /// Starts chromedriver on a free localhost port and opens a Chromium session through it.
    pub async fn launch_with(options: LaunchOptions) -> Result<Browser, BrowserError> {
        let started = Instant::now();
        let chromedriver = find_chromedriver()?;
        let chromium = find_chromium()?;
        let test_name = sanitize(&options.test_name.unwrap_or_else(current_test_name));

        let driver = Driver::start(&chromedriver).await?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| arg.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            driver.profile_dir().display()
        ));
        args.extend(options.extra_args);
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );

        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .map_err(|source| BrowserError::Session {
                source,
                log: driver.log(),
            })?;

        Ok(Browser {
            client: Some(client),
            driver,
            test_name,
            launch_time: started.elapsed(),
        })
    }

    /// The underlying fantoccini client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the client is present until close")
    }

    /// How long [`Browser::launch`] took, from looking for the programs to an open session.
    pub fn launch_time(&self) -> Duration {
        self.launch_time
    }

    /// The localhost port this browser's chromedriver listens on.
    pub fn port(&self) -> u16 {
        self.driver.port
    }

    /// This browser's temporary Chromium profile (`--user-data-dir`), removed on drop.
    pub fn profile_dir(&self) -> PathBuf {
        self.driver.profile_dir()
    }

    /// The name of the screenshot folder, `screenshots/<test_name>/`.
    pub fn test_name(&self) -> &str {
        &self.test_name
    }

    /// Navigates to `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.client()
            .goto(url)
            .await
            .map_err(cmd(format!("go to {url}")))
    }

    /// The current page's URL.
    pub async fn current_url(&self) -> Result<String, BrowserError> {
        let url = self
            .client()
            .current_url()
            .await
            .map_err(cmd("read the current URL"))?;
        Ok(url.to_string())
    }

    /// The current page's `<title>`.
    pub async fn title(&self) -> Result<String, BrowserError> {
        self.client().title().await.map_err(cmd("read the title"))
    }

    /// The current DOM serialised as HTML.
    pub async fn html(&self) -> Result<String, BrowserError> {
        self.client()
            .source()
            .await
            .map_err(cmd("read the page source"))
    }

    /// The first element matching the CSS selector, now (no waiting).
    pub async fn find(&self, css: &str) -> Result<Element, BrowserError> {
        self.client()
            .find(Locator::Css(css))
            .await
            .map_err(cmd(format!("find `{css}`")))
    }

    /// Every element matching the CSS selector, now (possibly none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, BrowserError> {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .map_err(cmd(format!("find all `{css}`")))
    }

    /// Clicks the first element matching the CSS selector.
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.find(css)
            .await?
            .click()
            .await
            .map_err(cmd(format!("click `{css}`")))
    }

    /// Clears the field matching the CSS selector and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        let field = self.find(css).await?;
        field.clear().await.map_err(cmd(format!("clear `{css}`")))?;
        field
            .send_keys(text)
            .await
            .map_err(cmd(format!("type into `{css}`")))
    }

    /// The rendered (visible) text of the first element matching the CSS selector.
    pub async fn text(&self, css: &str) -> Result<String, BrowserError> {
        self.find(css)
            .await?
            .text()
            .await
            .map_err(cmd(format!("read the text of `{css}`")))
    }

    /// Waits until an element matches the CSS selector, polling every 50 ms.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, BrowserError> {
        self.client()
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .map_err(|source| match source {
                fantoccini::error::CmdError::WaitTimeout => BrowserError::Timeout {
                    what: format!("`{css}`"),
                    timeout,
                },
                source => BrowserError::Command {
                    action: format!("wait for `{css}`"),
                    source,
                },
            })
    }

    /// Waits until the first element matching the CSS selector shows text containing `needle`,
    /// polling every 50 ms; returns the whole text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            if let Ok(element) = self.client().find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = Some(text);
            }
            if Instant::now() >= deadline {
                let seen = match last {
                    Some(text) => format!("it showed {text:?}"),
                    None => "it never appeared".to_string(),
                };
                return Err(BrowserError::Timeout {
                    what: format!("`{css}` to show {needle:?} ({seen})"),
                    timeout,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` as the body of a function in the page and returns what it `return`s.
    ///
    /// `browser.eval_js("return document.title").await?` gives `Value::String(...)`.
    pub async fn eval_js(&self, script: &str) -> Result<Value, BrowserError> {
        self.client()
            .execute(script, Vec::new())
            .await
            .map_err(cmd(format!("run script `{}`", abbreviate(script))))
    }

    /// Sends one Chrome DevTools Protocol command, such as `Emulation.setTimezoneOverride`,
    /// through chromedriver, and returns its result.
    pub async fn cdp(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.client()
            .issue_cmd(CdpCommand {
                method: method.to_string(),
                params,
            })
            .await
            .map_err(cmd(format!("send CDP {method}")))
    }

    /// Makes the page's layout viewport exactly `width`×`height` CSS pixels, as a desktop
    /// browser window would be (media queries see `width`; `<meta name=viewport>` is ignored).
    ///
    /// Uses CDP `Emulation.setDeviceMetricsOverride`; falls back to resizing the window.
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.override_metrics(width, height, false).await
    }

    /// Emulates a phone screen `width`×`height` CSS pixels wide (375×812 for a common phone):
    /// mobile layout rules including `<meta name=viewport>` (a page without it lays out 980 px
    /// wide and is zoomed out, as on a real phone), overlay scrollbars and touch events.
    pub async fn emulate_phone(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.override_metrics(width, height, true).await?;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": true, "maxTouchPoints": 5 }),
        )
        .await?;
        Ok(())
    }

    /// Undoes [`Browser::set_viewport`] and [`Browser::emulate_phone`].
    pub async fn reset_viewport(&self) -> Result<(), BrowserError> {
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await?;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": false }),
        )
        .await?;
        Ok(())
    }

    async fn override_metrics(
        &self,
        width: u32,
        height: u32,
        mobile: bool,
    ) -> Result<(), BrowserError> {
        let params = json!({
            "width": width,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": mobile,
            "screenWidth": width,
            "screenHeight": height,
        });
        match self.cdp("Emulation.setDeviceMetricsOverride", params).await {
            Ok(_) => Ok(()),
            Err(_) if !mobile => self
                .client()
                .set_window_size(width, height)
                .await
                .map_err(cmd(format!("resize the window to {width}×{height}"))),
            Err(error) => Err(error),
        }
    }

    /// Presses and releases one key on the element that has focus, as a person would.
    pub async fn press_key(&self, key: Key) -> Result<(), BrowserError> {
        let value: char = key.into();
        let keys = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client()
            .perform_actions(keys)
            .await
            .map_err(cmd(format!("press {key:?}")))
    }

    /// The `outerHTML` of the element that has focus (`<body>…` when nothing has).
    pub async fn focused_html(&self) -> Result<String, BrowserError> {
        let html = self
            .eval_js("const e = document.activeElement; return e ? e.outerHTML : null;")
            .await?;
        Ok(html.as_str().unwrap_or_default().to_string())
    }

    /// Presses Tab once and returns the `outerHTML` of the element that then has focus.
    pub async fn tab(&self) -> Result<String, BrowserError> {
        self.press_key(Key::Tab).await?;
        self.focused_html().await
    }

    /// Presses Shift+Tab once and returns the `outerHTML` of the element that then has focus.
    pub async fn shift_tab(&self) -> Result<String, BrowserError> {
        let (shift, tab): (char, char) = (Key::Shift.into(), Key::Tab.into());
        let keys = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift });
        self.client()
            .perform_actions(keys)
            .await
            .map_err(cmd("press Shift+Tab"))?;
        self.focused_html().await
    }

    /// The keyboard tab order of the page: moves focus to the top of the document, then presses
    /// Tab until focus leaves the page or comes back round (at most `max` presses), and returns
    /// the `outerHTML` of each element focused, in order.
    pub async fn tab_order(&self, max: usize) -> Result<Vec<String>, BrowserError> {
        // A focusable-by-script but untabbable marker at the start of <body> makes the next Tab
        // land on the first tabbable element, wherever focus was before.
        self.eval_js(
            "const m = document.createElement('span');
             m.id = '__zerotrip_tab_start'; m.tabIndex = -1;
             document.body.prepend(m); m.focus();
             return null;",
        )
        .await?;
        let mut order: Vec<String> = Vec::new();
        for press in 0..max {
            let html = self.tab().await?;
            if press == 0 {
                self.eval_js(
                    "const m = document.getElementById('__zerotrip_tab_start');
                     if (m) m.remove(); return null;",
                )
                .await?;
            }
            let on_body = self
                .eval_js(
                    "const e = document.activeElement;
                     return !e || e === document.body || e === document.documentElement;",
                )
                .await?;
            if on_body == Value::Bool(true) || order.first() == Some(&html) {
                break;
            }
            order.push(html);
        }
        Ok(order)
    }

    /// Saves a PNG of the viewport as `screenshots/<test-name>/<nn>-<name>.png` under the
    /// workspace root and returns its path. `nn` counts up from 01 within the test; the test's
    /// folder is emptied the first time it is used in a run.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, BrowserError> {
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(cmd(format!("take screenshot {name:?}")))?;
        let path = next_screenshot_path(&self.test_name, name)?;
        std::fs::write(&path, png).map_err(io(format!("write {}", path.display())))?;
        Ok(path)
    }

    /// Ends the WebDriver session (Chromium quits), then stops chromedriver.
    pub async fn close(mut self) -> Result<(), BrowserError> {
        match self.client.take() {
            Some(client) => client.close().await.map_err(cmd("close the session")),
            None => Ok(()),
        }
        // `self` drops here, which stops chromedriver and anything left of Chromium.
    }
}

/// A chromedriver process under its guard, and the temporary folder for its profile and log.
struct Driver {
    guard: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Result<Driver, BrowserError> {
        let dir = tempfile::Builder::new()
            .prefix("zerotrip-browser-")
            .tempdir()
            .map_err(io("create a temporary folder for Chromium"))?;
        let log_path = dir.path().join("chromedriver.log");
        let log = std::fs::File::create(&log_path).map_err(io("create chromedriver.log"))?;
        let log_err = log.try_clone().map_err(io("open chromedriver.log"))?;

        // The guard shell runs chromedriver in the background and blocks reading its stdin, a
        // pipe only this process writes to. When that pipe closes (drop, exit or crash of this
        // process) `read` returns and the guard kills its process group: chromedriver, Chromium
        // and Chromium's helpers, which chromedriver does not take down when it dies.
        let script = r#"( "$@" </dev/null; echo "zerotrip-testkit: chromedriver exited with status $?" ) &
read -r _ignored
kill -KILL 0"#;
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(script)
            .arg("zerotrip-chromedriver-guard")
            .arg(chromedriver)
            .arg("--port=0")
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log_err);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let guard = command
            .spawn()
            .map_err(io(format!("start {}", chromedriver.display())))?;

        let mut driver = Driver {
            guard,
            port: 0,
            dir,
        };
        driver.port = driver.wait_until_listening().await?;
        Ok(driver)
    }

    fn profile_dir(&self) -> PathBuf {
        self.dir.path().join("profile")
    }

    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.path().join("chromedriver.log")) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// Reads the port chromedriver chose from its output, then waits until it accepts
    /// connections.
    async fn wait_until_listening(&mut self) -> Result<u16, BrowserError> {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            let log = self.log();
            if log.contains("zerotrip-testkit: chromedriver exited") {
                return Err(BrowserError::DriverStart {
                    reason: "it exited at start-up".into(),
                    log,
                });
            }
            if let Ok(Some(status)) = self.guard.try_wait() {
                return Err(BrowserError::DriverStart {
                    reason: format!("its guard shell exited with {status}"),
                    log,
                });
            }
            if let Some(port) = parse_port(&log)
                && tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
            {
                return Ok(port);
            }
            if Instant::now() >= deadline {
                return Err(BrowserError::DriverStart {
                    reason: format!("it did not listen within {DRIVER_START_TIMEOUT:?}"),
                    log,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closing the pipe makes the guard kill the process group; then reap the guard.
        drop(self.guard.stdin.take());
        let _ = self.guard.wait();
    }
}

/// `ChromeDriver was started successfully on port 36117.`
fn parse_port(log: &str) -> Option<u16> {
    let rest = log.split("started successfully on port ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|port| *port != 0)
}

/// chromedriver's own endpoint for raw DevTools commands.
#[derive(Debug)]
struct CdpCommand {
    method: String,
    params: Value,
}

impl WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

fn find_chromedriver() -> Result<PathBuf, BrowserError> {
    find_program(
        "chromedriver",
        "ZEROTRIP_CHROMEDRIVER",
        &["chromedriver"],
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    )
}

fn find_chromium() -> Result<PathBuf, BrowserError> {
    find_program(
        "chromium",
        "ZEROTRIP_CHROMIUM",
        &["chromium", "chromium-browser"],
        &["/usr/bin/chromium"],
    )
}

/// Looks at the override variable, then `PATH`, then the usual Debian places.
fn find_program(
    program: &'static str,
    override_var: &str,
    names: &[&str],
    fixed: &[&str],
) -> Result<PathBuf, BrowserError> {
    let mut searched = Vec::new();
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        if is_executable(&path) {
            return Ok(path);
        }
        searched.push(format!("${override_var}={}", path.display()));
    }
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    for name in names {
        for dir in &path_dirs {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
        searched.push(format!("{name} on PATH"));
    }
    for path in fixed {
        let candidate = PathBuf::from(path);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
        searched.push(path.to_string());
    }
    Err(BrowserError::NotInstalled {
        program,
        searched: searched.join(", "),
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// `<workspace>/screenshots`, where every browser test keeps its pictures (git-ignored).
pub fn screenshots_root() -> PathBuf {
    workspace_root().join("screenshots")
}

/// The next free `<nn>-<name>.png` for a test; the test's folder is emptied on first use.
fn next_screenshot_path(test_name: &str, name: &str) -> Result<PathBuf, BrowserError> {
    static COUNTERS: Mutex<Option<HashMap<String, u32>>> = Mutex::new(None);
    let dir = screenshots_root().join(test_name);
    let mut counters = COUNTERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let counters = counters.get_or_insert_with(HashMap::new);
    let n = match counters.get_mut(test_name) {
        Some(n) => {
            *n += 1;
            *n
        }
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(io(format!("empty {}", dir.display())))?;
            }
            counters.insert(test_name.to_string(), 1);
            1
        }
    };
    std::fs::create_dir_all(&dir).map_err(io(format!("create {}", dir.display())))?;
    Ok(dir.join(format!("{n:02}-{}.png", sanitize(name))))
}

/// `<test binary>.<test path>`, such as `pages.portal.phone_layout` for the test
/// `portal::phone_layout` in `tests/pages.rs`: the binary's name without cargo's hash suffix,
/// then the thread name libtest gives the test.
fn current_test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash))
                if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                name.to_string()
            }
            _ => stem,
        });
    let test = match std::thread::current().name() {
        Some(name) if name != "main" && !name.starts_with("tokio-runtime") => {
            Some(name.replace("::", "."))
        }
        _ => None,
    };
    match (binary, test) {
        (Some(binary), Some(test)) => format!("{binary}.{test}"),
        (None, Some(test)) => test,
        (Some(binary), None) => binary,
        (None, None) => "unnamed".to_string(),
    }
}

/// Keeps letters (any script), digits, `-`, `_` and `.`; anything else becomes `-`.
fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').to_string();
    if cleaned.is_empty() {
        "unnamed".to_string()
    } else {
        cleaned
    }
}

fn abbreviate(script: &str) -> String {
    let one_line = script.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

fn cmd(action: impl Into<String>) -> impl FnOnce(fantoccini::error::CmdError) -> BrowserError {
    let action = action.into();
    move |source| BrowserError::Command { action, source }
}

fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> BrowserError {
    let action = action.into();
    move |source| BrowserError::Io { action, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_chromedriver_reports() {
        let log = "Starting ChromeDriver 156.0 on port 0\n\
                   Only local connections are allowed.\n\
                   ChromeDriver was started successfully on port 36117.\n";
        assert_eq!(parse_port(log), Some(36117));
        assert_eq!(parse_port("Starting ChromeDriver on port 0\n"), None);
    }

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(sanitize("portal.phone_layout"), "portal.phone_layout");
        assert_eq!(sanitize("首页 / 搜索"), "首页---搜索");
        assert_eq!(sanitize("../x"), "-x");
        assert_eq!(sanitize(""), "unnamed");
    }

    #[test]
    fn missing_programs_say_how_to_install_them() {
        let error = find_program(
            "chromium",
            "ZEROTRIP_TEST_NO_SUCH_VAR",
            &[],
            &["/nonexistent"],
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("apt-get install -y chromium chromium-driver"),
            "{message}"
        );
        assert!(message.contains("scripts/test"), "{message}");
    }
}
