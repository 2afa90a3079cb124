//! The JSON API through HTTP: contracts, field errors, authorisation, on both backends.

mod support;

use serde_json::{Value, json};

async fn get_json(site: &support::TestSite, path: &str) -> (u16, Value) {
    let response = site
        .client
        .get(site.url(path))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body)
}

/// Asserts the structured error shape and returns the named fields.
#[track_caller]
fn error_fields(body: &Value, code: &str) -> Vec<String> {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["fields"]
        .as_array()
        .expect("fields is a list")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn token(site: &support::TestSite, username: &str) -> String {
    let response = site
        .client
        .post(site.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_owned()
}

page_test!(items_list_filters_and_pages, |site| async move {
    let (status, body) = get_json(site, "/api/v1/items?q=身份证&per_page=2").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 4);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, page2) = get_json(site, "/api/v1/items?q=身份证&per_page=2&page=2").await;
    assert_ne!(page2["items"][0]["code"], body["items"][0]["code"]);

    let (_, all) = get_json(site, "/api/v1/items?per_page=100").await;
    assert_eq!(all["total"], 227);
    let (_, birth) = get_json(site, "/api/v1/items?theme=出生").await;
    assert!(
        birth["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["themes"].as_array().unwrap().contains(&json!("出生")))
    );
    let (_, police) = get_json(site, "/api/v1/items?department=公安机关&per_page=100").await;
    assert!(
        police["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["department"] == "公安机关")
    );
    let (_, province) = get_json(site, "/api/v1/items?region=460000&per_page=100").await;
    let (_, longhua) = get_json(site, "/api/v1/items?region=460106&per_page=100").await;
    assert!(province["total"].as_i64().unwrap() < longhua["total"].as_i64().unwrap());

    let (status, body) = get_json(
        site,
        "/api/v1/items?per_page=0&page=x&theme=不存在&region=46ab",
    )
    .await;
    assert_eq!(status, 400);
    let mut fields = error_fields(&body, "invalid_input");
    fields.sort();
    assert_eq!(fields, vec!["page"]);
    let (status, body) = get_json(
        site,
        "/api/v1/items?per_page=0&theme=不存在&region=46ab&department=91460100MA5TQ7B2X9",
    )
    .await;
    assert_eq!(status, 400);
    let mut fields = error_fields(&body, "invalid_input");
    fields.sort();
    assert_eq!(fields, vec!["department", "per_page", "region", "theme"]);
});

page_test!(an_item_carries_every_element, |site| async move {
    let (status, item) = get_json(site, "/api/v1/items/HN-XK-00001").await;
    assert_eq!(status, 200);
    for element in [
        "code",
        "basic_code",
        "name",
        "item_type",
        "basis",
        "levels",
        "targets",
        "conditions",
        "materials",
        "legal_days",
        "promised_days",
        "on_site_visits",
        "modes",
        "online_depth",
        "fee",
        "result",
        "cross_region",
        "optimization",
        "faqs",
        "themes",
        "version",
        "published_at",
        "exempt_materials",
    ] {
        assert!(item.get(element).is_some(), "missing {element} in {item}");
    }
    assert_eq!(item["version"], 1);
    let (status, body) = get_json(site, "/api/v1/items/HN%2F..%2Fx").await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body, "invalid_input"), vec!["code"]);
    let (status, body) = get_json(site, "/api/v1/items/HN-XK-99999").await;
    assert_eq!(status, 404);
    error_fields(&body, "not_found");
    let (status, body) = get_json(site, "/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    error_fields(&body, "not_found");

    // A township is served by its county-level unit for an item implemented only at 市县级.
    let (_, all) = get_json(site, "/api/v1/items?per_page=100").await;
    let county_only = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["levels"] == json!(["市县级"]))
        .expect("a 市县级-only item");
    let code = county_only["code"].as_str().unwrap();
    let (_, guide) = get_json(
        site,
        &format!("/api/v1/items/{code}/guide?region=460106001"),
    )
    .await;
    assert_eq!(guide["implementation"]["region_code"], "460106");
    let (_, guide) = get_json(site, "/api/v1/items/HN-XK-00001/guide?region=460106001").await;
    assert_eq!(
        guide["implementation"]["region_code"], "460106001",
        "a township item is served there"
    );
    let (_, list) = get_json(site, "/api/v1/items/HN-XK-00001/implementations").await;
    let codes: Vec<&str> = list["implementations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 31 && c.ends_with(item["basic_code"].as_str().unwrap()))
    );
});

page_test!(regions_and_the_calendar, |site| async move {
    let (_, regions) = get_json(site, "/api/v1/regions").await;
    assert_eq!(regions["total"], 275);
    let (_, longhua) = get_json(site, "/api/v1/regions/460106").await;
    assert_eq!(longhua["full_name"], "海南省海口市龙华区");
    assert_eq!(longhua["ancestors"][0]["code"], "460100");
    assert!(
        longhua["children"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["level"] == "township")
    );
    let township = longhua["children"][0]["code"].as_str().unwrap().to_owned();
    let (_, villages) = get_json(site, &format!("/api/v1/regions/{township}")).await;
    assert!(
        villages["children"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["level"] == "village")
    );
    let (status, body) = get_json(site, "/api/v1/regions/4601").await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body, "invalid_input"), vec!["code"]);
    let (status, _) = get_json(site, "/api/v1/regions/469999").await;
    assert_eq!(status, 404);

    for (from, days, expected) in [
        ("2024-02-08", 1, "2024-02-09"),
        ("2024-02-09", 1, "2024-02-18"),
        ("2024-09-27", 5, "2024-10-10"),
        ("2024-09-27", 0, "2024-09-27"),
    ] {
        let (status, body) = get_json(
            site,
            &format!("/api/v1/calendar/add-working-days?from={from}&days={days}"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["date"], expected, "{from} + {days}");
    }
    let (status, body) = get_json(
        site,
        "/api/v1/calendar/add-working-days?from=2024-02-30&days=-1",
    )
    .await;
    assert_eq!(status, 400);
    let mut fields = error_fields(&body, "invalid_input");
    fields.sort();
    assert_eq!(fields, vec!["days", "from"]);
    let (status, body) = get_json(
        site,
        "/api/v1/calendar/add-working-days?from=2024-01-01&days=4000",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body, "invalid_input"), vec!["days"]);
    let (_, day) = get_json(site, "/api/v1/calendar/days/2024-02-18").await;
    assert_eq!(day["working_day"], true);
});

page_test!(zero_trip_and_reductions, |site| async move {
    let (status, list) = get_json(site, "/api/v1/zero-trip?region=460106").await;
    assert_eq!(status, 200);
    assert_eq!(list["publication"]["id"], 1);
    assert!(list["total"].as_u64().unwrap() > 100);
    assert!(
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["region_code"].as_str().unwrap().starts_with("460106"))
    );
    let (status, body) = get_json(site, "/api/v1/zero-trip?region=abc").await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body, "invalid_input"), vec!["region"]);
    let (_, reductions) = get_json(site, "/api/v1/reductions").await;
    assert_eq!(reductions["summary"]["item_count"], 227);
    assert!(
        reductions["summary"]["materials"]["average_before"]
            .as_f64()
            .unwrap()
            > reductions["summary"]["materials"]["average_after"]
                .as_f64()
                .unwrap()
    );
    let (_, doc) = get_json(site, "/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/items",
        "/api/v1/items/{code}",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/zero-trip",
        "/api/v1/calendar/add-working-days",
        "/api/v1/auth/token",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let (status, _) = get_json(site, "/readyz").await;
    assert_eq!(status, 200);
    let metrics = site
        .client
        .get(site.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("zerotrip_http_requests_total"));
});

page_test!(
    staff_endpoints_need_a_token_and_the_right_role,
    |site| async move {
        let client = &site.client;
        let wrong = client
            .post(site.url("/api/v1/auth/token"))
            .json(&json!({"username": "admin", "password": "nope12345"}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status().as_u16(), 401);
        error_fields(&wrong.json().await.unwrap(), "unauthenticated");
        let anonymous = client
            .get(site.url("/api/v1/admin/catalog/check"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        let forged = client
            .get(site.url("/api/v1/admin/catalog/check"))
            .bearer_auth("forged")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 401);

        let admin = token(site, "admin").await;
        let region = token(site, "longhua").await;
        let check: Value = client
            .get(site.url("/api/v1/admin/catalog/check"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (check["errors"].as_u64(), check["warnings"].as_u64()),
            (Some(0), Some(0))
        );

        let (_, mut item) = get_json(site, "/api/v1/items/HN-GG-00001").await;
        let object = item.as_object_mut().unwrap();
        for extra in [
            "version",
            "published_at",
            "zero_trip",
            "exempt_materials",
            "bundles",
            "implementation_count",
        ] {
            object.remove(extra);
        }
        item["promised_days"] = json!(8);
        let put = |token: String, body: Value, path: &'static str| {
            let request = client.put(site.url(path)).bearer_auth(token).json(&body);
            async move { request.send().await.unwrap() }
        };
        let refused = put(
            region.clone(),
            item.clone(),
            "/api/v1/admin/items/HN-GG-00001/draft",
        )
        .await;
        assert_eq!(refused.status().as_u16(), 403);
        let mismatched = put(
            admin.clone(),
            item.clone(),
            "/api/v1/admin/items/HN-GG-00002/draft",
        )
        .await;
        assert_eq!(mismatched.status().as_u16(), 400);
        let mut broken = item.clone();
        broken["materials"][0]["source"] = json!("自备");
        let broken = put(
            admin.clone(),
            broken,
            "/api/v1/admin/items/HN-GG-00001/draft",
        )
        .await;
        assert_eq!(broken.status().as_u16(), 400);
        assert_eq!(
            error_fields(&broken.json().await.unwrap(), "invalid_input"),
            vec!["materials[0].source"]
        );

        let saved = put(admin.clone(), item, "/api/v1/admin/items/HN-GG-00001/draft").await;
        assert_eq!(saved.status().as_u16(), 200);
        let published = client
            .post(site.url("/api/v1/admin/items/HN-GG-00001/publish"))
            .bearer_auth(&admin)
            .json(&json!({"note": "接口测试"}))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status().as_u16(), 200);
        let published: Value = published.json().await.unwrap();
        assert_eq!(published["version"], 2);
        let (_, versions) = get_json(site, "/api/v1/items/HN-GG-00001/versions").await;
        assert_eq!(versions["versions"][0]["note"], "接口测试");

        let audit = client
            .get(site.url("/api/v1/admin/audit?action=catalog.item"))
            .bearer_auth(&region)
            .send()
            .await
            .unwrap();
        assert_eq!(audit.status().as_u16(), 403);
        let audit: Value = client
            .get(site.url("/api/v1/admin/audit?action=catalog.item"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(audit["records"][0]["action"], "catalog.item.publish");
        assert_eq!(audit["records"][0]["actor"], "admin");
    }
);

page_test!(
    a_malformed_import_through_the_api_writes_nothing,
    |site| async move {
        let admin = token(site, "admin").await;
        let response = site
        .client
        .post(site.url("/api/v1/admin/catalog/import"))
        .bearer_auth(&admin)
        .json(&json!({"format": "json", "content": "[{\"code\": \"HN-XK-00001\"", "publish": true}))
        .send()
        .await
        .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("未写入任何数据"),
            "{body}"
        );
        let (_, item) = get_json(site, "/api/v1/items/HN-XK-00001").await;
        assert_eq!(item["version"], 1);
    }
);

page_test!(
    cookie_sessions_need_the_csrf_header_on_the_api,
    |site| async move {
        site.login("admin").await;
        let (_, item) = get_json(site, "/api/v1/items/HN-GG-00001").await;
        let without = site
            .client
            .post(site.url("/api/v1/admin/zero-trip/publish"))
            .json(&json!({"note": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(without.status().as_u16(), 403);
        error_fields(&without.json().await.unwrap(), "csrf_failed");
        assert_eq!(item["version"], 1);
        let with = site
            .client
            .post(site.url("/api/v1/admin/zero-trip/publish"))
            .header("x-csrf-token", site.csrf().await)
            .json(&json!({"note": "x"}))
            .send()
            .await
            .unwrap();
        // Accepted past CSRF: the list is unchanged, so the use case answers 409.
        assert_eq!(with.status().as_u16(), 409);
    }
);
