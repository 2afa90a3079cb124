//! The HTML pages over HTTP, on SQLite and PostgreSQL: what the public sees, what staff can and
//! cannot do, and the protections every page has (CSRF, escaping, safe redirects).

mod support;

use reqwest::StatusCode;
use support::{TestSite, set_field};

/// The public guide of the identity-card item, optionally in a region.
const ID_CARD: &str = "HN-GG-00001";

/// A county-level implementation of the identity-card item outside 龙华区 (460106): 秀英区.
async fn implementation_code(site: &TestSite, item: &str, region: &str) -> String {
    site.app
        .item_implementations(item)
        .await
        .expect("implementations")
        .into_iter()
        .find(|m| m.region_code == region)
        .unwrap_or_else(|| panic!("{item} is implemented in {region}"))
        .code
}

page_test!(home_lists_themes_and_popular_items, |site| async move {
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<html lang=\"zh-CN\">");
    page.assert_contains("海南政务服务");
    page.assert_contains("跳到主要内容");
    page.assert_contains("<main id=\"main\"");
    page.assert_contains("12345");
    // Every one of the 28 themes, linked to the filtered list.
    for theme in ["出生", "开办企业", "退役", "身后", "证照办理"] {
        page.assert_contains(&format!(
            "href=\"/items?theme={}\"",
            urlencoding_theme(theme)
        ));
    }
    assert_eq!(page.text.matches("class=\"theme-tile\"").count(), 28);
    // Popular items and the bundles.
    page.assert_contains("热门事项");
    page.assert_contains("城乡居民基本医疗保险费缴纳");
    page.assert_contains("新生儿出生一件事");
    page.assert_contains("action=\"/search\"");
    page.assert_contains("aria-current=\"page\">首页");
    // Searching from the home page.
    let results = site
        .get("/items?q=%E5%8A%9E%E8%BA%AB%E4%BB%BD%E8%AF%81")
        .await;
    assert_eq!(results.status, StatusCode::OK);
    results.assert_contains("居民身份证首次申领");
});

fn urlencoding_theme(theme: &str) -> String {
    serde_urlencoded::to_string([("t", theme)])
        .expect("encodable")
        .trim_start_matches("t=")
        .to_owned()
}

page_test!(
    guide_marks_exempt_materials_and_shows_the_local_department,
    |site| async move {
        let page = site.get(&format!("/items/{ID_CARD}")).await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("居民身份证首次申领");
        page.assert_contains("免提交");
        page.assert_contains("通过电子证照库调取“居民户口簿”");
        page.assert_contains("如今天受理，预计");
        page.assert_contains("60 个工作日");
        page.assert_contains(&format!("href=\"/items/{ID_CARD}/versions\""));
        page.assert_contains("<select id=\"region\" name=\"region\"");
        page.assert_lacks("海口市公安局龙华分局");

        let local = site.get(&format!("/items/{ID_CARD}?region=460106")).await;
        assert_eq!(local.status, StatusCode::OK);
        local.assert_contains("海口市公安局龙华分局");
        local.assert_contains("办理地点");
        local.assert_contains("<option value=\"460106\" selected>");

        let history = site.get(&format!("/items/{ID_CARD}/versions")).await;
        history.assert_contains("第 1 版");
        let version = site.get(&format!("/items/{ID_CARD}/versions/1")).await;
        assert_eq!(version.status, StatusCode::OK);
        version.assert_contains("居民户口簿");
    }
);

page_test!(
    unknown_and_malformed_items_are_chinese_error_pages,
    |site| async move {
        let missing = site.get("/items/HN-XX-99999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        missing.assert_contains("<html lang=\"zh-CN\"");
        missing.assert_contains("页面不存在");
        missing.assert_contains("不存在或尚未发布");
        missing.assert_contains("海南政务服务");

        let malformed = site.get("/items/HN%2F..%2Fx").await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        malformed.assert_contains("请求有误");
        malformed.assert_contains("事项编码只能包含英文字母、数字和连字符");

        let bad_version = site.get(&format!("/items/{ID_CARD}/versions/abc")).await;
        assert_eq!(bad_version.status, StatusCode::BAD_REQUEST);

        let nowhere = site.get("/no-such-page").await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        nowhere.assert_contains("您访问的页面不存在");
        // The error page keeps the visitor's own layout: the elder toggle works on it.
        nowhere.assert_contains("action=\"/preferences/elder\"");
    }
);

page_test!(
    staff_pages_send_visitors_to_the_login_form,
    |site| async move {
        let redirect = site.get_raw("/admin/items").await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);
        assert_eq!(
            redirect.header("location"),
            "/admin/login?next=%2Fadmin%2Fitems"
        );
        let page = site.get("/admin").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.url.contains("/admin/login"), "ended at {}", page.url);
        page.assert_contains("工作人员登录");
        page.assert_contains("autocomplete=\"current-password\"");
    }
);

page_test!(
    a_wrong_password_is_answered_in_chinese_on_the_form,
    |site| async move {
        let page = site
            .submit(
                "/admin/login",
                &[("username", "admin"), ("password", "wrong-password-1")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        page.assert_contains("用户名或密码错误");
        page.assert_contains("value=\"admin\"");
        page.assert_contains("aria-invalid=\"true\"");
        // Still signed out.
        let admin = site.get("/admin").await;
        assert!(admin.url.contains("/admin/login"));
    }
);

page_test!(
    a_post_without_the_csrf_field_is_refused_and_changes_nothing,
    |site| async move {
        site.login("admin").await;
        let editor = site.get(&format!("/admin/items/{ID_CARD}")).await;
        let mut fields = editor.form(&format!("/admin/items/{ID_CARD}"));
        set_field(&mut fields, "promised_days", "3");
        fields.retain(|(name, _)| name != "csrf");
        let refused = site.post(&format!("/admin/items/{ID_CARD}"), &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        refused.assert_contains("页面已过期或请求来源无法确认");
        refused.assert_contains("<html lang=\"zh-CN\"");
        // A forged token fails the same way.
        fields.push(("csrf".to_owned(), "forged.0000".to_owned()));
        let forged = site.post(&format!("/admin/items/{ID_CARD}"), &fields).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let editor = site.get(&format!("/admin/items/{ID_CARD}")).await;
        editor.assert_contains("已发布第 1 版，没有草稿");
        let public = site.get(&format!("/items/{ID_CARD}")).await;
        public.assert_contains("10 个工作日");
    }
);

page_test!(
    an_edit_is_a_draft_until_it_is_published,
    |site| async move {
        site.login("admin").await;
        let path = format!("/admin/items/{ID_CARD}");
        let editor = site.get(&path).await;
        editor.assert_contains("已发布第 1 版，没有草稿");
        let mut fields = editor.form(&path);
        set_field(&mut fields, "promised_days", "7");
        let saved = site.post(&path, &fields).await;
        assert_eq!(saved.status, StatusCode::OK);
        saved.assert_contains("草稿已保存");
        saved.assert_contains("承诺办结时限由“10 个工作日”改为“7 个工作日”");
        saved.assert_contains("发布为第 2 版");

        // The public still sees version 1.
        let public = site.get(&format!("/items/{ID_CARD}")).await;
        public.assert_contains("10 个工作日");
        public.assert_lacks("7 个工作日");
        public.assert_contains("第 1 版");

        let published = site
            .submit(
                &format!("/admin/items/{ID_CARD}/publish"),
                &[("note", "缩短承诺时限")],
            )
            .await;
        assert_eq!(published.status, StatusCode::OK);
        published.assert_contains("已发布为第 2 版");

        let public = site.get(&format!("/items/{ID_CARD}")).await;
        public.assert_contains("7 个工作日");
        public.assert_contains("第 2 版");
        let history = site.get(&format!("/items/{ID_CARD}/versions")).await;
        history.assert_contains("第 2 版");
        history.assert_contains("缩短承诺时限");
        history.assert_contains("承诺办结时限由“10 个工作日”改为“7 个工作日”");
        // The editor now lists it as version 2 without a draft.
        let list = site
            .get("/admin/items?q=%E5%B1%85%E6%B0%91%E8%BA%AB%E4%BB%BD%E8%AF%81")
            .await;
        list.assert_contains("已发布 v2");
    }
);

page_test!(
    bad_input_and_quality_errors_are_shown_next_to_the_fields,
    |site| async move {
        site.login("admin").await;
        let path = format!("/admin/items/{ID_CARD}");
        let editor = site.get(&path).await;
        let mut fields = editor.form(&path);
        set_field(&mut fields, "legal_days", "六十");
        let rejected = site.post(&path, &fields).await;
        assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
        rejected.assert_contains("法定办结时限应填写不小于 0 的整数");
        rejected.assert_contains("href=\"#field-legal_days\"");
        rejected.assert_contains("value=\"六十\"");

        // A promise longer than the legal limit saves as a draft but cannot be published.
        let mut fields = site.get(&path).await.form(&path);
        set_field(&mut fields, "promised_days", "90");
        let saved = site.post(&path, &fields).await;
        assert_eq!(saved.status, StatusCode::OK);
        saved.assert_contains("草稿已保存");
        let refused = site
            .submit(&format!("/admin/items/{ID_CARD}/publish"), &[("note", "")])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        refused.assert_contains("不能发布");
        refused.assert_contains("id=\"e-promised_days\"");
        let public = site.get(&format!("/items/{ID_CARD}")).await;
        public.assert_contains("10 个工作日");

        // Discarding the draft brings the published content back into the editor.
        let discarded = site
            .submit(&format!("/admin/items/{ID_CARD}/discard"), &[])
            .await;
        discarded.assert_contains("草稿已删除");
        discarded.assert_contains("已发布第 1 版，没有草稿");
    }
);

page_test!(
    the_json_editor_saves_a_draft_and_names_bad_fields,
    |site| async move {
        site.login("admin").await;
        let path = format!("/admin/items/{ID_CARD}");
        let editor = site.get(&path).await;
        let json_form = editor.form(&format!("/admin/items/{ID_CARD}/json"));
        let json = &json_form
            .iter()
            .find(|(name, _)| name == "json")
            .expect("a json field")
            .1;
        let broken = json.replacen(
            "\"item_type\": \"公共服务\"",
            "\"item_type\": \"公共服务们\"",
            1,
        );
        assert_ne!(&broken, json, "the item type is in the JSON");
        let rejected = site
            .submit(
                &format!("/admin/items/{ID_CARD}/json"),
                &[("json", &broken)],
            )
            .await;
        assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
        rejected.assert_contains("JSON 内容有误（位置：item_type）");

        let changed = json.replacen("\"yearly_volume\": 150000", "\"yearly_volume\": 160000", 1);
        assert_ne!(&changed, json);
        let saved = site
            .submit(
                &format!("/admin/items/{ID_CARD}/json"),
                &[("json", &changed)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK);
        saved.assert_contains("草稿已保存");
        saved.assert_contains("年办件量");
    }
);

page_test!(
    a_region_admin_cannot_publish_or_edit_other_regions,
    |site| async move {
        site.login("longhua").await;
        let path = format!("/admin/items/{ID_CARD}");
        let editor = site.get(&path).await;
        assert_eq!(editor.status, StatusCode::OK);
        editor.assert_contains("修改和发布需要“省级管理员”权限");

        let publish = site
            .submit(
                &format!("/admin/items/{ID_CARD}/publish"),
                &[("note", "试图发布")],
            )
            .await;
        assert_eq!(publish.status, StatusCode::FORBIDDEN);
        publish.assert_contains("没有权限");
        publish.assert_contains("需要“省级管理员”权限");

        let zero_trip = site
            .submit("/admin/zero-trip/publish", &[("note", "试图发布")])
            .await;
        assert_eq!(zero_trip.status, StatusCode::FORBIDDEN);

        // Outside 龙华区: refused, and nothing changes.
        let xiuying = implementation_code(site, ID_CARD, "460105").await;
        let form_path = format!("/admin/implementations/{xiuying}");
        let page = site.get(&form_path).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut fields = page.form(&form_path);
        set_field(&mut fields, "address", "被改掉的地址");
        let refused = site.post(&form_path, &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        refused.assert_contains("只能维护本区域、本部门的实施清单");
        let public = site.get(&format!("/items/{ID_CARD}?region=460105")).await;
        public.assert_lacks("被改掉的地址");

        // Inside 龙华区: saved, with the check's findings.
        let longhua = implementation_code(site, ID_CARD, "460106").await;
        let form_path = format!("/admin/implementations/{longhua}");
        let mut fields = site.get(&form_path).await.form(&form_path);
        set_field(&mut fields, "address", "龙华区政务服务中心二楼 5 号窗口");
        set_field(&mut fields, "complaint_phone", "");
        let saved = site.post(&form_path, &fields).await;
        assert_eq!(saved.status, StatusCode::OK);
        saved.assert_contains("实施清单已保存");
        saved.assert_contains("监督投诉电话未填写");
        let public = site.get(&format!("/items/{ID_CARD}?region=460106")).await;
        public.assert_contains("龙华区政务服务中心二楼 5 号窗口");
    }
);

page_test!(
    script_in_a_text_field_is_rendered_escaped,
    |site| async move {
        site.login("admin").await;
        let path = format!("/admin/items/{ID_CARD}");
        let mut fields = site.get(&path).await.form(&path);
        let aliases = fields
            .iter()
            .find(|(name, _)| name == "aliases")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        set_field(
            &mut fields,
            "aliases",
            &format!("{aliases}\n<script>alert(1)</script>"),
        );
        let saved = site.post(&path, &fields).await;
        assert_eq!(saved.status, StatusCode::OK);
        saved.assert_lacks("<script>alert(1)</script>");
        saved.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
        let published = site
            .submit(
                &format!("/admin/items/{ID_CARD}/publish"),
                &[("note", "别名")],
            )
            .await;
        assert_eq!(published.status, StatusCode::OK);
        let public = site.get(&format!("/items/{ID_CARD}")).await;
        public.assert_lacks("<script>alert(1)</script>");
        public.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
        let list = site.get("/items?q=alert").await;
        list.assert_lacks("<script>alert(1)</script>");
        list.assert_contains("居民身份证首次申领");
    }
);

page_test!(elderly_mode_is_a_cookie_and_a_class, |site| async move {
    let page = site.get("/items").await;
    page.assert_contains("<html lang=\"zh-CN\">");
    let csrf = page.csrf();
    let toggled = site
        .post_raw(
            "/preferences/elder",
            &[
                ("csrf".to_owned(), csrf.clone()),
                ("on".to_owned(), "1".to_owned()),
                ("back".to_owned(), "/items?q=%E5%85%BB%E8%80%81".to_owned()),
            ],
        )
        .await;
    assert_eq!(toggled.status, StatusCode::SEE_OTHER);
    assert_eq!(toggled.header("location"), "/items?q=%E5%85%BB%E8%80%81");
    let cookie = toggled.header("set-cookie");
    assert!(cookie.starts_with("zt_elder=1"), "{cookie}");
    assert!(cookie.contains("Max-Age=31536000"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let page = site.get("/").await;
    page.assert_contains("<html lang=\"zh-CN\" class=\"elder\">");
    page.assert_contains("关闭长辈模式");

    // Never a redirect off the site.
    for back in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let answer = site
            .post_raw(
                "/preferences/elder",
                &[
                    ("csrf".to_owned(), csrf.clone()),
                    ("on".to_owned(), "0".to_owned()),
                    ("back".to_owned(), back.to_owned()),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.header("location"), "/", "back={back}");
    }
    let page = site.get("/").await;
    page.assert_lacks("class=\"elder\"");
    // Without the token the toggle is refused like any other form.
    let refused = site
        .post("/preferences/elder", &[("on".to_owned(), "1".to_owned())])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
});

page_test!(
    login_only_returns_to_pages_on_this_site,
    |site| async move {
        let csrf = site.csrf().await;
        let answer = site
            .post_raw(
                "/admin/login",
                &[
                    ("csrf".to_owned(), csrf),
                    ("username".to_owned(), "admin".to_owned()),
                    ("password".to_owned(), support::DEMO_PASSWORD.to_owned()),
                    ("next".to_owned(), "https://evil.example/admin".to_owned()),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.header("location"), "/admin");
        let cookie = answer.header("set-cookie");
        assert!(cookie.starts_with("zt_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        let dashboard = site.get("/admin").await;
        dashboard.assert_contains("工作台");
        assert_eq!(dashboard.header("cache-control"), "no-store");
        assert_eq!(
            site.get("/").await.header("cache-control"),
            "private, no-cache"
        );
        dashboard.assert_contains("省级事项管理员");
        // Signing out ends the session.
        let out = site.submit("/admin/logout", &[]).await;
        assert_eq!(out.status, StatusCode::OK);
        let after = site.get("/admin").await;
        assert!(after.url.contains("/admin/login"), "ended at {}", after.url);
    }
);

page_test!(
    the_zero_trip_list_downloads_with_a_chinese_header,
    |site| async move {
        let page = site.get("/zero-trip?region=460106").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("零跑动清单");
        page.assert_contains("海口市龙华区");
        page.assert_contains("按部门统计");
        page.assert_contains("href=\"/zero-trip/export.csv?region=460106\"");

        let csv = site.get("/zero-trip/export.csv?region=460106").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert!(
            csv.header("content-disposition").starts_with("attachment;"),
            "{}",
            csv.header("content-disposition")
        );
        assert!(csv.text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
        let header = csv.text.lines().next().unwrap_or_default();
        assert!(header.contains("事项编码"), "{header}");
        assert!(header.contains("零跑动依据"), "{header}");
        assert!(csv.text.contains("海南省海口市龙华区"));

        let json = site.get("/zero-trip/export.json?region=460106").await;
        assert_eq!(json.status, StatusCode::OK);
        let value: serde_json::Value = serde_json::from_str(&json.text).expect("JSON");
        assert_eq!(value["region"]["code"], "460106");

        let history = site.get("/zero-trip/history").await;
        history.assert_contains("第 1 期");
        history.assert_contains("首期零跑动清单");

        let unknown = site.get("/zero-trip?region=469999").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);

page_test!(
    reductions_have_an_svg_chart_with_a_text_alternative,
    |site| async move {
        let page = site.get("/reductions").await;
        assert_eq!(page.status, StatusCode::OK);
        page.assert_contains("<svg");
        page.assert_contains("role=\"img\"");
        page.assert_contains("<title id=\"reduction-chart-title\">");
        page.assert_contains("aria-labelledby=\"reduction-chart-title\"");
        page.assert_contains("<desc id=\"reduction-chart-desc\">");
        page.assert_contains("<caption>四减数据");
        page.assert_contains("份由电子证照替代");
        page.assert_contains("居民身份证首次申领");
    }
);

page_test!(browsing_pages_and_staff_reports_render, |site| async move {
    for (path, needle) in [
        ("/items?theme=%E5%87%BA%E7%94%9F&page=1", "找到"),
        ("/items?region=460106", "地区：海口市龙华区"),
        (
            "/items?item_type=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF",
            "类型：行政许可",
        ),
        ("/departments", "公安机关"),
        ("/regions", "龙华区"),
        ("/bundles", "新生儿出生一件事"),
        ("/preferences", "长辈模式"),
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.assert_contains(needle);
    }
    let bad = site.get("/items?theme=%E4%B8%8D%E5%AD%98%E5%9C%A8").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("主题“不存在”不存在");

    site.login("auditor").await;
    let audit = site.get("/admin/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    audit.assert_contains("发布零跑动清单");
    let verified = site.submit("/admin/audit/verify", &[]).await;
    assert_eq!(verified.status, StatusCode::OK);
    verified.assert_contains("哈希链完整");
    let check = site.get("/admin/check").await;
    assert_eq!(check.status, StatusCode::OK);
    check.assert_contains("<svg");
    check.assert_contains("海口市龙华区");
    let zero_trip = site.get("/admin/zero-trip").await;
    zero_trip.assert_contains("需要“省级管理员”权限");
});

page_test!(assets_are_local_and_cached, |site| async move {
    let page = site.get("/").await;
    let policy = page.header("content-security-policy");
    assert!(policy.contains("default-src 'self'"), "{policy}");
    page.assert_lacks("<style");
    page.assert_lacks(" style=\"");
    page.assert_lacks("<script>");
    page.assert_lacks("http://");
    page.assert_lacks("https://");
    for path in ["/static/app.css", "/static/app.js", "/static/favicon.svg"] {
        let asset = site.get(path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert!(asset.header("cache-control").contains("max-age"), "{path}");
    }
    let css = site.get("/static/app.css").await;
    assert!(css.text.contains("html.elder"));
});
