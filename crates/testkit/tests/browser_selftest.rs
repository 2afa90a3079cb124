//! Drives a real headless Chromium against a tiny page served on localhost.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them); without them
//! these tests fail with a message that says how to install them.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use zerotrip_testkit::browser::{Browser, Key};

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>自测页面</title>
<style>
  body { font-family: "Noto Sans CJK SC", sans-serif; margin: 1rem; }
  button:focus, input:focus { outline: 3px solid #fd0; }
</style>
</head>
<body>
<h1>办事指南</h1>
<label for="name">姓名</label>
<input id="name" name="name" autocomplete="off">
<button id="go" type="button">提交</button>
<p id="out">未提交</p>
<script>
  document.getElementById('go').addEventListener('click', function () {
    document.getElementById('out').textContent =
      '已提交：' + document.getElementById('name').value;
  });
</script>
</body>
</html>
"#;

/// Serves [`PAGE`] on a free localhost port, one thread per connection (Chromium opens spare
/// connections it may never use, so a serial server would stall); returns the page's URL.
fn serve_page() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a localhost port");
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    url
}

fn answer(mut stream: TcpStream) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header != "\r\n" {
        header.clear();
    }
    let (status, body) = if request_line.starts_with("GET / ") {
        ("200 OK", PAGE)
    } else {
        ("404 Not Found", "not found")
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn assert_png(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (width, height)
}

#[tokio::test]
async fn clicks_types_tabs_and_takes_screenshots() {
    let url = serve_page();
    let started = Instant::now();
    let browser = Browser::launch().await.expect("launch Chromium");
    eprintln!("launch took {:?}", started.elapsed());

    browser.goto(&url).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "自测页面");
    assert_eq!(browser.text("#out").await.unwrap(), "未提交");

    browser.fill("#name", "张三").await.unwrap();
    browser.click("#go").await.unwrap();
    let text = browser
        .wait_for_text("#out", "张三", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(text, "已提交：张三");
    browser
        .wait_for("#out", Duration::from_secs(1))
        .await
        .unwrap();

    // Keyboard only: the tab order is the field, then the button; Enter on the button submits.
    let order = browser.tab_order(10).await.unwrap();
    assert_eq!(order.len(), 2, "{order:#?}");
    assert!(order[0].contains(r#"id="name""#), "{order:#?}");
    assert!(order[1].contains(r#"id="go""#), "{order:#?}");
    browser.fill("#name", "李四").await.unwrap();
    let focused = browser.tab().await.unwrap();
    assert!(focused.contains(r#"id="go""#), "{focused}");
    browser.press_key(Key::Enter).await.unwrap();
    browser
        .wait_for_text("#out", "李四", Duration::from_secs(5))
        .await
        .unwrap();
    let back = browser.shift_tab().await.unwrap();
    assert!(back.contains(r#"id="name""#), "{back}");

    let desktop = browser.screenshot("desktop").await.unwrap();
    let expected =
        "screenshots/browser_selftest.clicks_types_tabs_and_takes_screenshots/01-desktop.png";
    assert!(desktop.ends_with(expected), "{}", desktop.display());
    let (width, _) = assert_png(&desktop);
    assert_eq!(width, 1280);

    // The phone check: a 375 px wide layout viewport and a 375 px wide picture.
    browser.emulate_phone(375, 812).await.unwrap();
    let inner = browser.eval_js("return window.innerWidth").await.unwrap();
    assert_eq!(inner, serde_json::json!(375));
    let overflow = browser
        .eval_js("return document.documentElement.scrollWidth > window.innerWidth")
        .await
        .unwrap();
    assert_eq!(overflow, serde_json::json!(false));
    let phone = browser.screenshot("phone").await.unwrap();
    assert!(
        phone.file_name().unwrap() == "02-phone.png",
        "{}",
        phone.display()
    );
    assert_eq!(assert_png(&phone), (375, 812));

    browser.set_viewport(800, 600).await.unwrap();
    let inner = browser.eval_js("return window.innerWidth").await.unwrap();
    assert_eq!(inner, serde_json::json!(800));
    browser.reset_viewport().await.unwrap();

    let error = browser.click("#does-not-exist").await.unwrap_err();
    assert!(error.to_string().contains("#does-not-exist"), "{error}");
    let error = browser
        .wait_for("#never", Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("timed out"), "{error}");

    browser.close().await.unwrap();
}

#[tokio::test]
async fn browsers_run_side_by_side_and_leave_nothing_behind() {
    let url = serve_page();
    let (a, b) = tokio::join!(Browser::launch(), Browser::launch());
    let (a, b) = (a.expect("launch first Chromium"), b.expect("launch second"));
    eprintln!(
        "two parallel launches: {:?} and {:?}",
        a.launch_time(),
        b.launch_time()
    );

    a.goto(&url).await.unwrap();
    b.goto(&url).await.unwrap();
    a.eval_js("localStorage.setItem('who', 'a'); return null")
        .await
        .unwrap();
    let seen = b
        .eval_js("return localStorage.getItem('who')")
        .await
        .unwrap();
    assert_eq!(seen, serde_json::Value::Null, "profiles must not be shared");

    let (port, profile) = (a.port(), a.profile_dir());
    b.close().await.unwrap();
    drop(a); // no close: dropping must still take chromedriver and Chromium down

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        let left = processes_mentioning(&profile.display().to_string());
        if !listening && left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after drop: listening={listening}, processes={left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The pids whose command line contains `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(needle)
        {
            pids.push(pid);
        }
    }
    pids
}
