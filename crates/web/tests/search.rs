//! Search and the knowledge base over HTTP, on both backends: the `/api/v1/search` contract,
//! synonyms added through the admin API, items and articles found once the outbox worker ran,
//! the failed-queries list, the region restriction, and the results page's escaping,
//! "您是不是要找…" and hotline link.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::search::SearchSubscriber;

const ITEM: &str = "HN-XK-00001";

fn api() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get(
    site: &support::TestSite,
    path: &str,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let response = api()
        .get(site.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body, headers)
}

async fn token(site: &support::TestSite, username: &str) -> String {
    let response = api()
        .post(site.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn send(
    site: &support::TestSite,
    method: reqwest::Method,
    path: &str,
    bearer: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = api()
        .request(method, site.url(path))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

fn search_path(q: &str, extra: &str) -> String {
    format!(
        "/api/v1/search?{}{extra}",
        serde_urlencoded::to_string([("q", q)]).unwrap()
    )
}

fn names(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn codes(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| r["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn drain(site: &support::TestSite) {
    OutboxWorker::new(
        site.app.clone(),
        vec![Arc::new(SearchSubscriber::new(site.app.clone()))],
    )
    .drain()
    .await
    .expect("the outbox drains");
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

page_test!(
    the_search_api_answers_exactly_as_the_contract_says,
    |site| async move {
        let (status, body, headers) =
            get(site, &search_path("身份证到期了去哪换", "&limit=3")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            keys(&body),
            ["did_you_mean", "results", "took_ms", "weak"]
                .into_iter()
                .map(String::from)
                .collect()
        );
        assert!(
            body["took_ms"].is_number() && body["weak"].is_boolean(),
            "{body}"
        );
        let results = body["results"].as_array().expect("results");
        assert!(!results.is_empty() && results.len() <= 3, "{body}");
        for result in results {
            assert_eq!(
                keys(result),
                ["code", "kind", "name", "score", "snippet"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            );
            assert!(
                ["item", "bundle", "faq", "article"].contains(&result["kind"].as_str().unwrap())
            );
            assert!(result["score"].is_number());
        }
        assert_eq!(results[0]["name"], "居民身份证换领", "{body}");
        assert!(results[0]["snippet"].as_str().unwrap().contains("<mark>"));
        let log_id: i64 = headers["x-search-log-id"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();

        // Which result was opened.
        let response = api()
            .post(site.url("/api/v1/search/clicks"))
            .json(&json!({"log_id": log_id, "kind": "item", "code": results[0]["code"], "rank": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let entry = site.app.search_log_entry(log_id).await.unwrap();
        assert_eq!(entry.clicked_rank, Some(1));

        // A life event finds its bundle; pinyin works.
        let (_, birth, _) = get(site, &search_path("生孩子了要办什么", "")).await;
        assert!(
            names(&birth).iter().take(3).any(|n| n.contains("出生")),
            "{birth}"
        );
        let (_, pinyin, _) = get(site, &search_path("shebaoka", "")).await;
        assert!(names(&pinyin)[0].contains("社会保障卡"), "{pinyin}");

        // Bad input, field by field.
        let (status, body, _) = get(site, "/api/v1/search?limit=x&region=46ab").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let mut fields: Vec<String> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        fields.sort();
        assert_eq!(fields, vec!["limit", "q", "region"], "{body}");
        let (status, _, _) = get(site, &search_path("身份证", "&limit=51")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // As-you-type suggestions, also from pinyin initials.
        let (status, body, _) = get(site, "/api/v1/search/suggest?q=%E7%A4%BE%E4%BF%9D").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body["suggestions"].as_array().unwrap().is_empty(),
            "{body}"
        );
        let (_, body, _) = get(site, "/api/v1/search/suggest?q=").await;
        assert_eq!(body["suggestions"], json!([]));
    }
);

page_test!(
    an_alias_added_through_the_admin_api_is_found_by_the_next_search,
    |site| async move {
        let (_, before, _) = get(site, &search_path("小蓝本", "")).await;
        assert_ne!(
            names(&before).first().map(String::as_str),
            Some("居民身份证换领")
        );

        let anonymous = api()
            .post(site.url("/api/v1/admin/search/synonyms"))
            .json(&json!({"term": "小蓝本", "equivalents": ["居民身份证换领"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let clerk = token(site, "lh_clerk").await;
        let (status, _) = send(
            site,
            reqwest::Method::POST,
            "/api/v1/admin/search/synonyms",
            &clerk,
            json!({"term": "小蓝本", "equivalents": ["居民身份证换领"]}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let admin = token(site, "admin").await;
        let (status, change) = send(
            site,
            reqwest::Method::POST,
            "/api/v1/admin/search/synonyms",
            &admin,
            json!({"term": "小蓝本", "equivalents": ["居民身份证换领"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{change}");
        assert_eq!(change["version"], 1);

        // No reindex: the very next search uses it.
        let (_, after, _) = get(site, &search_path("小蓝本", "")).await;
        assert_eq!(names(&after)[0], "居民身份证换领", "{after}");

        let (status, overview) = send(
            site,
            reqwest::Method::GET,
            "/api/v1/admin/search/synonyms",
            &admin,
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(overview["rules"][0]["term"], "小蓝本");
        assert_eq!(overview["history"][0]["version"], 1);

        let (status, removed) = send(
            site,
            reqwest::Method::DELETE,
            "/api/v1/admin/search/synonyms/%E5%B0%8F%E8%93%9D%E6%9C%AC",
            &admin,
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{removed}");
        assert_eq!(removed["version"], 2);
        let (status, body) = send(
            site,
            reqwest::Method::POST,
            "/api/v1/admin/search/synonyms",
            &admin,
            json!({"term": "证", "equivalents": []}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
);

page_test!(
    an_item_published_through_the_admin_api_is_found_after_the_outbox_worker_runs,
    |site| async move {
        // The server's index is built (here by a first search) before the change.
        let (_, first, _) = get(site, &search_path("麒麟踏浪", "")).await;
        assert!(!codes(&first).contains(&ITEM.to_owned()), "{first}");
        let admin = token(site, "admin").await;
        let (_, editable) = send(
            site,
            reqwest::Method::GET,
            &format!("/api/v1/admin/items/{ITEM}"),
            &admin,
            Value::Null,
        )
        .await;
        let mut item = editable["published"].clone();
        item["aliases"]
            .as_array_mut()
            .expect("aliases")
            .push(json!("麒麟踏浪"));
        let (status, body) = send(
            site,
            reqwest::Method::PUT,
            &format!("/api/v1/admin/items/{ITEM}/draft"),
            &admin,
            item,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = send(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/admin/items/{ITEM}/publish"),
            &admin,
            json!({"note": "新增常用称呼"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Published, but the event has not been delivered.
        let (_, before, _) = get(site, &search_path("麒麟踏浪", "")).await;
        assert!(!codes(&before).contains(&ITEM.to_owned()), "{before}");
        drain(site).await;
        let (_, after, _) = get(site, &search_path("麒麟踏浪", "")).await;
        assert_eq!(codes(&after)[0], ITEM, "{after}");
    }
);

page_test!(
    a_failed_search_appears_in_the_failed_queries_list,
    |site| async move {
        for _ in 0..2 {
            let (_, body, _) = get(site, &search_path("火星移民签证", "")).await;
            assert_eq!(body["weak"], true, "{body}");
        }
        let admin = token(site, "admin").await;
        let (status, failed) = send(
            site,
            reqwest::Method::GET,
            "/api/v1/admin/search/failed?days=7",
            &admin,
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{failed}");
        let entry = failed["queries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["query"] == "火星移民签证")
            .cloned()
            .unwrap_or_else(|| panic!("{failed}"));
        assert_eq!(entry["count"], 2);
        assert!(entry["last_seen"].is_string());

        // The admin page lists it with a form to answer it with an alias.
        site.login("admin").await;
        let page = site.get("/admin/search/failed").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("火星移民签证");
        page.assert_contains("写一条常见问题");
        let mut fields = page.form("/admin/search/synonyms");
        support::set_field(&mut fields, "equivalents", "出入境");
        let done = site.post("/admin/search/synonyms", &fields).await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(
            done.url.contains("/admin/search/failed?done=synonym"),
            "{}",
            done.url
        );
        done.assert_contains("同义词已保存");
        done.assert_lacks("<th scope=\"row\"><a href=\"/search?q=%E7%81%AB");

        // Anonymous callers get nothing.
        let (status, _, _) = get(site, "/api/v1/admin/search/failed").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);

page_test!(
    the_results_page_escapes_the_query_and_offers_did_you_mean,
    |site| async move {
        let hostile = site
            .get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E")
            .await;
        assert_eq!(hostile.status, StatusCode::OK);
        hostile.assert_lacks("<script>alert(1)");
        hostile.assert_lacks("</script>\">");
        assert!(
            hostile.text.contains("&lt;script&gt;") || hostile.text.contains("&#60;script&#62;"),
            "the query is shown escaped"
        );
        // The hotline link carries the query, encoded.
        hostile.assert_contains("/hotline/new?q=%3Cscript%3E");

        let typo = site
            .get("/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1%E7%94%B3%E9%99%B5")
            .await;
        assert_eq!(typo.status, StatusCode::OK);
        typo.assert_contains("您是不是要找");
        typo.assert_contains("社保卡申领");
        typo.assert_contains("<mark>");

        let weak = site
            .get("/search?q=%E7%81%AB%E6%98%9F%E7%A7%BB%E6%B0%91%E7%AD%BE%E8%AF%81")
            .await;
        weak.assert_contains("没找到要办的事");
        weak.assert_contains("向 12345 提问");
        assert!(weak.text.contains("&#38;search=") || weak.text.contains("&amp;search="));

        let good = site
            .get("/search?q=%E8%BA%AB%E4%BB%BD%E8%AF%81%E6%8D%A2%E9%A2%86")
            .await;
        good.assert_contains("href=\"/items/");
        good.assert_contains("data-search-log=");

        let empty = site.get("/search").await;
        assert_eq!(empty.status, StatusCode::OK);
        empty.assert_contains("action=\"/search\"");
        let too_long = site.get(&format!("/search?q={}", "身".repeat(60))).await;
        assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
        too_long.assert_contains("搜索词最多 50 个字");

        // The home page searches here, with suggestions as people type.
        let home = site.get("/").await;
        home.assert_contains("action=\"/search\"");
        home.assert_contains("list=\"home-suggestions\"");
        home.assert_contains("/static/search.js");
        let script = site.get("/static/search.js").await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(script.header("content-type").starts_with("text/javascript"));
    }
);

page_test!(
    the_region_restricts_items_to_those_implemented_there,
    |site| async move {
        let name = site.app.item_detail(ITEM).await.unwrap().item.name;
        site.app
        .db
        .execute(
            zerotrip_store::sql(
                "DELETE FROM implementations WHERE item_code = $1 AND region_code LIKE '460106%'",
            )
            .bind(ITEM),
        )
        .await
        .unwrap();
        let (_, everywhere, _) = get(site, &search_path(&name, "")).await;
        assert_eq!(codes(&everywhere)[0], ITEM);
        let (status, longhua, _) = get(site, &search_path(&name, "&region=460106&limit=50")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!codes(&longhua).contains(&ITEM.to_owned()), "{longhua}");
        let (_, meilan, _) = get(site, &search_path(&name, "&region=460108")).await;
        assert_eq!(codes(&meilan)[0], ITEM);
        let (status, _, _) = get(site, &search_path(&name, "&region=469999")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

page_test!(
    a_knowledge_article_is_drafted_published_and_found,
    |site| async move {
        let admin = token(site, "admin").await;
        let (status, created) = send(
            site,
            reqwest::Method::POST,
            "/api/v1/admin/knowledge",
            &admin,
            json!({
                "kind": "article",
                "category": "policy",
                "title": "海口落户新政解读",
                "body": "在海口稳定就业即可申请落户。\n随迁子女同步办理。",
                "item_codes": [ITEM],
            }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let code = created["code"].as_str().unwrap().to_owned();
        let (status, _, _) = get(site, &format!("/api/v1/knowledge/{code}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, published) = send(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/admin/knowledge/{code}/publish"),
            &admin,
            json!({"note": "首次发布"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{published}");
        assert_eq!(published["version"], 1);
        drain(site).await;
        let (_, found, _) = get(site, &search_path("海口落户新政", "")).await;
        let hit = found["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{found}"));
        assert_eq!(hit["kind"], "article");

        // The public page, linked from the results page.
        let page = site.get(&format!("/knowledge/{code}")).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("海口落户新政解读");
        page.assert_contains("<p>随迁子女同步办理。</p>");
        page.assert_contains(&format!("href=\"/items/{ITEM}\""));
        let results = site
            .get("/search?q=%E6%B5%B7%E5%8F%A3%E8%90%BD%E6%88%B7%E6%96%B0%E6%94%BF")
            .await;
        results.assert_contains(&format!("href=\"/knowledge/{code}\""));
        site.get("/knowledge")
            .await
            .assert_contains("海口落户新政解读");

        // Version 2 through the draft; version 1 stays as it was.
        let (status, _) = send(
        site,
        reqwest::Method::PUT,
        &format!("/api/v1/admin/knowledge/{code}/draft"),
        &admin,
        json!({"title": "海口落户新政解读（修订）", "body": "稳定就业满一年。", "category": "policy", "item_codes": [ITEM]}),
    )
    .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = send(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/admin/knowledge/{code}/publish"),
            &admin,
            json!({"review_due": "2099-01-01"}),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "the review date is at most three years away"
        );
        let (status, second) = send(
            site,
            reqwest::Method::POST,
            &format!("/api/v1/admin/knowledge/{code}/publish"),
            &admin,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{second}");
        assert_eq!(second["version"], 2);
        let (_, first) = send(
            site,
            reqwest::Method::GET,
            &format!("/api/v1/admin/knowledge/{code}/versions/1"),
            &admin,
            Value::Null,
        )
        .await;
        assert_eq!(first["content"]["title"], "海口落户新政解读");
        let (_, versions) = send(
            site,
            reqwest::Method::GET,
            &format!("/api/v1/admin/knowledge/{code}/versions"),
            &admin,
            Value::Null,
        )
        .await;
        assert_eq!(versions["versions"].as_array().unwrap().len(), 2);

        // An FAQ through the admin pages, in the one place for the item.
        site.login("admin").await;
        let one_place = site.get(&format!("/admin/items/{ITEM}/knowledge")).await;
        assert_eq!(one_place.status, StatusCode::OK);
        one_place.assert_contains("迁户口");
        one_place.assert_contains("海口落户新政解读（修订）");
        let form = site
            .get(&format!("/admin/knowledge/new?kind=faq&item={ITEM}"))
            .await;
        let mut fields = form.form("/admin/knowledge/new");
        support::set_field(&mut fields, "title", "孩子上学要把户口迁过来吗");
        support::set_field(&mut fields, "body", "不必，居住证即可申请入学。");
        let created = site.post("/admin/knowledge/new", &fields).await;
        assert_eq!(created.status, StatusCode::OK);
        created.assert_contains("已创建草稿");
        let faq_code = created
            .url
            .rsplit('/')
            .next()
            .and_then(|tail| tail.split('?').next())
            .unwrap()
            .to_owned();
        assert!(faq_code.starts_with("FAQ-"), "{}", created.url);
        let publish = created.form(&format!("/admin/knowledge/{faq_code}/publish"));
        let done = site
            .post(&format!("/admin/knowledge/{faq_code}/publish"), &publish)
            .await;
        done.assert_contains("已发布");
        let list = site.get("/admin/knowledge").await;
        list.assert_contains(&faq_code);
        list.assert_contains("海口落户新政解读（修订）");
        // A bad form answers with the problem, not an error page.
        let mut bad = form.form("/admin/knowledge/new");
        support::set_field(&mut bad, "title", "x");
        let refused = site.post("/admin/knowledge/new", &bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        refused.assert_contains("请填写问题");
    }
);
