//! Images as readers see them: `<picture>` with WebP copies, `srcset`, sizes, lazy loading and
//! the one high-priority image; photo credits on the page and in JSON-LD; the demo's
//! illustrations.

use axum::http::StatusCode;
use chrono::Utc;
use newsdesk::actions::ActionError;
use newsdesk::actions::media::{self, MediaText};
use newsdesk::demo::STORIES;
use newsdesk::domain::user::{NewUser, Role, Staff};

use crate::support::{ORIGIN, Page, TestSite};

const CREDIT: &str = "Illustration: Newsdesk demo";
const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

on_both_backends!(demo:
    every_demo_story_has_a_featured_image_with_alt_caption_and_credit,
    the_front_page_has_one_priority_image_and_lazy_others,
    inline_figures_are_pictures_with_their_credit_and_a_pull_quote,
    archives_and_search_results_have_thumbnails,
);

on_both_backends!(empty:
    the_credit_is_edited_trimmed_and_bounded,
);

/// Every `<img>` of the page as (src, loading, fetchpriority, width, height).
fn images(page: &Page) -> Vec<(String, Option<String>, Option<String>, bool)> {
    let sel = scraper::Selector::parse("img").unwrap();
    page.html()
        .select(&sel)
        .map(|e| {
            let v = e.value();
            (
                v.attr("src").unwrap_or("").to_owned(),
                v.attr("loading").map(str::to_owned),
                v.attr("fetchpriority").map(str::to_owned),
                v.attr("width").is_some_and(|w| w.parse::<u32>().is_ok())
                    && v.attr("height").is_some_and(|h| h.parse::<u32>().is_ok()),
            )
        })
        .collect()
}

async fn every_demo_story_has_a_featured_image_with_alt_caption_and_credit(site: TestSite) {
    for story in STORIES {
        let url = site.url_of(story.title).await;
        let page = site.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let img = |attr: &str| page.attrs(".story-image img", attr);
        assert_eq!(img("src").len(), 1, "{url}: one featured image");
        assert!(img("src")[0].starts_with("/media/"), "{url}");
        assert!(img("alt")[0].starts_with("Illustration of "), "{url}");
        assert!(img("srcset")[0].contains(" 320w, "), "{url}");
        assert_eq!(img("fetchpriority"), vec!["high"], "{url}");
        assert!(img("loading").is_empty(), "{url}");
        assert_eq!(page.texts(".story-image figcaption .credit"), vec![CREDIT]);
        assert_eq!(page.texts(".story-image figcaption .caption").len(), 1);
        // Every image has its size, and only the featured image is not lazy.
        for (src, loading, priority, sized) in images(&page) {
            assert!(sized, "{url}: {src} has no width and height");
            if priority.is_none() {
                assert_eq!(loading.as_deref(), Some("lazy"), "{url}: {src}");
            }
        }
        // A WebP source, where there is one, offers the same widths with the same sizes.
        for source in page.attrs(".story-image picture source", "type") {
            assert_eq!(source, "image/webp");
        }
    }
}

async fn the_front_page_has_one_priority_image_and_lazy_others(site: TestSite) {
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let all = images(&page);
    assert!(all.len() > 10, "{all:?}");
    let lead = page.attrs(".lead img", "src");
    assert_eq!(lead.len(), 1);
    let priority: Vec<_> = all.iter().filter(|i| i.2.is_some()).collect();
    assert_eq!(priority.len(), 1, "{priority:?}");
    assert_eq!(priority[0].0, lead[0]);
    assert_eq!(priority[0].1, None, "the lead image is not lazy");
    for (src, loading, priority, sized) in &all {
        assert!(sized, "{src}");
        if priority.is_none() {
            assert_eq!(loading.as_deref(), Some("lazy"), "{src}");
        }
    }
    // Secondary stories with images, lists with thumbnails, sections with both.
    assert!(page.attrs(".latest .card-grid .card__image", "src").len() >= 4);
    assert!(
        !page
            .attrs(".latest .card--row .card__image", "src")
            .is_empty()
    );
    assert!(
        !page
            .attrs(".section-block .card--row .card__image", "src")
            .is_empty()
    );
    // Where an image has WebP copies, they come first, with the fallback's sizes.
    let sel = scraper::Selector::parse("picture").unwrap();
    let source = scraper::Selector::parse("source").unwrap();
    let img = scraper::Selector::parse("img").unwrap();
    for picture in page.html().select(&sel) {
        let s = picture.select(&source).next().expect("a source");
        let i = picture.select(&img).next().expect("an img");
        assert_eq!(s.value().attr("type"), Some("image/webp"));
        assert!(s.value().attr("srcset").unwrap().contains(".webp "));
        assert_eq!(s.value().attr("sizes"), i.value().attr("sizes"));
    }
}

async fn inline_figures_are_pictures_with_their_credit_and_a_pull_quote(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    let page = site.get(&url).await;
    let inline = page.attrs(".story-body figure img", "src");
    assert_eq!(inline.len(), 1, "one illustration in the text");
    assert!(inline[0].starts_with("/media/"));
    let img = |attr: &str| page.attrs(".story-body figure img", attr);
    assert_eq!(img("loading"), vec!["lazy"]);
    assert!(img("srcset")[0].contains(" 320w"));
    assert!(img("sizes")[0].contains("42rem"));
    assert!(!img("width")[0].is_empty() && !img("height")[0].is_empty());
    assert_eq!(
        page.texts(".story-body figure figcaption .credit"),
        vec![CREDIT]
    );
    assert_eq!(
        page.texts(".story-body figure blockquote p"),
        vec!["“Thank you for inviting us, despite your tight schedule.”"]
    );
    // The REST API gives the featured image's credit as `meta.credit`.
    let featured = &page.attrs(".story-image img", "src")[0];
    let id = featured.split('/').nth(2).unwrap();
    let api = site.get(&format!("/wp-json/wp/v2/media/{id}")).await;
    assert_eq!(api.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["meta"]["credit"], CREDIT);
    // Its `content.rendered` has absolute addresses, as WordPress's has: apps show it away
    // from the site. `content.raw` stays as stored.
    let slug = url.trim_end_matches('/').rsplit('/').next().unwrap();
    let api = site
        .get(&format!("/wp-json/wp/v2/posts?slug={slug}&context=view"))
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let rendered = json[0]["content"]["rendered"].as_str().unwrap();
    let absolute = format!("src=\"{ORIGIN}/media/");
    assert!(
        rendered.contains(&absolute) && !rendered.contains("src=\"/"),
        "{absolute} in the API's content: {rendered}"
    );
    assert!(json[0]["content"].get("raw").is_none());
    // The stored text is unchanged: the picture is made on the way out.
    let stored = site
        .raw_pairs("SELECT body, CAST(COUNT(*) AS BIGINT) FROM articles WHERE body LIKE '%<figure><img%' GROUP BY body")
        .await;
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|(body, _)| !body.contains("<picture")));
}

async fn archives_and_search_results_have_thumbnails(site: TestSite) {
    for path in [
        "/category/world/",
        "/search?q=space",
        "/author/helena-varga/",
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let thumbs = page.attrs(".story-list .card--row .card__image", "src");
        assert!(!thumbs.is_empty(), "{path}");
        let all = images(&page);
        let priority: Vec<_> = all.iter().filter(|i| i.2.is_some()).collect();
        assert_eq!(priority.len(), 1, "{path}: {priority:?}");
        assert_eq!(priority[0].0, thumbs[0], "{path}: the first thumbnail");
        for (src, _, _, sized) in &all {
            assert!(sized, "{path}: {src}");
        }
    }
}

async fn the_credit_is_edited_trimmed_and_bounded(site: TestSite) {
    let mut tx = site.store.begin().await.unwrap();
    let id = newsdesk::actions::site::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &NewUser {
            login: "ed".into(),
            email: "ed@example.invalid".into(),
            display_name: "Ed".into(),
            slug: None,
            bio: String::new(),
            role: Role::Editor,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let editor = Staff {
        id,
        login: "ed".into(),
        display_name: "Ed".into(),
        email: "ed@example.invalid".into(),
        role: Role::Editor,
    };
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 40, |x, y| {
            image::Rgb([x as u8 * 3, y as u8 * 5, 90])
        }))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
        out.into_inner()
    };
    let text = MediaText {
        alt_text: "A chart",
        caption: "Rainfall by month.",
        credit: "  Graphic:  Ed / Newsdesk ",
    };
    let item = media::upload_described(&site.store, &editor, "chart.png", png, text, Utc::now())
        .await
        .unwrap();
    assert_eq!(item.credit, "Graphic: Ed / Newsdesk");
    // Alt text and caption alone leave the credit as it is.
    let item = media::update_details(&site.store, &editor, item.id, "A bar chart", "Rain.")
        .await
        .unwrap();
    assert_eq!(item.credit, "Graphic: Ed / Newsdesk");
    let item = media::update_text(
        &site.store,
        &editor,
        item.id,
        "A bar chart",
        "Rain.",
        Some("Photo: Jane Doe / Agency"),
    )
    .await
    .unwrap();
    assert_eq!(item.credit, "Photo: Jane Doe / Agency");
    match media::update_text(
        &site.store,
        &editor,
        item.id,
        "",
        "",
        Some(&"c".repeat(201)),
    )
    .await
    {
        Err(ActionError::Invalid { message, .. }) => {
            assert!(message.contains("200 characters"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let library = site.store.media_library("jane doe", 10, 0).await.unwrap();
    assert_eq!(library.len(), 1, "the library searches credits");
}
