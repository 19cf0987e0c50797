//! The WordPress REST API, read side: `/wp-json/` and its routes, their parameters, headers,
//! errors, `_embed`, `_fields` and `_envelope`, on the demo site.

use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::support::{ORIGIN, TestSite};

on_both_backends!(demo:
    the_index_describes_the_site_and_its_routes,
    every_page_and_head_of_the_front_page_announce_the_api,
    rest_route_is_the_same_api,
    stories_list_with_wordpress_fields_and_paging_headers,
    story_filters_narrow_the_list,
    order_and_orderby,
    drafts_scheduled_and_trashed_stories_are_not_served,
    protected_stories_show_no_text,
    embed_fields_and_envelope,
    dates_are_local_and_gmt,
    pages_are_served_apart_from_stories,
    sections_and_tags_with_counts_and_filters,
    only_authors_with_published_work_are_listed,
    only_approved_comments_are_listed,
    media_items_and_featured_images,
    search_types_taxonomies_and_statuses,
    oembed_describes_story_links,
    bad_requests_get_wordpress_errors,
    answers_are_cacheable,
    api_snapshots,
    terms_of_unreadable_stories_are_not_told,
    protected_items_keep_their_comments_and_images,
    avatars_only_of_listed_people,
    long_lists_are_refused,
    page_comments_are_asked_for_by_post_type,
    envelope_keeps_both_links_and_wraps_errors,
    cors_headers_echo_the_origin_past_the_cache,
    tax_relation_or_matches_either_list,
    list_totals_are_kept_until_a_write_or_a_story_comes_due,
);

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

/// An API answer: status, headers and parsed body.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn total(&self) -> i64 {
        self.header("x-wp-total").parse().expect("X-WP-Total")
    }

    fn items(&self) -> &Vec<Value> {
        self.json.as_array().expect("a list")
    }

    fn ids(&self) -> Vec<i64> {
        self.items()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    }

    fn links(&self) -> Vec<String> {
        self.headers
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

async fn api(site: &TestSite, path: &str) -> Answer {
    let page = site.get(path).await;
    let json = serde_json::from_str(&page.body)
        .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", page.body));
    Answer {
        status: page.status,
        headers: page.headers,
        json,
    }
}

async fn ok(site: &TestSite, path: &str) -> Answer {
    let a = api(site, path).await;
    assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.json);
    assert_eq!(
        a.header("content-type"),
        "application/json; charset=UTF-8",
        "{path}"
    );
    a
}

/// Asserts a WordPress error: status, code, and a `data.status` that says the same.
async fn refused(site: &TestSite, path: &str, status: StatusCode, code: &str) -> Answer {
    let a = api(site, path).await;
    assert_eq!(
        (a.status, a.json["code"].as_str()),
        (status, Some(code)),
        "{path}: {}",
        a.json
    );
    assert_eq!(a.json["data"]["status"], status.as_u16(), "{path}");
    assert!(
        a.json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{path}"
    );
    a
}

async fn count(site: &TestSite, sql: &str) -> i64 {
    site.raw_pairs(&format!("SELECT 'n', CAST(({sql}) AS BIGINT)"))
        .await
        .remove(0)
        .1
}

async fn published_stories(site: &TestSite) -> i64 {
    count(
        site,
        "SELECT COUNT(*) FROM articles WHERE status = 'published'",
    )
    .await
}

async fn reference_id(site: &TestSite) -> i64 {
    let slug = newsdesk::domain::slug::Slug::from_title(REFERENCE, "story");
    let a = ok(
        site,
        &format!("/wp-json/wp/v2/posts?slug={}", slug.as_str()),
    )
    .await;
    a.ids()[0]
}

fn is_wp_date(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 19 && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
}

async fn the_index_describes_the_site_and_its_routes(site: TestSite) {
    for path in ["/wp-json/", "/wp-json"] {
        let a = ok(&site, path).await;
        let j = &a.json;
        assert_eq!(j["name"], "Newsdesk Daily");
        assert_eq!(j["url"], ORIGIN);
        assert_eq!(j["home"], ORIGIN);
        assert_eq!(j["timezone_string"], "UTC");
        assert_eq!(j["gmt_offset"], 0);
        assert_eq!(j["namespaces"], serde_json::json!(["oembed/1.0", "wp/v2"]));
        // Application passwords, which apps ask for through WordPress's authorization page.
        assert_eq!(
            j["authentication"]["application-passwords"]["endpoints"]["authorization"],
            "http://localhost/wp-admin/authorize-application.php"
        );
        let routes = j["routes"].as_object().unwrap();
        assert_eq!(
            routes["/wp/v2/posts"]["methods"],
            serde_json::json!(["GET", "POST"])
        );
        assert_eq!(
            routes["/wp/v2/posts/(?P<id>[\\d]+)"]["methods"],
            serde_json::json!(["GET", "POST", "PUT", "PATCH", "DELETE"])
        );
        assert_eq!(
            routes["/wp/v2/media"]["methods"],
            serde_json::json!(["GET", "POST"])
        );
        assert!(routes.contains_key("/wp/v2/users/me"));
        for r in [
            "/wp/v2/pages",
            "/wp/v2/comments",
            "/wp/v2/categories",
            "/wp/v2/tags",
            "/wp/v2/users",
        ] {
            assert_eq!(
                routes[r]["methods"],
                serde_json::json!(["GET", "POST"]),
                "{r}"
            );
        }
        for r in [
            "/wp/v2/media/(?P<id>[\\d]+)",
            "/wp/v2/users/(?P<id>[\\d]+)",
            "/wp/v2/users/me",
            "/wp/v2/tags/(?P<id>[\\d]+)",
        ] {
            assert_eq!(
                routes[r]["methods"],
                serde_json::json!(["GET", "POST", "PUT", "PATCH", "DELETE"]),
                "{r}"
            );
        }
        for r in [
            "/wp/v2/search",
            "/wp/v2/types",
            "/wp/v2/taxonomies",
            "/wp/v2/statuses",
            "/oembed/1.0/embed",
        ] {
            assert_eq!(routes[r]["methods"], serde_json::json!(["GET"]), "{r}");
        }
        let per_page = &routes["/wp/v2/posts"]["endpoints"][0]["args"]["per_page"];
        assert_eq!(per_page["maximum"], 100);
        assert_eq!(per_page["default"], 10);
        assert!(routes["/wp/v2/posts"]["endpoints"][0]["args"]["categories_exclude"].is_object());
        assert_eq!(
            routes["/wp/v2/posts"]["_links"]["self"][0]["href"],
            "http://localhost/wp-json/wp/v2/posts"
        );
    }
    let ns = ok(&site, "/wp-json/wp/v2").await;
    assert_eq!(ns.json["namespace"], "wp/v2");
    assert!(ns.json["routes"]["/wp/v2/posts"].is_object());
    assert!(ns.json["routes"].get("/oembed/1.0/embed").is_none());
}

async fn every_page_and_head_of_the_front_page_announce_the_api(site: TestSite) {
    let expected = "<http://localhost/wp-json/>; rel=\"https://api.w.org/\"";
    let head = crate::support::send_to(
        site.app.clone(),
        axum::http::Request::head("/")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.headers[header::LINK], expected);
    let story = site.url_of(REFERENCE).await;
    for path in [
        "/",
        story.as_str(),
        "/category/world/",
        "/about/",
        "/no-such-page/",
    ] {
        let page = site.get(path).await;
        assert!(
            page.headers
                .get_all(header::LINK)
                .iter()
                .any(|v| v == expected),
            "{path}: {:?}",
            page.headers
        );
        assert_eq!(
            page.attrs("link[rel='https://api.w.org/']", "href"),
            ["http://localhost/wp-json/"],
            "{path}"
        );
    }
    // Story pages also name their oEmbed description.
    let page = site.get(&story).await;
    let oembed = page.attrs("link[type='application/json+oembed']", "href");
    assert_eq!(oembed.len(), 1);
    let url = format!("http://localhost{story}");
    let expected = format!(
        "http://localhost/wp-json/oembed/1.0/embed?{}",
        serde_urlencoded::to_string([("url", url.as_str())]).unwrap()
    );
    assert_eq!(oembed[0], expected);
    assert!(
        site.get("/")
            .await
            .attrs("link[type='application/json+oembed']", "href")
            .is_empty()
    );
    // API answers are not HTML pages: no discovery header on them.
    let a = ok(&site, "/wp-json/wp/v2/types").await;
    assert!(a.links().is_empty());
}

async fn rest_route_is_the_same_api(site: TestSite) {
    let direct = ok(&site, "/wp-json/wp/v2/posts?per_page=2&page=2").await;
    let fallback = ok(&site, "/?rest_route=/wp/v2/posts&per_page=2&page=2").await;
    assert_eq!(direct.json, fallback.json);
    assert_eq!(direct.total(), fallback.total());
    let index = ok(&site, "/?rest_route=/").await;
    assert_eq!(index.json["name"], "Newsdesk Daily");
    let encoded = ok(&site, "/?rest_route=%2Fwp%2Fv2%2Ftypes").await;
    assert!(encoded.json["post"].is_object());
    refused(
        &site,
        "/?rest_route=/wp/v2/nothing",
        StatusCode::NOT_FOUND,
        "rest_no_route",
    )
    .await;
    // The front page's own WordPress links still work beside it.
    let id = reference_id(&site).await;
    let legacy = site.get(&format!("/?p={id}")).await;
    assert_eq!(legacy.status, StatusCode::MOVED_PERMANENTLY);
}

async fn stories_list_with_wordpress_fields_and_paging_headers(site: TestSite) {
    let total = published_stories(&site).await;
    assert!(total > 20, "the demo has enough stories to page through");
    let first = ok(&site, "/wp-json/wp/v2/posts").await;
    assert_eq!(first.items().len(), 10);
    assert_eq!(first.total(), total);
    let pages = (total + 9) / 10;
    assert_eq!(first.header("x-wp-totalpages"), pages.to_string());
    assert_eq!(
        first.links(),
        ["<http://localhost/wp-json/wp/v2/posts?page=2>; rel=\"next\""]
    );
    let middle = ok(&site, "/wp-json/wp/v2/posts?page=2").await;
    assert_eq!(
        middle.links(),
        [
            "<http://localhost/wp-json/wp/v2/posts?page=1>; rel=\"prev\"",
            "<http://localhost/wp-json/wp/v2/posts?page=3>; rel=\"next\"",
        ]
    );
    let last = ok(&site, &format!("/wp-json/wp/v2/posts?page={pages}")).await;
    assert_eq!(last.links().len(), 1);
    assert!(last.links()[0].ends_with("rel=\"prev\""));
    // Every published story once, across the pages.
    let mut seen = Vec::new();
    for p in 1..=pages {
        seen.extend(
            ok(&site, &format!("/wp-json/wp/v2/posts?page={p}"))
                .await
                .ids(),
        );
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(i64::try_from(unique.len()).unwrap(), total);
    assert_eq!(seen.len(), unique.len());

    let post = &first.items()[0];
    for (field, kind) in [
        ("id", "number"),
        ("date", "string"),
        ("date_gmt", "string"),
        ("guid", "object"),
        ("modified", "string"),
        ("modified_gmt", "string"),
        ("slug", "string"),
        ("status", "string"),
        ("type", "string"),
        ("link", "string"),
        ("title", "object"),
        ("content", "object"),
        ("excerpt", "object"),
        ("author", "number"),
        ("featured_media", "number"),
        ("comment_status", "string"),
        ("ping_status", "string"),
        ("sticky", "boolean"),
        ("template", "string"),
        ("format", "string"),
        ("meta", "object"),
        ("categories", "array"),
        ("tags", "array"),
        ("_links", "object"),
    ] {
        let v = &post[field];
        let actual = match v {
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Object(_) => "object",
            Value::Array(_) => "array",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
        };
        assert_eq!(actual, kind, "{field}: {v}");
    }
    assert_eq!(post["status"], "publish");
    assert_eq!(post["type"], "post");
    assert!(post["title"]["rendered"].is_string());
    assert!(
        post["content"]["rendered"]
            .as_str()
            .unwrap()
            .contains("<p>")
    );
    assert_eq!(post["content"]["protected"], false);
    assert!(
        post["excerpt"]["rendered"]
            .as_str()
            .unwrap()
            .starts_with("<p>")
    );
    for d in ["date", "date_gmt", "modified", "modified_gmt"] {
        assert!(is_wp_date(&post[d]), "{d}: {}", post[d]);
    }
    let id = post["id"].as_i64().unwrap();
    assert_eq!(
        post["guid"]["rendered"],
        format!("http://localhost/?p={id}")
    );
    let link = post["link"].as_str().unwrap();
    assert!(link.starts_with("http://localhost/20"), "{link}");
    assert_eq!(
        site.get(link.trim_start_matches("http://localhost"))
            .await
            .status,
        StatusCode::OK
    );
    let l = &post["_links"];
    assert_eq!(
        l["self"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/posts/{id}")
    );
    assert_eq!(
        l["collection"][0]["href"],
        "http://localhost/wp-json/wp/v2/posts"
    );
    assert_eq!(
        l["about"][0]["href"],
        "http://localhost/wp-json/wp/v2/types/post"
    );
    assert_eq!(l["author"][0]["embeddable"], true);
    assert_eq!(
        l["replies"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/comments?post={id}")
    );
    assert_eq!(l["wp:term"][0]["taxonomy"], "category");
    assert_eq!(l["wp:term"][1]["taxonomy"], "post_tag");
    // Newsdesk's own fields.
    for m in [
        "credit_line",
        "source_agency",
        "source_url",
        "embargo_until",
    ] {
        assert!(post["meta"].get(m).is_some(), "meta.{m}");
    }
    // The single story is the same object.
    let one = ok(&site, &format!("/wp-json/wp/v2/posts/{id}")).await;
    assert_eq!(&one.json, post);
    // per_page and offset.
    let five = ok(&site, "/wp-json/wp/v2/posts?per_page=5").await;
    assert_eq!(five.ids(), first.ids()[..5]);
    let shifted = ok(&site, "/wp-json/wp/v2/posts?per_page=5&offset=3").await;
    assert_eq!(shifted.ids(), first.ids()[3..8]);
    let all = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    assert_eq!(i64::try_from(all.items().len()).unwrap(), total.min(100));
    assert!(all.links().is_empty() || total > 100);
}

async fn story_filters_narrow_the_list(site: TestSite) {
    let all = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    let items = all.items().clone();
    let ids = all.ids();
    // include / exclude / slug.
    let pick = format!("{},{}", ids[3], ids[1]);
    let inc = ok(&site, &format!("/wp-json/wp/v2/posts?include={pick}")).await;
    assert_eq!(inc.ids(), [ids[1], ids[3]]);
    let inc = ok(
        &site,
        &format!(
            "/wp-json/wp/v2/posts?include[]={}&include[]={}&orderby=include",
            ids[3], ids[1]
        ),
    )
    .await;
    assert_eq!(inc.ids(), [ids[3], ids[1]]);
    let exc = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&exclude={}", ids[0]),
    )
    .await;
    assert_eq!(exc.ids(), ids[1..]);
    let slug = items[2]["slug"].as_str().unwrap();
    assert_eq!(
        ok(&site, &format!("/wp-json/wp/v2/posts?slug={slug}"))
            .await
            .ids(),
        [ids[2]]
    );
    assert!(
        ok(&site, "/wp-json/wp/v2/posts?slug=no-such-story")
            .await
            .items()
            .is_empty()
    );
    // search: every hit has the word, and the reference story is among them.
    let hits = ok(&site, "/wp-json/wp/v2/posts?search=cosmodrome&per_page=100").await;
    assert!(hits.total() >= 1);
    let reference = reference_id(&site).await;
    assert!(hits.ids().contains(&reference));
    for h in hits.items() {
        let text = format!(
            "{} {} {}",
            h["title"]["rendered"], h["excerpt"]["rendered"], h["content"]["rendered"]
        )
        .to_lowercase();
        assert!(text.contains("cosmodrome"), "{text}");
    }
    // Relations: each filter agrees with the story's own fields, and its exclusion is the rest.
    let relation = |field: &str, value: i64| -> Vec<i64> {
        items
            .iter()
            .filter(|i| match field {
                "author" => i["author"] == value,
                f => i[f].as_array().unwrap().iter().any(|v| *v == value),
            })
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let reference_item = items.iter().find(|i| i["id"] == reference).unwrap();
    let section = reference_item["categories"][0].as_i64().unwrap();
    let tag = reference_item["tags"][0].as_i64().unwrap();
    let author = reference_item["author"].as_i64().unwrap();
    for (param, field, value) in [
        ("categories", "categories", section),
        ("tags", "tags", tag),
        ("author", "author", author),
    ] {
        let expected = relation(field, value);
        let got = ok(
            &site,
            &format!("/wp-json/wp/v2/posts?per_page=100&{param}={value}"),
        )
        .await;
        if param == "author" {
            // A story with several bylines names its first as `author`; the filter takes any.
            for id in &expected {
                assert!(got.ids().contains(id), "{param}");
            }
        } else {
            assert_eq!(got.ids(), expected, "{param}");
        }
        let rest = ok(
            &site,
            &format!("/wp-json/wp/v2/posts?per_page=100&{param}_exclude={value}"),
        )
        .await;
        assert_eq!(rest.total() + got.total(), all.total(), "{param}_exclude");
        assert!(
            rest.ids().iter().all(|i| !got.ids().contains(i)),
            "{param}_exclude"
        );
    }
    // sticky.
    let sticky = ok(&site, "/wp-json/wp/v2/posts?sticky=true&per_page=100").await;
    assert!(sticky.items().iter().all(|i| i["sticky"] == true));
    let plain = ok(&site, "/wp-json/wp/v2/posts?sticky=false&per_page=100").await;
    assert!(plain.items().iter().all(|i| i["sticky"] == false));
    assert_eq!(sticky.total() + plain.total(), all.total());
    // after / before, by the stories' own dates.
    let pivot = items[5]["date_gmt"].as_str().unwrap();
    let after = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&after={pivot}Z"),
    )
    .await;
    let before = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&before={pivot}Z"),
    )
    .await;
    let same = items.iter().filter(|i| i["date_gmt"] == pivot).count();
    assert_eq!(
        after.items().len() + before.items().len() + same,
        items.len()
    );
    assert!(
        after
            .items()
            .iter()
            .all(|i| i["date_gmt"].as_str().unwrap() > pivot)
    );
    assert!(
        before
            .items()
            .iter()
            .all(|i| i["date_gmt"].as_str().unwrap() < pivot)
    );
    let modified = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&modified_after={pivot}%2B00:00"),
    )
    .await;
    assert!(
        modified
            .items()
            .iter()
            .all(|i| i["modified_gmt"].as_str().unwrap() > pivot)
    );
    let modified = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&modified_before={pivot}"),
    )
    .await;
    assert!(
        modified
            .items()
            .iter()
            .all(|i| i["modified_gmt"].as_str().unwrap() < pivot)
    );
}

async fn order_and_orderby(site: TestSite) {
    let desc = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    let asc = ok(&site, "/wp-json/wp/v2/posts?per_page=100&order=asc").await;
    let mut reversed = desc.ids();
    reversed.reverse();
    assert_eq!(asc.ids(), reversed);
    let by_id = ok(
        &site,
        "/wp-json/wp/v2/posts?per_page=100&orderby=id&order=asc",
    )
    .await;
    let mut sorted = desc.ids();
    sorted.sort_unstable();
    assert_eq!(by_id.ids(), sorted);
    let by_title = ok(
        &site,
        "/wp-json/wp/v2/posts?per_page=100&orderby=title&order=asc",
    )
    .await;
    let titles: Vec<String> = by_title
        .items()
        .iter()
        .map(|i| i["title"]["rendered"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted_titles = titles.clone();
    sorted_titles.sort();
    assert_eq!(titles, sorted_titles);
    let by_slug = ok(
        &site,
        "/wp-json/wp/v2/posts?per_page=100&orderby=slug&order=desc",
    )
    .await;
    let slugs: Vec<&str> = by_slug
        .items()
        .iter()
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.windows(2).all(|w| w[0] >= w[1]));
}

async fn drafts_scheduled_and_trashed_stories_are_not_served(site: TestSite) {
    let before = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    let ids = before.ids();
    let (draft, scheduled, trashed) = (ids[0], ids[1], ids[2]);
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'draft' WHERE id = {draft}"
    ))
    .await;
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'trash' WHERE id = {trashed}"
    ))
    .await;
    site.raw_execute(&format!(
        "UPDATE articles SET published_at = '2999-01-01T00:00:00+00:00' WHERE id = {scheduled}"
    ))
    .await;
    site.store.touch();
    let after = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    assert_eq!(after.total(), before.total() - 3);
    for id in [draft, scheduled, trashed] {
        assert!(!after.ids().contains(&id));
        refused(
            &site,
            &format!("/wp-json/wp/v2/posts/{id}"),
            StatusCode::NOT_FOUND,
            "rest_post_invalid_id",
        )
        .await;
        let inc = ok(&site, &format!("/wp-json/wp/v2/posts?include={id}")).await;
        assert!(inc.items().is_empty());
    }
    // Asking for other statuses needs a signed-in editor.
    for status in ["draft", "future", "private", "publish,draft"] {
        refused(
            &site,
            &format!("/wp-json/wp/v2/posts?status={status}"),
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_status",
        )
        .await;
    }
    ok(&site, "/wp-json/wp/v2/posts?status=publish").await;
    // Their comments are not listed either.
    let comments = ok(&site, &format!("/wp-json/wp/v2/comments?post={draft}")).await;
    assert!(comments.items().is_empty());
}

async fn protected_stories_show_no_text(site: TestSite) {
    let id = reference_id(&site).await;
    let body_word = ok(&site, "/wp-json/wp/v2/search?search=peskov").await;
    assert!(body_word.ids().contains(&id));
    site.raw_execute(&format!(
        "UPDATE articles SET password = 'open sesame' WHERE id = {id}"
    ))
    .await;
    site.store.touch();
    let one = ok(&site, &format!("/wp-json/wp/v2/posts/{id}")).await;
    assert_eq!(one.json["content"]["rendered"], "");
    assert_eq!(one.json["content"]["protected"], true);
    assert_eq!(one.json["excerpt"]["rendered"], "");
    assert_eq!(one.json["excerpt"]["protected"], true);
    assert!(
        one.json["title"]["rendered"]
            .as_str()
            .unwrap()
            .contains("Cosmodrome")
    );
    // Listed by its title, never found by its text.
    let list = ok(&site, "/wp-json/wp/v2/posts?per_page=100").await;
    let listed = list.items().iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(listed["content"]["rendered"], "");
    let body_word = ok(&site, "/wp-json/wp/v2/search?search=peskov").await;
    assert!(!body_word.ids().contains(&id));
    let body_word = ok(&site, "/wp-json/wp/v2/posts?search=peskov").await;
    assert!(!body_word.ids().contains(&id));
    let by_title = ok(&site, "/wp-json/wp/v2/posts?search=cosmodrome").await;
    assert!(by_title.ids().contains(&id));
    // A password in the query does not unlock it.
    let asked = ok(
        &site,
        &format!("/wp-json/wp/v2/posts/{id}?password=open%20sesame"),
    )
    .await;
    assert_eq!(asked.json["content"]["rendered"], "");
}

async fn embed_fields_and_envelope(site: TestSite) {
    let id = reference_id(&site).await;
    let plain = ok(&site, &format!("/wp-json/wp/v2/posts/{id}")).await;
    assert!(plain.json.get("_embedded").is_none());
    let e = ok(&site, &format!("/wp-json/wp/v2/posts/{id}?_embed")).await;
    let embedded = &e.json["_embedded"];
    assert_eq!(embedded["author"][0]["id"], plain.json["author"]);
    assert!(embedded["author"][0]["name"].is_string());
    assert!(embedded["author"][0].get("email").is_none());
    let sections: Vec<&Value> = embedded["wp:term"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    let tags: Vec<&Value> = embedded["wp:term"][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(
        sections,
        plain.json["categories"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(
        tags,
        plain.json["tags"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(embedded["wp:term"][0][0]["taxonomy"], "category");
    assert_eq!(embedded["wp:term"][1][0]["taxonomy"], "post_tag");
    // The demo's reference story has approved replies: embedded, approved only.
    let replies = embedded["replies"][0].as_array().unwrap();
    let approved = count(
        &site,
        &format!("SELECT COUNT(*) FROM comments WHERE article_id = {id} AND status = 'approved'"),
    )
    .await;
    assert_eq!(i64::try_from(replies.len()).unwrap(), approved.min(10));
    assert!(
        replies
            .iter()
            .all(|r| r["type"] == "comment" && r.get("author_email").is_none())
    );
    // `_embed=author,wp:term` embeds only those.
    let some = ok(
        &site,
        &format!("/wp-json/wp/v2/posts/{id}?_embed=author,wp:term"),
    )
    .await;
    let keys: Vec<&String> = some.json["_embedded"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["author", "wp:term"]);
    let one = ok(&site, &format!("/wp-json/wp/v2/posts/{id}?_embed=author")).await;
    assert_eq!(one.json["_embedded"].as_object().unwrap().len(), 1);
    // Lists embed per item.
    let list = ok(&site, "/wp-json/wp/v2/posts?per_page=20&_embed").await;
    for item in list.items() {
        assert_eq!(
            item["_embedded"]["author"][0]["id"], item["author"],
            "{}",
            item["id"]
        );
    }
    // `_fields`, nested too, with and without `_links`.
    let f = ok(
        &site,
        &format!("/wp-json/wp/v2/posts/{id}?_fields=id,title.rendered,_links"),
    )
    .await;
    let keys: Vec<&String> = f.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "title", "_links"]);
    let f = ok(
        &site,
        "/wp-json/wp/v2/posts?_fields[]=id&_fields[]=slug&per_page=3",
    )
    .await;
    for item in f.items() {
        assert_eq!(item.as_object().unwrap().len(), 2);
    }
    let f = ok(
        &site,
        &format!("/wp-json/wp/v2/posts/{id}?_embed&_fields=id,_embedded.author"),
    )
    .await;
    assert_eq!(f.json["_embedded"].as_object().unwrap().len(), 1);
    // `_envelope`: status and headers in the body.
    let env = ok(&site, "/wp-json/wp/v2/posts?_envelope&per_page=2").await;
    assert_eq!(env.json["status"], 200);
    assert_eq!(env.json["body"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.json["headers"]["X-WP-Total"],
        published_stories(&site).await.to_string()
    );
    assert!(
        env.json["headers"]["Link"]
            .as_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    // `context=embed` trims to the embed fields.
    let small = ok(&site, &format!("/wp-json/wp/v2/posts/{id}?context=embed")).await;
    assert!(small.json.get("content").is_none());
    assert!(small.json.get("title").is_some());
}

async fn dates_are_local_and_gmt(site: TestSite) {
    site.settings(&[("timezone", "Asia/Tokyo")]).await;
    let a = ok(&site, "/wp-json/wp/v2/posts?per_page=5").await;
    for item in a.items() {
        let parse = |f: &str| {
            chrono::NaiveDateTime::parse_from_str(item[f].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S")
                .unwrap()
        };
        assert_eq!(
            parse("date") - parse("date_gmt"),
            chrono::Duration::hours(9)
        );
        assert_eq!(
            parse("modified") - parse("modified_gmt"),
            chrono::Duration::hours(9)
        );
    }
    let index = ok(&site, "/wp-json/").await;
    assert_eq!(index.json["gmt_offset"], 9);
    assert_eq!(index.json["timezone_string"], "Asia/Tokyo");
    // A date without an offset is in the site's time zone.
    let pivot = a.items()[2]["date"].as_str().unwrap();
    let after = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?per_page=100&after={pivot}"),
    )
    .await;
    assert!(
        after
            .items()
            .iter()
            .all(|i| i["date"].as_str().unwrap() > pivot)
    );
    assert!(after.ids().contains(&a.ids()[0]));
    assert!(!after.ids().contains(&a.ids()[2]));
}

async fn pages_are_served_apart_from_stories(site: TestSite) {
    let published = count(
        &site,
        "SELECT COUNT(*) FROM pages WHERE status = 'published'",
    )
    .await;
    let list = ok(&site, "/wp-json/wp/v2/pages").await;
    assert_eq!(list.total(), published);
    let about = list
        .items()
        .iter()
        .find(|p| p["slug"] == "about")
        .expect("the about page");
    let id = about["id"].as_i64().unwrap();
    assert_eq!(about["type"], "page");
    assert_eq!(about["link"], "http://localhost/about/");
    assert_eq!(
        about["guid"]["rendered"],
        format!("http://localhost/?page_id={id}")
    );
    assert!(about["parent"].is_number());
    assert!(about["menu_order"].is_number());
    assert!(about.get("categories").is_none());
    assert!(about.get("sticky").is_none());
    assert_eq!(
        about["_links"]["self"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/pages/{id}")
    );
    let one = ok(&site, &format!("/wp-json/wp/v2/pages/{id}")).await;
    assert_eq!(&one.json, about);
    let top = ok(&site, "/wp-json/wp/v2/pages?parent=0&per_page=100").await;
    assert!(top.items().iter().all(|p| p["parent"] == 0));
    let by_slug = ok(&site, "/wp-json/wp/v2/pages?slug=about").await;
    assert_eq!(by_slug.ids(), [id]);
    let by_menu = ok(&site, "/wp-json/wp/v2/pages?orderby=menu_order&order=asc").await;
    assert_eq!(by_menu.total(), published);
    // A draft page is not served.
    site.raw_execute(&format!(
        "UPDATE pages SET status = 'draft' WHERE id = {id}"
    ))
    .await;
    site.store.touch();
    refused(
        &site,
        &format!("/wp-json/wp/v2/pages/{id}"),
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
    assert_eq!(
        ok(&site, "/wp-json/wp/v2/pages").await.total(),
        published - 1
    );
    refused(
        &site,
        "/wp-json/wp/v2/pages/999999",
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
}

async fn sections_and_tags_with_counts_and_filters(site: TestSite) {
    let sections = count(&site, "SELECT COUNT(*) FROM categories").await;
    let all = ok(&site, "/wp-json/wp/v2/categories?per_page=100").await;
    assert_eq!(all.total(), sections);
    let names: Vec<String> = all
        .items()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name by default");
    for c in all.items() {
        let id = c["id"].as_i64().unwrap();
        assert_eq!(c["taxonomy"], "category");
        assert!(c["parent"].is_number());
        let posts = ok(
            &site,
            &format!("/wp-json/wp/v2/posts?categories={id}&per_page=1"),
        )
        .await;
        assert_eq!(c["count"].as_i64().unwrap(), posts.total(), "{}", c["slug"]);
        if c["count"].as_i64().unwrap() > 0 {
            let path = c["link"].as_str().unwrap().trim_start_matches(ORIGIN);
            assert_eq!(site.get(path).await.status, StatusCode::OK, "{path}");
        }
    }
    let asia = all
        .items()
        .iter()
        .find(|c| c["slug"] == "asia")
        .expect("a sub-section");
    let world = asia["parent"].as_i64().unwrap();
    assert!(world > 0);
    assert_eq!(
        asia["_links"]["up"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/categories/{world}")
    );
    let children = ok(&site, &format!("/wp-json/wp/v2/categories?parent={world}")).await;
    assert!(children.items().iter().all(|c| c["parent"] == world));
    assert!(children.ids().contains(&asia["id"].as_i64().unwrap()));
    let top = ok(&site, "/wp-json/wp/v2/categories?parent=0&per_page=100").await;
    assert!(top.items().iter().all(|c| c["parent"] == 0));
    let one = ok(&site, &format!("/wp-json/wp/v2/categories/{world}")).await;
    assert_eq!(one.json["id"], world);
    refused(
        &site,
        "/wp-json/wp/v2/categories/99999",
        StatusCode::NOT_FOUND,
        "rest_term_invalid",
    )
    .await;
    // `post`: the story's own sections and tags.
    let id = reference_id(&site).await;
    let story = ok(&site, &format!("/wp-json/wp/v2/posts/{id}")).await;
    let mut on_story = ok(&site, &format!("/wp-json/wp/v2/categories?post={id}"))
        .await
        .ids();
    on_story.sort_unstable();
    let mut expected: Vec<i64> = story.json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(on_story, expected);
    let mut tags_on_story = ok(&site, &format!("/wp-json/wp/v2/tags?post={id}"))
        .await
        .ids();
    tags_on_story.sort_unstable();
    let mut expected: Vec<i64> = story.json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(tags_on_story, expected);
    // Tags: counts, paging, search, hide_empty.
    let tags = count(&site, "SELECT COUNT(*) FROM tags").await;
    let first = ok(&site, "/wp-json/wp/v2/tags?per_page=5").await;
    assert_eq!(first.total(), tags);
    assert_eq!(first.items().len(), 5);
    let t = &first.items()[0];
    assert_eq!(t["taxonomy"], "post_tag");
    assert!(t.get("parent").is_none());
    let tid = t["id"].as_i64().unwrap();
    let posts = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?tags={tid}&per_page=1"),
    )
    .await;
    assert_eq!(t["count"].as_i64().unwrap(), posts.total());
    assert_eq!(
        ok(&site, &format!("/wp-json/wp/v2/tags/{tid}")).await.json["id"],
        tid
    );
    refused(
        &site,
        "/wp-json/wp/v2/tags/99999",
        StatusCode::NOT_FOUND,
        "rest_term_invalid",
    )
    .await;
    site.add_tag("unused-tag", "Unused tag").await;
    site.store.touch();
    let with_empty = ok(&site, "/wp-json/wp/v2/tags?per_page=100").await;
    let without = ok(&site, "/wp-json/wp/v2/tags?per_page=100&hide_empty=true").await;
    assert_eq!(with_empty.total(), without.total() + 1);
    let found = ok(&site, "/wp-json/wp/v2/tags?search=unused").await;
    assert_eq!(found.items()[0]["slug"], "unused-tag");
    assert_eq!(found.items()[0]["count"], 0);
    let by_count = ok(
        &site,
        "/wp-json/wp/v2/tags?orderby=count&order=desc&per_page=100",
    )
    .await;
    let counts: Vec<i64> = by_count
        .items()
        .iter()
        .map(|t| t["count"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
}

async fn only_authors_with_published_work_are_listed(site: TestSite) {
    let nobody = site
        .add_staff("quietdesk", newsdesk::domain::user::Role::Editor)
        .await;
    site.store.touch();
    let users = ok(&site, "/wp-json/wp/v2/users?per_page=100").await;
    assert!(!users.ids().contains(&nobody));
    refused(
        &site,
        &format!("/wp-json/wp/v2/users/{nobody}"),
        StatusCode::NOT_FOUND,
        "rest_user_invalid_id",
    )
    .await;
    let bylined = count(
        &site,
        "SELECT COUNT(DISTINCT u.id) FROM users u WHERE u.disabled = FALSE AND (u.id IN \
         (SELECT r.user_id FROM article_authors r JOIN articles a ON a.id = r.article_id WHERE a.status = 'published') \
         OR u.id IN (SELECT p.author_id FROM pages p WHERE p.status = 'published'))",
    )
    .await;
    assert_eq!(users.total(), bylined);
    for u in users.items() {
        let o = u.as_object().unwrap();
        for private in [
            "email",
            "username",
            "login",
            "roles",
            "capabilities",
            "registered_date",
        ] {
            assert!(!o.contains_key(private), "{private}");
        }
        assert!(
            u["link"]
                .as_str()
                .unwrap()
                .starts_with("http://localhost/author/")
        );
        let id = u["id"].as_i64().unwrap();
        assert_eq!(
            ok(&site, &format!("/wp-json/wp/v2/users/{id}")).await.json,
            *u
        );
    }
    assert!(
        !users
            .items()
            .iter()
            .any(|u| u.to_string().contains("@news.example"))
    );
    let slug = users.items()[0]["slug"].as_str().unwrap();
    assert_eq!(
        ok(&site, &format!("/wp-json/wp/v2/users?slug={slug}"))
            .await
            .items()
            .len(),
        1
    );
    let found = ok(&site, "/wp-json/wp/v2/users?search=helena").await;
    assert_eq!(found.items()[0]["name"], "Helena Varga");
    refused(
        &site,
        "/wp-json/wp/v2/users?roles=administrator",
        StatusCode::UNAUTHORIZED,
        "rest_user_cannot_view",
    )
    .await;
    refused(
        &site,
        "/wp-json/wp/v2/users?context=edit",
        StatusCode::UNAUTHORIZED,
        "rest_forbidden_context",
    )
    .await;
    // "Me" is nobody without credentials (see `api_write` for the signed-in side).
    refused(
        &site,
        "/wp-json/wp/v2/users/me",
        StatusCode::UNAUTHORIZED,
        "rest_not_logged_in",
    )
    .await;
}

async fn only_approved_comments_are_listed(site: TestSite) {
    let approved = count(
        &site,
        "SELECT COUNT(*) FROM comments WHERE status = 'approved'",
    )
    .await;
    let held = count(
        &site,
        "SELECT COUNT(*) FROM comments WHERE status <> 'approved'",
    )
    .await;
    assert!(held > 0, "the demo holds a comment for moderation");
    let list = ok(&site, "/wp-json/wp/v2/comments?per_page=100").await;
    assert_eq!(list.total(), approved);
    let held_ids = site
        .raw_pairs("SELECT 'id', id FROM comments WHERE status <> 'approved'")
        .await;
    for (_, id) in held_ids {
        assert!(!list.ids().contains(&id));
        refused(
            &site,
            &format!("/wp-json/wp/v2/comments/{id}"),
            StatusCode::NOT_FOUND,
            "rest_comment_invalid_id",
        )
        .await;
    }
    let c = &list.items()[0];
    for private in ["author_email", "author_ip", "author_user_agent"] {
        assert!(c.get(private).is_none(), "{private}");
    }
    assert_eq!(c["status"], "approved");
    assert_eq!(c["type"], "comment");
    assert!(is_wp_date(&c["date"]) && is_wp_date(&c["date_gmt"]));
    assert!(
        c["content"]["rendered"]
            .as_str()
            .unwrap()
            .starts_with("<p>")
    );
    let id = c["id"].as_i64().unwrap();
    let post = c["post"].as_i64().unwrap();
    assert!(
        c["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/#comment-{id}"))
    );
    assert_eq!(
        c["_links"]["up"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/posts/{post}")
    );
    assert_eq!(
        ok(&site, &format!("/wp-json/wp/v2/comments/{id}"))
            .await
            .json,
        *c
    );
    let on_post = ok(
        &site,
        &format!("/wp-json/wp/v2/comments?post={post}&per_page=100"),
    )
    .await;
    assert!(on_post.items().iter().all(|x| x["post"] == post));
    let oldest = ok(&site, "/wp-json/wp/v2/comments?order=asc&per_page=100").await;
    let mut newest = list.ids();
    newest.reverse();
    assert_eq!(oldest.ids(), newest);
    let replies = ok(&site, "/wp-json/wp/v2/comments?parent=0&per_page=100").await;
    assert!(replies.items().iter().all(|x| x["parent"] == 0));
    ok(&site, "/wp-json/wp/v2/comments?status=approve").await;
    for status in ["hold", "spam", "trash", "all"] {
        refused(
            &site,
            &format!("/wp-json/wp/v2/comments?status={status}"),
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_param",
        )
        .await;
    }
}

async fn media_items_and_featured_images(site: TestSite) {
    let (image, url) = crate::protected_posts::upload_image(&site).await;
    site.store.touch();
    // An upload no published story shows yet (one for an embargoed story) is not announced.
    let before = ok(&site, "/wp-json/wp/v2/media?per_page=100").await;
    assert!(!before.ids().contains(&image));
    refused(
        &site,
        &format!("/wp-json/wp/v2/media/{image}"),
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
    let story = reference_id(&site).await;
    let ids = ok(&site, "/wp-json/wp/v2/posts?per_page=3").await.ids();
    let other = ids.iter().find(|i| **i != story).copied().unwrap();
    site.raw_execute(&format!(
        "UPDATE articles SET featured_image_id = {image}, status = 'draft' WHERE id = {}",
        other
    ))
    .await;
    site.store.touch();
    assert!(
        !ok(&site, "/wp-json/wp/v2/media?per_page=100")
            .await
            .ids()
            .contains(&image)
    );
    site.raw_execute(&format!(
        "UPDATE articles SET featured_image_id = {image} WHERE id = {story}"
    ))
    .await;
    site.store.touch();
    let list = ok(&site, "/wp-json/wp/v2/media").await;
    assert!(list.ids().contains(&image));
    // The story made a draft takes its own illustration out of the list, and the reference
    // story's illustration gives way to the new image.
    assert_eq!(list.total(), before.total() - 1);
    let one = ok(&site, &format!("/wp-json/wp/v2/media/{image}")).await;
    let m = &one.json;
    assert_eq!(m["type"], "attachment");
    assert_eq!(m["media_type"], "image");
    assert_eq!(m["mime_type"], "image/png");
    assert_eq!(m["alt_text"], "The harbour");
    assert_eq!(m["source_url"], format!("http://localhost{url}"));
    assert_eq!(m["media_details"]["width"], 40);
    assert_eq!(m["media_details"]["height"], 30);
    assert_eq!(m["media_details"]["sizes"]["full"]["width"], 40);
    assert!(
        m["media_details"]["sizes"]["full"]["source_url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost/media/")
    );
    assert_eq!(site.get_raw(&url, &[]).await.status, StatusCode::OK);
    refused(
        &site,
        "/wp-json/wp/v2/media/999999",
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
    let by_slug = ok(&site, "/wp-json/wp/v2/media?slug=harbour").await;
    assert_eq!(by_slug.ids(), [image]);
    let found = ok(&site, "/wp-json/wp/v2/media?search=harbour").await;
    assert_eq!(found.ids(), [image]);
    // Paging: ten to a page, the last page holds the rest, and the page after it is refused.
    let total = list.total();
    assert!(
        total > 10,
        "the illustrated demo has more than a page of media"
    );
    assert_eq!(list.items().len(), 10);
    let pages = (total + 9) / 10;
    assert_eq!(list.header("x-wp-totalpages"), pages.to_string());
    let last = ok(&site, &format!("/wp-json/wp/v2/media?page={pages}")).await;
    assert_eq!(last.total(), total);
    assert_eq!(last.items().len() as i64, total - (pages - 1) * 10);
    assert!(last.ids().iter().all(|i| !list.ids().contains(i)));
    refused(
        &site,
        &format!("/wp-json/wp/v2/media?page={}", pages + 1),
        StatusCode::BAD_REQUEST,
        "rest_post_invalid_page_number",
    )
    .await;
    // The story names and embeds it.
    let post = ok(
        &site,
        &format!("/wp-json/wp/v2/posts/{story}?_embed=wp:featuredmedia"),
    )
    .await;
    assert_eq!(post.json["featured_media"], image);
    assert_eq!(
        post.json["_links"]["wp:featuredmedia"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/media/{image}")
    );
    let embedded = &post.json["_embedded"]["wp:featuredmedia"][0];
    assert_eq!(embedded["id"], image);
    assert_eq!(embedded["source_url"], m["source_url"]);
    assert!(embedded.get("description").is_none(), "the embed context");
}

async fn search_types_taxonomies_and_statuses(site: TestSite) {
    let hits = ok(&site, "/wp-json/wp/v2/search?search=cosmodrome").await;
    let reference = reference_id(&site).await;
    let hit = hits
        .items()
        .iter()
        .find(|h| h["id"] == reference)
        .expect("found");
    assert_eq!(hit["type"], "post");
    assert_eq!(hit["subtype"], "post");
    assert!(
        hit["url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost/20")
    );
    assert_eq!(
        hit["_links"]["self"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/posts/{reference}")
    );
    let pages = ok(&site, "/wp-json/wp/v2/search?search=about&subtype=page").await;
    assert!(pages.items().iter().all(|h| h["subtype"] == "page"));
    assert!(pages.total() >= 1);
    let terms = ok(&site, "/wp-json/wp/v2/search?search=asia&type=term").await;
    assert!(
        terms
            .items()
            .iter()
            .any(|h| h["subtype"] == "category" && h["title"] == "Asia")
    );
    let everything = ok(&site, "/wp-json/wp/v2/search?per_page=5").await;
    assert_eq!(everything.items().len(), 5);
    refused(
        &site,
        "/wp-json/wp/v2/search?type=user",
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
    )
    .await;

    let types = ok(&site, "/wp-json/wp/v2/types").await;
    assert_eq!(types.json["post"]["rest_base"], "posts");
    assert_eq!(types.json["page"]["hierarchical"], true);
    assert_eq!(types.json["attachment"]["rest_base"], "media");
    assert_eq!(
        ok(&site, "/wp-json/wp/v2/types/post").await.json["slug"],
        "post"
    );
    refused(
        &site,
        "/wp-json/wp/v2/types/nope",
        StatusCode::NOT_FOUND,
        "rest_type_invalid",
    )
    .await;
    let tax = ok(&site, "/wp-json/wp/v2/taxonomies").await;
    assert_eq!(tax.json["category"]["rest_base"], "categories");
    assert_eq!(tax.json["post_tag"]["hierarchical"], false);
    assert_eq!(
        ok(&site, "/wp-json/wp/v2/taxonomies/post_tag").await.json["name"],
        "Tags"
    );
    refused(
        &site,
        "/wp-json/wp/v2/taxonomies/nope",
        StatusCode::NOT_FOUND,
        "rest_taxonomy_invalid",
    )
    .await;
    let statuses = ok(&site, "/wp-json/wp/v2/statuses").await;
    assert_eq!(
        statuses
            .json
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["publish"]
    );
    refused(
        &site,
        "/wp-json/wp/v2/statuses/draft",
        StatusCode::NOT_FOUND,
        "rest_status_invalid",
    )
    .await;
}

async fn oembed_describes_story_links(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let url = format!("http://localhost{story}");
    let q = serde_urlencoded::to_string([("url", url.as_str())]).unwrap();
    let a = ok(&site, &format!("/wp-json/oembed/1.0/embed?{q}")).await;
    assert_eq!(a.json["version"], "1.0");
    assert_eq!(a.json["type"], "rich");
    assert_eq!(a.json["provider_name"], "Newsdesk Daily");
    assert_eq!(a.json["title"], REFERENCE);
    assert_eq!(a.json["width"], 600);
    assert!(a.json["html"].as_str().unwrap().contains(&url));
    assert!(a.json["author_name"].is_string());
    let narrow = ok(
        &site,
        &format!("/wp-json/oembed/1.0/embed?{q}&maxwidth=300"),
    )
    .await;
    assert_eq!(narrow.json["width"], 300);
    refused(
        &site,
        "/wp-json/oembed/1.0/embed",
        StatusCode::BAD_REQUEST,
        "rest_missing_callback_param",
    )
    .await;
    for other in [
        "http://elsewhere.example/2026/01/01/x/",
        "http://localhost/about/",
        "http://localhost/2026/01/01/no-such-story/",
    ] {
        let q = serde_urlencoded::to_string([("url", other)]).unwrap();
        refused(
            &site,
            &format!("/wp-json/oembed/1.0/embed?{q}"),
            StatusCode::NOT_FOUND,
            "oembed_invalid_url",
        )
        .await;
    }
    refused(
        &site,
        &format!("/wp-json/oembed/1.0/embed?{q}&format=xml"),
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
    )
    .await;
}

async fn bad_requests_get_wordpress_errors(site: TestSite) {
    use StatusCode as S;
    let total = published_stories(&site).await;
    let past_end = (total + 9) / 10 + 1;
    let cases: Vec<(String, S, &str, Option<&str>)> = vec![
        (
            "/wp-json/nothing".into(),
            S::NOT_FOUND,
            "rest_no_route",
            None,
        ),
        (
            "/wp-json/wp/v2/nothing".into(),
            S::NOT_FOUND,
            "rest_no_route",
            None,
        ),
        (
            "/wp-json/wp/v2/posts/abc".into(),
            S::NOT_FOUND,
            "rest_no_route",
            None,
        ),
        (
            "/wp-json/wp/v2/posts/-1".into(),
            S::NOT_FOUND,
            "rest_no_route",
            None,
        ),
        (
            "/wp-json/wp/v2/posts/99999999999999999999999".into(),
            S::NOT_FOUND,
            "rest_no_route",
            None,
        ),
        (
            "/wp-json/wp/v2/posts/999999".into(),
            S::NOT_FOUND,
            "rest_post_invalid_id",
            None,
        ),
        (
            "/wp-json/wp/v2/posts?per_page=0".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("per_page"),
        ),
        (
            "/wp-json/wp/v2/posts?per_page=101".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("per_page"),
        ),
        (
            "/wp-json/wp/v2/posts?per_page=ten".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("per_page"),
        ),
        (
            "/wp-json/wp/v2/posts?page=0".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("page"),
        ),
        (
            "/wp-json/wp/v2/posts?page=1e3".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("page"),
        ),
        (
            "/wp-json/wp/v2/posts?page=99999999999999999999".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("page"),
        ),
        (
            "/wp-json/wp/v2/posts?page=9223372036854775807".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("page"),
        ),
        (
            format!("/wp-json/wp/v2/posts?page={past_end}"),
            S::BAD_REQUEST,
            "rest_post_invalid_page_number",
            None,
        ),
        (
            "/wp-json/wp/v2/posts?offset=-1".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("offset"),
        ),
        (
            "/wp-json/wp/v2/posts?include=1,x".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("include"),
        ),
        (
            "/wp-json/wp/v2/posts?exclude[]=-3".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("exclude"),
        ),
        (
            "/wp-json/wp/v2/posts?categories=news".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("categories"),
        ),
        (
            "/wp-json/wp/v2/posts?author=me".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("author"),
        ),
        (
            "/wp-json/wp/v2/posts?order=sideways".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("order"),
        ),
        (
            "/wp-json/wp/v2/posts?orderby=popularity".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("orderby"),
        ),
        (
            "/wp-json/wp/v2/posts?orderby=include".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("orderby"),
        ),
        (
            "/wp-json/wp/v2/posts?orderby=relevance".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("orderby"),
        ),
        (
            "/wp-json/wp/v2/posts?sticky=maybe".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("sticky"),
        ),
        (
            "/wp-json/wp/v2/posts?after=yesterday".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("after"),
        ),
        (
            "/wp-json/wp/v2/posts?modified_before=2026-13-45T00:00:00".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("modified_before"),
        ),
        (
            "/wp-json/wp/v2/posts?context=full".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("context"),
        ),
        (
            "/wp-json/wp/v2/posts?context=edit".into(),
            S::UNAUTHORIZED,
            "rest_forbidden_context",
            None,
        ),
        (
            "/wp-json/wp/v2/posts/1?context=edit".into(),
            S::UNAUTHORIZED,
            "rest_forbidden_context",
            None,
        ),
        (
            "/wp-json/wp/v2/categories?context=edit".into(),
            S::UNAUTHORIZED,
            "rest_forbidden_context",
            None,
        ),
        (
            "/wp-json/wp/v2/comments?context=edit".into(),
            S::UNAUTHORIZED,
            "rest_forbidden_context",
            None,
        ),
        (
            "/wp-json/wp/v2/categories?parent=x".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("parent"),
        ),
        (
            "/wp-json/wp/v2/tags?hide_empty=perhaps".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("hide_empty"),
        ),
        (
            "/wp-json/wp/v2/comments?post=x".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("post"),
        ),
        (
            "/wp-json/wp/v2/tags?per_page=1000".into(),
            S::BAD_REQUEST,
            "rest_invalid_param",
            Some("per_page"),
        ),
    ];
    for (path, status, code, param) in cases {
        let a = refused(&site, &path, status, code).await;
        if let Some(param) = param {
            assert!(
                a.json["data"]["params"][param].is_string(),
                "{path}: {}",
                a.json
            );
        }
        let text = a.json.to_string().to_lowercase();
        for leak in ["sqlx", "panicked", "sqlite", "postgres", "error returned"] {
            assert!(!text.contains(leak), "{path}: {text}");
        }
    }
    // Methods a route does not take: no route, as WordPress answers (the write routes are
    // tested in `api_write`).
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        for path in [
            "/wp-json/wp/v2/types",
            "/wp-json/wp/v2/statuses/publish",
            "/wp-json/",
        ] {
            let res = crate::support::send_to(
                site.app.clone(),
                axum::http::Request::builder()
                    .method(method)
                    .uri(path)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from("{\"title\":\"x\"}"))
                    .unwrap(),
            )
            .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}");
            let j: Value = serde_json::from_str(&res.body).unwrap();
            assert_eq!(j["code"], "rest_no_route", "{method} {path}");
        }
    }
    // Errors are never kept by caches.
    let a = api(&site, "/wp-json/wp/v2/posts/999999").await;
    assert_eq!(a.header("cache-control"), "no-store");
}

async fn answers_are_cacheable(site: TestSite) {
    let first = site.get("/wp-json/wp/v2/posts?per_page=3").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = site
        .get_with_headers(
            "/wp-json/wp/v2/posts?per_page=3",
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // The paging headers survive the page cache.
    let cached = site.get("/wp-json/wp/v2/posts?per_page=3").await;
    assert_eq!(cached.body, first.body);
    assert_eq!(cached.headers["x-wp-total"], first.headers["x-wp-total"]);
    assert_eq!(cached.headers.get_all(header::LINK).iter().count(), 1);
    // A change to the content is seen at once.
    let id = serde_json::from_str::<Value>(&first.body).unwrap()[0]["id"]
        .as_i64()
        .unwrap();
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'draft' WHERE id = {id}"
    ))
    .await;
    site.store.touch();
    let after = ok(&site, "/wp-json/wp/v2/posts?per_page=3").await;
    assert!(!after.ids().contains(&id));
}

async fn api_snapshots(site: TestSite) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "[DATE]");
    settings.add_filter(r"/\d{4}/\d\d/\d\d/", "/[Y]/[M]/[D]/");
    settings.set_prepend_module_to_snapshot(false);
    let slug = newsdesk::domain::slug::Slug::from_title(REFERENCE, "story");
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap();
    let story = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?slug={}&_embed", slug.as_str()),
    )
    .await;
    let sections = ok(&site, "/wp-json/wp/v2/categories?per_page=3").await;
    let comments = ok(&site, "/wp-json/wp/v2/comments?per_page=2").await;
    let error = api(&site, "/wp-json/wp/v2/posts?per_page=500").await;
    settings.bind(|| {
        insta::assert_snapshot!("api_story_embedded", pretty(&story.json));
        insta::assert_snapshot!("api_sections_page", pretty(&sections.json));
        insta::assert_snapshot!("api_comments_page", pretty(&comments.json));
        insta::assert_snapshot!("api_invalid_param", pretty(&error.json));
    });
}

async fn terms_of_unreadable_stories_are_not_told(site: TestSite) {
    let id = reference_id(&site).await;
    let cats = ok(&site, &format!("/wp-json/wp/v2/categories?post={id}")).await;
    assert!(!cats.items().is_empty());
    ok(&site, &format!("/wp-json/wp/v2/tags?post={id}")).await;
    for change in [
        "status = 'draft'",
        "status = 'published', published_at = '2999-01-01T00:00:00+00:00'",
    ] {
        site.raw_execute(&format!("UPDATE articles SET {change} WHERE id = {id}"))
            .await;
        site.store.touch();
        for route in ["categories", "tags"] {
            refused(
                &site,
                &format!("/wp-json/wp/v2/{route}?post={id}"),
                StatusCode::NOT_FOUND,
                "rest_post_invalid_id",
            )
            .await;
        }
    }
    refused(
        &site,
        "/wp-json/wp/v2/tags?post=999999",
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
}

async fn protected_items_keep_their_comments_and_images(site: TestSite) {
    // A story with approved comments.
    let (_, story) = site
        .raw_pairs(
            "SELECT 'a', c.article_id FROM comments c JOIN articles a ON a.id = c.article_id \
             WHERE c.status = 'approved' AND a.status = 'published' ORDER BY c.id LIMIT 1",
        )
        .await
        .remove(0);
    let (_, comment) = site
        .raw_pairs(&format!(
            "SELECT 'c', id FROM comments WHERE status = 'approved' AND article_id = {story} \
             ORDER BY id LIMIT 1"
        ))
        .await
        .remove(0);
    let (image, _) = crate::protected_posts::upload_image(&site).await;
    site.raw_execute(&format!(
        "UPDATE articles SET featured_image_id = {image} WHERE id = {story}"
    ))
    .await;
    site.store.touch();
    let before = ok(&site, &format!("/wp-json/wp/v2/comments?post={story}")).await;
    assert!(before.ids().contains(&comment));
    let embedded = ok(&site, &format!("/wp-json/wp/v2/posts/{story}?_embed")).await;
    assert!(embedded.json["_embedded"]["replies"].is_array());
    assert!(embedded.json["_embedded"]["wp:featuredmedia"].is_array());
    assert_eq!(embedded.json["featured_media"], image);
    assert!(
        ok(&site, "/wp-json/wp/v2/media?per_page=100")
            .await
            .ids()
            .contains(&image)
    );
    let url = embedded.json["link"].as_str().unwrap().to_owned();
    let oembed = format!("/wp-json/oembed/1.0/embed?url={}", urlencode(&url));
    assert!(ok(&site, &oembed).await.json["thumbnail_url"].is_string());

    site.raw_execute(&format!(
        "UPDATE articles SET password = 'open sesame' WHERE id = {story}"
    ))
    .await;
    site.store.touch();
    let after = ok(&site, &format!("/wp-json/wp/v2/comments?post={story}")).await;
    assert!(after.items().is_empty());
    let all = ok(&site, "/wp-json/wp/v2/comments?per_page=100").await;
    assert!(!all.ids().contains(&comment));
    refused(
        &site,
        &format!("/wp-json/wp/v2/comments/{comment}"),
        StatusCode::NOT_FOUND,
        "rest_comment_invalid_id",
    )
    .await;
    let embedded = ok(&site, &format!("/wp-json/wp/v2/posts/{story}?_embed")).await;
    assert!(embedded.json["_embedded"].get("replies").is_none());
    assert!(embedded.json["_embedded"].get("wp:featuredmedia").is_none());
    assert_eq!(embedded.json["featured_media"], 0);
    assert!(embedded.json["_links"].get("wp:featuredmedia").is_none());
    assert!(
        !ok(&site, "/wp-json/wp/v2/media?per_page=100")
            .await
            .ids()
            .contains(&image)
    );
    refused(
        &site,
        &format!("/wp-json/wp/v2/media/{image}"),
        StatusCode::NOT_FOUND,
        "rest_post_invalid_id",
    )
    .await;
    let o = ok(&site, &oembed).await;
    assert!(o.json.get("thumbnail_url").is_none());
    let title = o.json["title"].as_str().unwrap();
    assert!(title.starts_with("Protected: "), "{title}");

    // A protected page's comments are hidden too.
    let page = ok(&site, "/wp-json/wp/v2/pages?slug=about").await.ids()[0];
    site.raw_execute(&format!(
        "INSERT INTO comments (page_id, author_name, author_email, body, status, created_at) \
         VALUES ({page}, 'Page Reader', 'reader@example.org', 'On the page', 'approved', \
         '2026-01-01T00:00:00+00:00')"
    ))
    .await;
    site.store.touch();
    let on_page = format!("/wp-json/wp/v2/comments?post={page}&post_type=page");
    assert_eq!(ok(&site, &on_page).await.items().len(), 1);
    site.raw_execute(&format!(
        "UPDATE pages SET password = 'open sesame' WHERE id = {page}"
    ))
    .await;
    site.store.touch();
    assert!(ok(&site, &on_page).await.items().is_empty());
    let embedded = ok(&site, &format!("/wp-json/wp/v2/pages/{page}?_embed")).await;
    assert!(
        embedded
            .json
            .get("_embedded")
            .is_none_or(|e| e.get("replies").is_none())
    );
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("u", s)]).unwrap()[2..].to_owned()
}

async fn avatars_only_of_listed_people(site: TestSite) {
    let (image, _) = crate::protected_posts::upload_image(&site).await;
    let nobody = site
        .add_staff("quietdesk", newsdesk::domain::user::Role::Contributor)
        .await;
    site.raw_execute(&format!(
        "UPDATE users SET avatar_id = {image} WHERE id = {nobody}"
    ))
    .await;
    site.store.touch();
    let users = ok(&site, "/wp-json/wp/v2/users?per_page=100").await;
    assert!(!users.ids().contains(&nobody));
    assert!(
        !ok(&site, "/wp-json/wp/v2/media?per_page=100")
            .await
            .ids()
            .contains(&image)
    );
    // Once the person has published work, their avatar is listed with them.
    let story = reference_id(&site).await;
    site.raw_execute(&format!(
        "INSERT INTO article_authors (article_id, user_id, position) VALUES ({story}, {nobody}, 9)"
    ))
    .await;
    site.store.touch();
    assert!(
        ok(&site, "/wp-json/wp/v2/users?per_page=100")
            .await
            .ids()
            .contains(&nobody)
    );
    assert!(
        ok(&site, "/wp-json/wp/v2/media?per_page=100")
            .await
            .ids()
            .contains(&image)
    );
}

async fn long_lists_are_refused(site: TestSite) {
    let ids: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let long = ids.join(",");
    let hundred = ids[..100].join(",");
    for (route, name) in [
        ("posts", "include"),
        ("posts", "exclude"),
        ("posts", "author"),
        ("posts", "categories"),
        ("posts", "tags_exclude"),
        ("pages", "parent"),
        ("comments", "post"),
        ("tags", "include"),
        ("users", "exclude"),
        ("media", "include"),
    ] {
        let a = refused(
            &site,
            &format!("/wp-json/wp/v2/{route}?{name}={long}"),
            StatusCode::BAD_REQUEST,
            "rest_invalid_param",
        )
        .await;
        assert!(a.json["data"]["params"][name].is_string(), "{route} {name}");
        ok(&site, &format!("/wp-json/wp/v2/{route}?{name}={hundred}")).await;
    }
    let slugs: Vec<String> = (1..=101).map(|i| format!("s{i}")).collect();
    let a = refused(
        &site,
        &format!("/wp-json/wp/v2/posts?slug={}", slugs.join(",")),
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
    )
    .await;
    assert!(a.json["data"]["params"]["slug"].is_string());
    let a = refused(
        &site,
        "/wp-json/wp/v2/posts?offset=99999999999",
        StatusCode::BAD_REQUEST,
        "rest_invalid_param",
    )
    .await;
    assert!(a.json["data"]["params"]["offset"].is_string(), "{}", a.json);
}

async fn page_comments_are_asked_for_by_post_type(site: TestSite) {
    let page = ok(&site, "/wp-json/wp/v2/pages?slug=about").await.json[0].clone();
    let id = page["id"].as_i64().unwrap();
    site.raw_execute(&format!(
        "INSERT INTO comments (page_id, author_name, author_email, body, status, created_at) \
         VALUES ({id}, 'Page Reader', 'reader@example.org', 'On the page', 'approved', \
         '2026-01-01T00:00:00+00:00')"
    ))
    .await;
    site.store.touch();
    let page = ok(&site, &format!("/wp-json/wp/v2/pages/{id}")).await.json;
    let replies = page["_links"]["replies"][0]["href"].as_str().unwrap();
    assert_eq!(
        replies,
        format!("http://localhost/wp-json/wp/v2/comments?post={id}&post_type=page")
    );
    let on_page = ok(&site, &replies.replace("http://localhost", "")).await;
    assert_eq!(on_page.items().len(), 1);
    let c = &on_page.items()[0];
    assert_eq!(c["post"], id);
    assert_eq!(c["author_name"], "Page Reader");
    assert!(
        c["link"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost/about/#comment-")
    );
    assert_eq!(
        c["_links"]["up"][0]["href"],
        format!("http://localhost/wp-json/wp/v2/pages/{id}")
    );
    // `post` alone names stories: the page's comment is not among a story's.
    let on_story = ok(&site, &format!("/wp-json/wp/v2/comments?post={id}")).await;
    assert!(
        on_story
            .items()
            .iter()
            .all(|c| c["author_name"] != "Page Reader")
    );
    let embedded = ok(&site, &format!("/wp-json/wp/v2/pages/{id}?_embed")).await;
    assert_eq!(
        embedded.json["_embedded"]["replies"][0][0]["author_name"],
        "Page Reader"
    );
}

async fn envelope_keeps_both_links_and_wraps_errors(site: TestSite) {
    let a = ok(&site, "/wp-json/wp/v2/posts?per_page=1&page=2&_envelope").await;
    let link = a.json["headers"]["Link"].as_str().unwrap();
    assert!(link.contains("rel=\"prev\""), "{link}");
    assert!(link.contains("rel=\"next\""), "{link}");
    let e = ok(&site, "/wp-json/wp/v2/posts/999999?_envelope").await;
    assert_eq!(e.json["status"], 404);
    assert_eq!(e.json["body"]["code"], "rest_post_invalid_id");
    assert!(e.json["headers"].is_object());
    let e = ok(&site, "/wp-json/wp/v2/posts?per_page=1000&_envelope").await;
    assert_eq!(e.json["status"], 400);
    assert_eq!(e.json["body"]["code"], "rest_invalid_param");
}

async fn cors_headers_echo_the_origin_past_the_cache(site: TestSite) {
    for origin in ["https://one.example", "https://two.example"] {
        let page = site
            .get_with_headers("/wp-json/wp/v2/posts", &[("Origin", origin)])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let h = |n: &str| {
            page.headers
                .get_all(n)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(h("access-control-allow-origin"), origin);
        assert_eq!(
            h("access-control-expose-headers"),
            "X-WP-Total, X-WP-TotalPages, Link"
        );
        assert!(h("access-control-allow-headers").contains("X-WP-Nonce"));
        assert!(h("access-control-allow-credentials").is_empty());
        assert!(h("vary").contains("Origin"));
    }
    let plain = site.get("/wp-json/wp/v2/posts").await;
    assert_eq!(
        plain.headers.get("access-control-allow-origin").unwrap(),
        "*"
    );
    let preflight = crate::support::send_to(
        site.app.clone(),
        axum::http::Request::options("/wp-json/wp/v2/posts")
            .header("Origin", "https://one.example")
            .header("Access-Control-Request-Method", "GET")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::OK, "{}", preflight.body);
    assert_eq!(preflight.headers.get("allow").unwrap(), "GET");
    assert_eq!(
        preflight
            .headers
            .get("access-control-allow-origin")
            .unwrap(),
        "https://one.example"
    );
    let unknown = crate::support::send_to(
        site.app.clone(),
        axum::http::Request::options("/wp-json/wp/v2/nothing")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn tax_relation_or_matches_either_list(site: TestSite) {
    // A section, and a tag some published story outside that section has.
    let (_, category) = site
        .raw_pairs(
            "SELECT 'c', r.category_id FROM article_categories r JOIN articles a ON a.id = r.article_id \
             WHERE a.status = 'published' ORDER BY r.category_id LIMIT 1",
        )
        .await
        .remove(0);
    let (_, tag) = site
        .raw_pairs(&format!(
            "SELECT 't', r.tag_id FROM article_tags r JOIN articles a ON a.id = r.article_id \
             WHERE a.status = 'published' AND a.id NOT IN \
             (SELECT article_id FROM article_categories WHERE category_id = {category}) \
             ORDER BY r.tag_id LIMIT 1"
        ))
        .await
        .remove(0);
    let expected = count(
        &site,
        &format!(
            "SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND \
             (a.id IN (SELECT article_id FROM article_categories WHERE category_id = {category}) \
             OR a.id IN (SELECT article_id FROM article_tags WHERE tag_id = {tag}))"
        ),
    )
    .await;
    let both = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?categories={category}&tags={tag}"),
    )
    .await;
    let either = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?categories={category}&tags={tag}&tax_relation=OR"),
    )
    .await;
    assert_eq!(either.total(), expected);
    assert!(either.total() > both.total());
    let and = ok(
        &site,
        &format!("/wp-json/wp/v2/posts?categories={category}&tags={tag}&tax_relation=AND"),
    )
    .await;
    assert_eq!(and.total(), both.total());
}

/// `X-WP-Total` of a public list is counted once and kept (a count reads every row of the list:
/// the whole archive for the newest stories), until a write changes the list or a story dated
/// ahead comes due. Asked of the store with explicit times, so nothing waits on the clock.
async fn list_totals_are_kept_until_a_write_or_a_story_comes_due(site: TestSite) {
    use newsdesk::store::rest::{ContentFilter, ContentKind, ListFilter};
    let store = &site.store;
    let filter = ContentFilter {
        list: ListFilter {
            limit: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let total = async |now: chrono::DateTime<chrono::Utc>| -> i64 {
        let (rows, total) = store
            .rest_content(ContentKind::Story, &filter, now)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        total
    };
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0);
    let published = published_stories(&site).await;
    assert_eq!(total(now).await, published);

    // The reference story is dated an hour ahead, as a node with a fast clock could date it.
    let reference = reference_id(&site).await;
    let ahead = now + chrono::Duration::hours(1);
    site.raw_execute(&format!(
        "UPDATE articles SET published_at = '{}' WHERE id = {reference}",
        ahead.to_rfc3339()
    ))
    .await;
    site.store.touch();
    assert_eq!(total(now).await, published - 1);

    assert_eq!(
        total(ahead - chrono::Duration::seconds(1)).await,
        published - 1
    );
    // It comes due with no write at all.
    assert_eq!(total(ahead).await, published);

    // The count is kept: a change the store is not told of does not show...
    let other = count(
        &site,
        &format!("SELECT MIN(id) FROM articles WHERE status = 'published' AND id <> {reference}"),
    )
    .await;
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'draft' WHERE id = {other}"
    ))
    .await;
    assert_eq!(total(ahead).await, published);
    assert_eq!(
        total(ahead + chrono::Duration::days(1)).await,
        published,
        "nothing else is dated ahead"
    );
    // ...until a write,
    site.store.touch();
    assert_eq!(total(ahead).await, published - 1);
    // and a count is not used for a time before it was made.
    assert_eq!(total(now).await, published - 2);
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'published' WHERE id = {other}"
    ))
    .await;
    site.store.touch();
    assert_eq!(total(ahead).await, published);
}
