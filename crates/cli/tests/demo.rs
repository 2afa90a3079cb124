//! `zerotrip demo` serves a working portal and keeps its data across restarts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo(dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zerotrip"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
        ])
        .env("ZEROTRIP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zerotrip demo");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the demo prints its address")
            .expect("readable stdout");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Running { child, url }
}

#[tokio::test]
async fn demo_serves_the_portal_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    {
        let demo = start_demo(dir.path());
        let health = client
            .get(format!("{}healthz", demo.url))
            .send()
            .await
            .unwrap();
        assert!(health.status().is_success());
        let items: serde_json::Value = client
            .get(format!("{}api/v1/items?per_page=1", demo.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(items["total"], 227);
        let home = client.get(&demo.url).send().await.unwrap();
        assert!(home.status().is_success());
        assert!(home.text().await.unwrap().contains("lang=\"zh-CN\""));
    }
    // A second start on the same directory keeps what is there and does not seed again.
    let demo = start_demo(dir.path());
    let history: serde_json::Value = client
        .get(format!("{}api/v1/zero-trip/publications", demo.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["total"], 1);
    assert!(dir.path().join("zerotrip.db").exists());
}
