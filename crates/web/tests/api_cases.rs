//! Identity and case handling through the JSON API, over HTTP, on both backends: the whole
//! flow from upload to delivery, the submission contract, hostile input, isolation between
//! applicants, departments and regions, and signing up.

mod support;

use std::net::SocketAddr;

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use zerotrip_core::ids::{credit_code_check_char, resident_id_check_char};

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
const OTHER_CITIZEN: &str = "460105198512120022";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const SIGNED_PDF: &[u8] = b"%PDF-1.4\n% signed copy\n%%EOF\n";

/// A response read to the end; the body as JSON when it is JSON.
struct Answer {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a structured error with this status and code; returns the named fields.
    #[track_caller]
    fn error(&self, status: u16, code: &str) -> Vec<String> {
        assert_eq!(self.status, status, "{}", self.json);
        assert_eq!(self.json["error"]["code"], code, "{}", self.json);
        assert!(
            self.json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            self.json
        );
        self.json["error"]["fields"]
            .as_array()
            .expect("fields is a list")
            .iter()
            .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Asserts a 400 naming exactly `field` (among possibly others) and returns its message.
    #[track_caller]
    fn names(&self, field: &str) -> String {
        let fields = self.error(400, "invalid_input");
        assert!(
            fields.iter().any(|f| f == field),
            "expected field {field} in {}",
            self.json
        );
        self.json["error"]["fields"]
            .as_array()
            .and_then(|list| list.iter().find(|f| f["field"] == field))
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body").to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        bytes,
        json,
    }
}

/// An API client with one bearer token (or none).
struct Api<'a> {
    base: String,
    client: &'a reqwest::Client,
    token: Option<String>,
}

impl<'a> Api<'a> {
    fn anonymous(site: &'a support::TestSite) -> Self {
        Api {
            base: site.base.clone(),
            client: &site.raw,
            token: None,
        }
    }

    async fn signed_in(site: &'a support::TestSite, username: &str) -> Self {
        Self::signed_in_at(site, &site.base, username).await
    }

    async fn signed_in_at(site: &'a support::TestSite, base: &str, username: &str) -> Self {
        let response = site
            .raw
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({"username": username, "password": support::DEMO_PASSWORD}))
            .send()
            .await
            .expect("token request");
        let answer = read(response).await;
        assert_eq!(
            answer.status, 200,
            "{username} gets a token: {}",
            answer.json
        );
        Api {
            base: base.to_owned(),
            client: &site.raw,
            token: answer.json["access_token"].as_str().map(str::to_owned),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        read(
            self.request(reqwest::Method::GET, path)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        read(
            self.request(reqwest::Method::POST, path)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        read(
            self.request(reqwest::Method::PUT, path)
                .json(body)
                .send()
                .await
                .expect("PUT"),
        )
        .await
    }

    async fn delete(&self, path: &str) -> Answer {
        read(
            self.request(reqwest::Method::DELETE, path)
                .send()
                .await
                .expect("DELETE"),
        )
        .await
    }

    /// `POST /api/v1/cases` with an `Idempotency-Key` (none when `key` is empty).
    async fn file(&self, key: &str, body: &Value) -> Answer {
        let mut request = self
            .request(reqwest::Method::POST, "/api/v1/cases")
            .json(body);
        if !key.is_empty() {
            request = request.header("Idempotency-Key", key);
        }
        read(request.send().await.expect("POST /api/v1/cases")).await
    }

    async fn upload(&self, bytes: Vec<u8>) -> Answer {
        read(
            self.request(reqwest::Method::POST, "/api/v1/files")
                // The declared type is ignored; the content decides.
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .expect("POST /api/v1/files"),
        )
        .await
    }

    /// `PUT /api/v1/cases/{id}/materials/{position}` with a raw body.
    async fn upload_material(
        &self,
        id: i64,
        position: i64,
        file_name: Option<&str>,
        bytes: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/cases/{id}/materials/{position}"),
            )
            .header("content-type", "application/pdf")
            .body(bytes);
        if let Some(name) = file_name {
            request = request.header("X-File-Name", name);
        }
        read(request.send().await.expect("PUT material")).await
    }

    async fn act(&self, id: i64, body: Value) -> Answer {
        self.post(&format!("/api/v1/cases/{id}/actions"), &body)
            .await
    }

    /// Takes an action that must succeed; returns the case.
    async fn act_ok(&self, id: i64, body: Value) -> Value {
        let answer = self.act(id, body.clone()).await;
        assert_eq!(answer.status, 200, "{body} → {}", answer.json);
        answer.json
    }
}

/// The materials of the item the applicant hands in (not 免提交).
async fn materials_to_upload(site: &support::TestSite) -> Vec<String> {
    let item = Api::anonymous(site)
        .get(&format!("/api/v1/items/{ITEM}"))
        .await
        .json;
    let exempt: Vec<&str> = item["exempt_materials"]
        .as_array()
        .expect("exempt materials")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    let names: Vec<String> = item["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .filter(|m| m["required"] == true)
        .filter_map(|m| m["name"].as_str())
        .filter(|name| !exempt.contains(name))
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "the item asks for an upload: {item}");
    names
}

/// A complete application with `file` for every material to hand in.
async fn application(site: &support::TestSite, file: &str, description: &str) -> Value {
    let materials: Vec<Value> = materials_to_upload(site)
        .await
        .into_iter()
        .map(|name| json!({"material": name, "file": file, "file_name": "申请表.pdf"}))
        .collect();
    json!({
        "item_code": ITEM,
        "region": "460106",
        "form": {"description": description},
        "materials": materials,
    })
}

/// The citizen uploads the PDF and files a case; returns (case id, file key).
async fn filed_case(site: &support::TestSite, citizen: &Api<'_>, key: &str) -> (i64, String) {
    let stored = citizen.upload(PDF.to_vec()).await;
    assert_eq!(stored.status, 201, "{}", stored.json);
    let file = stored.json["key"].as_str().expect("a key").to_owned();
    let filed = citizen
        .file(key, &application(site, &file, "迁入龙华区").await)
        .await;
    assert_eq!(filed.status, 201, "{}", filed.json);
    (filed.json["id"].as_i64().expect("an id"), file)
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn timeline(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|t| t["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

page_test!(a_case_goes_through_the_whole_api, |site| async move {
    let citizen = Api::signed_in(site, CITIZEN).await;
    let stored = citizen.upload(PDF.to_vec()).await;
    assert_eq!(stored.status, 201, "{}", stored.json);
    assert_eq!(keys(&stored.json), ["content_type", "key", "size_bytes"]);
    assert_eq!(stored.json["content_type"], "application/pdf");
    assert_eq!(stored.json["size_bytes"], PDF.len());
    let file = stored.json["key"].as_str().unwrap().to_owned();
    assert_eq!(file.len(), 64);

    let body = application(site, &file, "迁入龙华区").await;
    let filed = citizen.file("flow-case-0001", &body).await;
    assert_eq!(filed.status, 201, "{}", filed.json);
    assert_eq!(keys(&filed.json), ["deadline", "id", "number", "state"]);
    assert_eq!(filed.json["state"], "acceptance");
    assert!(filed.json["number"].as_str().unwrap().starts_with("HN"));
    assert!(filed.json["deadline"].as_str().is_some());
    assert_eq!(filed.header("idempotent-replayed"), "");
    let id = filed.json["id"].as_i64().unwrap();
    assert_eq!(filed.header("location"), format!("/api/v1/cases/{id}"));

    // A retry (a lost answer, a double click) answers the same case, marked as a replay.
    let again = citizen.file("flow-case-0001", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json, filed.json);
    assert_eq!(again.header("idempotent-replayed"), "true");
    // The same key for a different application is refused.
    let other = application(site, &file, "另一件事").await;
    let reused = citizen.file("flow-case-0001", &other).await;
    reused.error(409, "conflict");
    let mine = citizen.get("/api/v1/cases?mine=true").await;
    assert_eq!(mine.status, 200, "{}", mine.json);
    assert_eq!(keys(&mine.json), ["cases", "page", "per_page", "total"]);
    assert_eq!(mine.json["total"], 1, "one case, not three: {}", mine.json);
    assert_eq!(mine.json["cases"][0]["id"], id);

    let detail = citizen.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(detail.status, 200);
    assert_eq!(
        detail.json["applicant"]["id_number_masked"],
        "4601**********1239"
    );
    assert!(!String::from_utf8_lossy(&detail.bytes).contains(CITIZEN));
    assert_eq!(detail.json["form"]["description"], "迁入龙华区");
    let by_number = citizen
        .get(&format!(
            "/api/v1/cases/{}",
            filed.json["number"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_number.json["id"], id);

    let clerk = Api::signed_in(site, "lh_clerk").await;
    let reviewer = Api::signed_in(site, "lh_reviewer").await;
    let approver = Api::signed_in(site, "lh_approver").await;
    let inbox = clerk.get("/api/v1/cases?inbox=true").await;
    assert_eq!(inbox.status, 200, "{}", inbox.json);
    assert!(
        inbox.json["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{}",
        inbox.json
    );
    let offered = clerk.get(&format!("/api/v1/cases/{id}")).await.json;
    let allowed: Vec<&str> = offered["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert!(allowed.contains(&"accept"), "{allowed:?}");

    let accepted = clerk.act_ok(id, json!({"action": "accept"})).await;
    assert_eq!(accepted["state"], "review");
    assert!(accepted["clock"]["deadline"].as_str().is_some());

    let material = materials_to_upload(site).await[0].clone();
    let paused = reviewer
        .act_ok(
            id,
            json!({"action": "request_supplement", "materials": [material], "comment": "申请表未签字"}),
        )
        .await;
    assert_eq!(paused["clock"]["paused"], true);
    let position = paused["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == material.as_str())
        .and_then(|m| m["position"].as_i64())
        .unwrap();
    // Supplementing before the new file is there is refused, naming the materials.
    let early = citizen.act(id, json!({"action": "supplement"})).await;
    early.names("materials");

    let name = urlencoding::encode("签字后.pdf").into_owned();
    let uploaded = citizen
        .upload_material(id, position, Some(&name), SIGNED_PDF.to_vec())
        .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.json);
    assert_eq!(uploaded.json["status"], "uploaded");
    assert_eq!(uploaded.json["file_name"], "签字后.pdf");
    assert_eq!(uploaded.json["content_type"], "application/pdf");

    let resumed = citizen.act_ok(id, json!({"action": "supplement"})).await;
    assert_eq!(resumed["state"], "review");
    assert_eq!(resumed["clock"]["supplements"], 1);
    reviewer
        .act_ok(id, json!({"action": "review", "comment": "材料齐全"}))
        .await;
    approver
        .act_ok(id, json!({"action": "approve", "comment": "准予迁移"}))
        .await;
    clerk.act_ok(id, json!({"action": "complete"})).await;
    let delivered = clerk.act_ok(id, json!({"action": "deliver"})).await;
    assert_eq!(delivered["state"], "delivered");
    assert_eq!(delivered["outcome"], "approved");
    assert_eq!(
        timeline(&delivered),
        [
            "submit",
            "accept",
            "request_supplement",
            "supplement",
            "review",
            "approve",
            "complete",
            "deliver"
        ]
    );
    assert_eq!(delivered["timeline"][2]["comment"], "申请表未签字");
    assert_eq!(delivered["timeline"][2]["actor_role"], "reviewer");

    // The applicant sees the same timeline; the supplemented file downloads as an attachment.
    let seen = citizen.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(timeline(&seen.json).len(), 8);
    for viewer in [&citizen, &clerk] {
        let download = viewer
            .get(&format!("/api/v1/cases/{id}/materials/{position}/file"))
            .await;
        assert_eq!(download.status, 200);
        assert_eq!(download.bytes, SIGNED_PDF);
        assert_eq!(download.header("content-type"), "application/pdf");
        assert_eq!(download.header("x-content-type-options"), "nosniff");
        let disposition = download.header("content-disposition");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains(&format!("filename*=UTF-8''{name}")),
            "{disposition}"
        );
    }
});

page_test!(drafts_are_saved_then_submitted_once, |site| async move {
    let citizen = Api::signed_in(site, CITIZEN).await;
    let draft = citizen
        .post(
            "/api/v1/cases/drafts",
            &json!({"item_code": ITEM, "region": "460106"}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.json);
    assert_eq!(draft.json["state"], "draft");
    let id = draft.json["id"].as_i64().unwrap();
    assert!(draft.json["form_fields"].as_array().unwrap().len() >= 4);

    let saved = citizen
        .put(
            &format!("/api/v1/cases/{id}/form"),
            &json!({"contact_phone": "13800138000", "description": "草稿说明", "delivery_method": "pickup"}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.json);
    assert_eq!(saved.json["form"]["description"], "草稿说明");
    let wrong = citizen
        .put(
            &format!("/api/v1/cases/{id}/form"),
            &json!({"contact_phone": "12345", "delivery_method": 3}),
        )
        .await;
    wrong.names("form.delivery_method");
    let wrong = citizen
        .put(
            &format!("/api/v1/cases/{id}/form"),
            &json!({"contact_phone": "12345"}),
        )
        .await;
    wrong.names("form.contact_phone");

    // Submitting an incomplete draft names what is missing.
    let incomplete = read(
        citizen
            .request(reqwest::Method::POST, &format!("/api/v1/cases/{id}/submit"))
            .header("Idempotency-Key", "draft-submit-01")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let fields = incomplete.error(400, "invalid_input");
    assert!(
        fields.iter().any(|f| f.starts_with("materials.")),
        "{fields:?}"
    );

    let pending: Vec<i64> = draft.json["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "pending" && m["required"] == true)
        .map(|m| m["position"].as_i64().unwrap())
        .collect();
    for position in pending {
        let uploaded = citizen
            .upload_material(id, position, None, PDF.to_vec())
            .await;
        assert_eq!(uploaded.status, 200, "{}", uploaded.json);
    }
    let submit = |key: Option<&'static str>| {
        let mut request =
            citizen.request(reqwest::Method::POST, &format!("/api/v1/cases/{id}/submit"));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move { read(request.send().await.unwrap()).await }
    };
    let missing = submit(None).await;
    assert!(!missing.names("Idempotency-Key").is_empty());
    let submitted = submit(Some("draft-submit-02")).await;
    assert_eq!(submitted.status, 200, "{}", submitted.json);
    assert_eq!(keys(&submitted.json), ["deadline", "id", "number", "state"]);
    assert_eq!(submitted.json["id"], id);
    assert_eq!(submitted.json["state"], "acceptance");
    let again = submit(Some("draft-submit-02")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.json["number"], submitted.json["number"]);
    // A new key does not submit twice: the workflow refuses.
    let twice = submit(Some("draft-submit-03")).await;
    twice.error(409, "conflict");
    let detail = citizen.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(timeline(&detail.json), ["submit"]);
    let form_after = citizen
        .put(
            &format!("/api/v1/cases/{id}/form"),
            &json!({"description": "提交后修改"}),
        )
        .await;
    form_after.error(409, "conflict");

    let doc = Api::anonymous(site).get("/api/openapi.json").await.json;
    for (path, method) in [
        ("/api/v1/cases", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/drafts", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions", "post"),
        ("/api/v1/cases/{id}/form", "put"),
        ("/api/v1/cases/{id}/submit", "post"),
        ("/api/v1/cases/{id}/materials/{position}", "put"),
        ("/api/v1/cases/{id}/materials/{position}/file", "get"),
        ("/api/v1/files", "post"),
        ("/api/v1/accounts/persons", "post"),
        ("/api/v1/accounts/companies", "post"),
        ("/api/v1/accounts/me", "get"),
        ("/api/v1/accounts/me/consents", "post"),
        ("/api/v1/accounts/me/consents/{id}", "delete"),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} documented");
        if !path.starts_with("/api/v1/accounts/persons")
            && !path.starts_with("/api/v1/accounts/companies")
        {
            assert_eq!(
                operation["security"][0]["bearer"],
                json!([]),
                "{method} {path} needs a token"
            );
        }
    }
    assert!(doc["paths"]["/api/v1/cases"]["post"]["requestBody"].is_object());
    assert!(
        doc["paths"]["/api/v1/cases"]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
    );
    assert!(doc["components"]["schemas"]["NewCaseRequest"].is_object());
});

/// Sends `POST path` by hand with `body_len` bytes declared (`Content-Length`, nothing sent) or
/// streamed (chunked), reading the answer while writing, so that a server that answers early
/// (413) is heard. Returns the status and the body.
fn raw_post(base: &str, path: &str, token: &str, body_len: usize, chunked: bool) -> (u16, Value) {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("a read timeout");
    let mut reader = stream.try_clone().expect("a second handle");
    let reading = std::thread::spawn(move || {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 8192];
        while let Ok(read) = reader.read(&mut buffer) {
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..read]);
            let text = String::from_utf8_lossy(&answer).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head.lines().find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                });
                if length.is_some_and(|length| body.len() >= length) {
                    break;
                }
            }
        }
        answer
    });
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {body_len}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/pdf\r\nConnection: close\r\n{framing}\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
    if chunked {
        let chunk = vec![b'%'; 64 * 1024];
        let mut sent = 0;
        while sent < body_len {
            let written = stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|_| stream.write_all(&chunk))
                .and_then(|_| stream.write_all(b"\r\n"));
            if written.is_err() {
                break;
            }
            sent += chunk.len();
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    }
    let answer = reading.join().expect("the reader");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer, not {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

async fn raw_upload(base: &str, token: &str, body_len: usize, chunked: bool) -> (u16, Value) {
    let (base, token) = (base.to_owned(), token.to_owned());
    tokio::task::spawn_blocking(move || raw_post(&base, "/api/v1/files", &token, body_len, chunked))
        .await
        .expect("the raw request")
}

/// The whole router again over the same platform, with the production body limit (32 MiB).
async fn production_limits(site: &support::TestSite) -> (String, tokio::task::JoinHandle<()>) {
    let router = zerotrip_web::router(zerotrip_web::AppState::new(
        site.app.clone(),
        zerotrip_web::WebConfig {
            secure_cookies: false,
            max_body_bytes: 32 * 1024 * 1024,
            csrf_key: b"test-key".to_vec(),
        },
        None,
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
    (format!("http://{address}"), server)
}

page_test!(
    hostile_input_is_refused_and_changes_nothing,
    |site| async move {
        let citizen = Api::signed_in(site, CITIZEN).await;
        let (id, file) = filed_case(site, &citizen, "hostile-case-01").await;
        let before = citizen.get(&format!("/api/v1/cases/{id}")).await.json;

        // Uploads: too large for the server, too large for a material, not what the name says.
        let token = citizen.token.clone().unwrap();
        let (status, _) = raw_upload(&site.base, &token, 9 * 1024 * 1024, false).await;
        assert_eq!(status, 413, "beyond the test server's 8 MiB limit");
        let (status, body) = raw_upload(&site.base, &token, 9 * 1024 * 1024, true).await;
        assert_eq!(status, 413, "streamed beyond the limit: {body}");
        assert_eq!(body["error"]["code"], "payload_too_large");
        assert_eq!(body["error"]["fields"][0]["field"], "file");
        let (base, server) = production_limits(site).await;
        let production = Api::signed_in_at(site, &base, CITIZEN).await;
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(11 * 1024 * 1024, b' ');
        let too_big = production.upload(big).await;
        assert!(too_big.names("file").contains("10 MB"), "{}", too_big.json);
        let (status, _) = raw_upload(&base, &token, 33 * 1024 * 1024, false).await;
        assert_eq!(status, 413, "beyond the production limit of 32 MiB");
        server.abort();
        let exe = citizen
            .upload(b"MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode".to_vec())
            .await;
        exe.names("file");
        let empty = citizen.upload(Vec::new()).await;
        empty.names("file");

        // A draft to attack with material uploads.
        let draft = citizen
            .post(
                "/api/v1/cases/drafts",
                &json!({"item_code": ITEM, "region": "460106"}),
            )
            .await;
        assert_eq!(draft.status, 201, "{}", draft.json);
        let draft_id = draft.json["id"].as_i64().unwrap();
        let position = draft.json["materials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["status"] == "pending")
            .and_then(|m| m["position"].as_i64())
            .unwrap();
        let disguised = citizen
            .upload_material(
                draft_id,
                position,
                Some("setup.pdf"),
                b"MZ\x90\x00\x03\x00 PE executable".to_vec(),
            )
            .await;
        disguised.names("file");
        for traversal in [
            "..%2F..%2Fetc%2Fpasswd",
            "..%5C..%5Cwindows%5Cwin.ini",
            "a%00.pdf",
            "%FF%FE.pdf",
        ] {
            let refused = citizen
                .upload_material(draft_id, position, Some(traversal), PDF.to_vec())
                .await;
            refused.names("X-File-Name");
        }
        let nowhere = citizen
            .upload_material(draft_id, 99, Some("a.pdf"), PDF.to_vec())
            .await;
        nowhere.names("position");
        let draft_after = citizen.get(&format!("/api/v1/cases/{draft_id}")).await.json;
        assert_eq!(
            draft_after["materials"], draft.json["materials"],
            "no material changed"
        );
        let traversal_in_body = citizen
        .file(
            "hostile-case-02",
            &json!({"item_code": ITEM, "region": "460106", "materials": [
                {"material": materials_to_upload(site).await[0], "file": file, "file_name": "../../x.pdf"}
            ]}),
        )
        .await;
        traversal_in_body.names("materials[0].file_name");

        // Script in text is stored as text and answered as JSON data, never as markup.
        let script = "<script>alert('x')</script>";
        let scripted = citizen
            .file("hostile-case-03", &application(site, &file, script).await)
            .await;
        assert_eq!(scripted.status, 201, "{}", scripted.json);
        let scripted_id = scripted.json["id"].as_i64().unwrap();
        let shown = citizen.get(&format!("/api/v1/cases/{scripted_id}")).await;
        assert!(shown.header("content-type").starts_with("application/json"));
        assert_eq!(shown.header("x-content-type-options"), "nosniff");
        assert_eq!(shown.json["form"]["description"], script);

        // Bad codes, a missing key, unknown fields.
        let mut bad_item = application(site, &file, "x").await;
        bad_item["item_code"] = json!("HN-XK-../../1");
        citizen
            .file("hostile-case-04", &bad_item)
            .await
            .names("item_code");
        bad_item["item_code"] = json!("HN-XK-99999");
        citizen
            .file("hostile-case-05", &bad_item)
            .await
            .names("item_code");
        let mut bad_region = application(site, &file, "x").await;
        bad_region["region"] = json!("46ab");
        citizen
            .file("hostile-case-06", &bad_region)
            .await
            .names("region");
        bad_region["region"] = json!("469999");
        citizen
            .file("hostile-case-07", &bad_region)
            .await
            .names("region");
        let unkeyed = citizen.file("", &application(site, &file, "x").await).await;
        assert!(unkeyed.names("Idempotency-Key").contains("Idempotency-Key"));
        let short_key = citizen
            .file("short", &application(site, &file, "x").await)
            .await;
        short_key.names("Idempotency-Key");
        let mut extra = application(site, &file, "x").await;
        extra["applicant_name"] = json!("冒名");
        let extra = citizen.file("hostile-case-08", &extra).await;
        extra.names("applicant_name");
        let mut typed = application(site, &file, "x").await;
        typed["form"]["description"] = json!(42);
        citizen
            .file("hostile-case-09", &typed)
            .await
            .names("form.description");
        let not_json = read(
            citizen
                .request(reqwest::Method::POST, "/api/v1/cases")
                .header("Idempotency-Key", "hostile-case-10")
                .header("content-type", "text/plain")
                .body("item_code=HN-XK-00001")
                .send()
                .await
                .unwrap(),
        )
        .await;
        not_json.names("body");

        // Actions: one that does not exist, details that do not fit, a comment too long.
        let clerk = Api::signed_in(site, "lh_clerk").await;
        clerk
            .act(id, json!({"action": "approve_everything"}))
            .await
            .names("action");
        clerk
            .act(
                id,
                json!({"action": "accept", "department": "91460100MA5TQ7B2X8"}),
            )
            .await
            .names("department");
        clerk
            .act(id, json!({"action": "submit"}))
            .await
            .names("action");
        clerk
            .act(
                id,
                json!({"action": "reject", "comment": "长".repeat(2001)}),
            )
            .await
            .names("comment");
        clerk
            .act(id, json!({"comment": "无动作"}))
            .await
            .names("action");
        clerk
            .act(id, json!({"action": "accept", "sudo": true}))
            .await
            .names("sudo");
        // A refusal of the workflow: a reason is required, in Chinese.
        let no_reason = clerk.act(id, json!({"action": "reject"})).await;
        no_reason.error(409, "conflict");
        // The applicant cannot take a staff step.
        let self_accept = citizen.act(id, json!({"action": "accept"})).await;
        self_accept.error(409, "conflict");
        assert!(
            self_accept.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("受理"),
            "{}",
            self_accept.json
        );
        let bad_id = clerk.act(0, json!({"action": "accept"})).await;
        bad_id.names("id");

        let after = citizen.get(&format!("/api/v1/cases/{id}")).await.json;
        assert_eq!(after["state"], before["state"]);
        assert_eq!(after["timeline"], before["timeline"]);
        assert_eq!(after["materials"], before["materials"]);
        // Exactly the cases meant to be filed exist: the hostile one, the scripted one, the draft.
        let mine = citizen.get("/api/v1/cases?mine=true").await;
        assert_eq!(mine.json["total"], 3, "{}", mine.json);
        citizen
            .get("/api/v1/cases?mine=true&per_page=500")
            .await
            .names("per_page");
        citizen
            .get("/api/v1/cases?mine=maybe&channel=fax")
            .await
            .error(400, "invalid_input");
    }
);

page_test!(others_get_not_found, |site| async move {
    let citizen = Api::signed_in(site, CITIZEN).await;
    let (id, _) = filed_case(site, &citizen, "isolated-case-1").await;
    let position = citizen.get(&format!("/api/v1/cases/{id}")).await.json["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "uploaded")
        .and_then(|m| m["position"].as_i64())
        .unwrap();

    let anonymous = Api::anonymous(site);
    anonymous
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .error(401, "unauthenticated");
    anonymous
        .get("/api/v1/cases?mine=true")
        .await
        .error(401, "unauthenticated");
    anonymous
        .upload(PDF.to_vec())
        .await
        .error(401, "unauthenticated");

    let other = Api::signed_in(site, OTHER_CITIZEN).await;
    let market = Api::signed_in(site, "sj_clerk").await;
    let xiuying = Api::signed_in(site, "xy_clerk").await;
    for stranger in [&other, &market, &xiuying] {
        stranger
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .error(404, "not_found");
        stranger
            .act(id, json!({"action": "accept"}))
            .await
            .error(404, "not_found");
        stranger
            .act(id, json!({"action": "withdraw", "comment": "不想办了"}))
            .await
            .error(404, "not_found");
        stranger
            .get(&format!("/api/v1/cases/{id}/materials/{position}/file"))
            .await
            .error(404, "not_found");
        stranger
            .upload_material(id, position, Some("x.pdf"), PDF.to_vec())
            .await
            .error(404, "not_found");
        stranger
            .put(
                &format!("/api/v1/cases/{id}/form"),
                &json!({"description": "篡改"}),
            )
            .await
            .error(404, "not_found");
    }
    // A case id that does not exist answers exactly like someone else's.
    let missing = other.get("/api/v1/cases/999999").await;
    assert_eq!(missing.json["error"]["message"], {
        other.get(&format!("/api/v1/cases/{id}")).await.json["error"]["message"].clone()
    });
    let others_list = other.get("/api/v1/cases?mine=true").await;
    assert_eq!(others_list.json["total"], 0);

    for inbox in [
        "/api/v1/cases?inbox=true",
        "/api/v1/cases?inbox=true&all=true",
        "/api/v1/cases",
    ] {
        let listed = xiuying.get(inbox).await;
        assert_eq!(listed.status, 200, "{}", listed.json);
        assert!(
            listed.json["cases"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != id && c["handling_region_code"] != "460106"),
            "{inbox}: {}",
            listed.json
        );
        let market_list = market.get(inbox).await;
        assert!(
            market_list.json["cases"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != id),
            "{}",
            market_list.json
        );
    }
    let clerk = Api::signed_in(site, "lh_clerk").await;
    let listed = clerk
        .get("/api/v1/cases?inbox=true&q=户口迁移&channel=web")
        .await;
    assert!(
        listed.json["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{}",
        listed.json
    );
    // Applicants have no inbox, staff no "mine".
    citizen
        .get("/api/v1/cases?inbox=true")
        .await
        .error(403, "forbidden");
    clerk
        .get("/api/v1/cases?mine=true")
        .await
        .error(403, "forbidden");

    let after = citizen.get(&format!("/api/v1/cases/{id}")).await.json;
    assert_eq!(after["state"], "acceptance");
    assert_eq!(timeline(&after), ["submit"]);
    assert_eq!(after["form"]["description"], "迁入龙华区");
});

/// A resident ID number with a valid check digit.
fn resident_id(first17: &str) -> String {
    let check = resident_id_check_char(first17).expect("17 digits");
    format!("{first17}{check}")
}

fn credit_code(first17: &str) -> String {
    let check = credit_code_check_char(first17).expect("17 characters");
    format!("{first17}{check}")
}

page_test!(signing_up_checks_identity_numbers, |site| async move {
    let anonymous = Api::anonymous(site);
    let id_number = resident_id("46010619950505123");
    let wrong_check = {
        let last = id_number.chars().last().unwrap();
        let other = if last == '0' { '1' } else { '0' };
        format!("{}{other}", &id_number[..17])
    };
    let person = |id: &str| json!({"real_name": "张三丰", "id_number": id, "phone": "13912345678", "password": "sanfeng2026"});
    anonymous
        .post("/api/v1/accounts/persons", &person(&wrong_check))
        .await
        .names("id_number");
    let missing = anonymous
        .post(
            "/api/v1/accounts/persons",
            &json!({"real_name": "", "id_number": id_number, "phone": "1", "password": "short"}),
        )
        .await;
    let mut fields = missing.error(400, "invalid_input");
    fields.sort();
    assert_eq!(fields, ["password", "phone", "real_name"]);

    let created = anonymous
        .post("/api/v1/accounts/persons", &person(&id_number))
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let text = String::from_utf8_lossy(&created.bytes).into_owned();
    assert!(!text.contains(&id_number), "{text}");
    assert!(!text.contains("sanfeng2026"), "{text}");
    assert!(!text.contains("13912345678"), "{text}");
    assert_eq!(created.json["kind"], "person");
    assert_eq!(
        created.json["id_number_masked"],
        format!("4601**********{}", &id_number[14..])
    );
    assert_eq!(created.json["display_name"], "张**");
    let duplicate = anonymous
        .post("/api/v1/accounts/persons", &person(&id_number))
        .await;
    assert!(matches!(duplicate.status, 400 | 409), "{}", duplicate.json);
    assert!(
        duplicate.json["error"]["fields"][0]["field"] == "id_number",
        "{}",
        duplicate.json
    );

    let code = credit_code("91460100MA5TQ8C3X");
    let mut bad_code = code.clone();
    bad_code.replace_range(17.., if code.ends_with('0') { "1" } else { "0" });
    let company = |code: &str| {
        json!({"company_name": "海南椰林科技有限公司", "credit_code": code,
               "legal_representative": "陈椰林", "phone": "13712345678", "password": "yelin2026x"})
    };
    anonymous
        .post("/api/v1/accounts/companies", &company(&bad_code))
        .await
        .names("credit_code");
    let registered = anonymous
        .post("/api/v1/accounts/companies", &company(&code))
        .await;
    assert_eq!(registered.status, 201, "{}", registered.json);
    assert_eq!(registered.json["kind"], "company");
    assert_eq!(registered.json["credit_code"], code);
    assert!(!String::from_utf8_lossy(&registered.bytes).contains("yelin2026x"));
    let again = anonymous
        .post("/api/v1/accounts/companies", &company(&code))
        .await;
    assert!(matches!(again.status, 400 | 409), "{}", again.json);
    assert_eq!(again.json["error"]["fields"][0]["field"], "credit_code");

    // The new person signs in and records a consent for an agent.
    let token = read(
        site.raw
            .post(site.url("/api/v1/auth/token"))
            .json(&json!({"username": id_number, "password": "sanfeng2026"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(token.status, 200, "{}", token.json);
    let me = Api {
        base: site.base.clone(),
        client: &site.raw,
        token: token.json["access_token"].as_str().map(str::to_owned),
    };
    let account = me.get("/api/v1/accounts/me").await;
    assert_eq!(account.status, 200);
    assert_eq!(account.json["id"], created.json["id"]);
    assert_eq!(account.json["phone_masked"], "139****5678");
    assert!(!String::from_utf8_lossy(&account.bytes).contains(&id_number));

    me.post(
        "/api/v1/accounts/me/consents",
        &json!({"agent": OTHER_CITIZEN, "scope": ITEM, "evidence": "授权委托书 2026-001", "days": 400}),
    )
    .await
    .names("days");
    me.post(
        "/api/v1/accounts/me/consents",
        &json!({"agent": "nobody", "scope": ITEM, "evidence": "授权委托书", "days": 30}),
    )
    .await
    .names("agent");
    me.post(
        "/api/v1/accounts/me/consents",
        &json!({"agent": OTHER_CITIZEN, "scope": "everything", "evidence": "授权委托书", "days": 30}),
    )
    .await
    .names("scope");
    let granted = me
        .post(
            "/api/v1/accounts/me/consents",
            &json!({"agent": OTHER_CITIZEN, "scope": ITEM, "evidence": "授权委托书 2026-001", "days": 30}),
        )
        .await;
    assert_eq!(granted.status, 201, "{}", granted.json);
    assert_eq!(granted.json["scope"], ITEM);
    assert_eq!(granted.json["revoked"], false);
    let consent = granted.json["id"].as_i64().unwrap();
    let listed = me.get("/api/v1/accounts/me/consents").await;
    assert_eq!(listed.json["consents"].as_array().unwrap().len(), 1);
    let revoked = me
        .delete(&format!("/api/v1/accounts/me/consents/{consent}"))
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.json);
    me.delete(&format!("/api/v1/accounts/me/consents/{consent}"))
        .await
        .error(404, "not_found");
    // Nobody revokes someone else's consent.
    let other = Api::signed_in(site, OTHER_CITIZEN).await;
    other
        .delete(&format!("/api/v1/accounts/me/consents/{consent}"))
        .await
        .error(404, "not_found");
    let listed = me.get("/api/v1/accounts/me/consents").await;
    assert_eq!(listed.json["consents"][0]["revoked"], true);
});
