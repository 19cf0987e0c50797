//! The media library: uploads judged by their content, stored without metadata with their
//! responsive widths, served at addresses that never change, shown with `srcset`, and the
//! rules on who may upload, change and delete.

use std::io::Cursor;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use newsdesk::actions::{ActionError, articles, media};
use newsdesk::domain::article::Status;
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::{NewUser, Role, Staff};
use newsdesk::store::media::MediaItem;

use crate::support::TestSite;

on_both_backends!(empty:
    exif_is_applied_and_stripped_from_every_file,
    transparent_png_stays_png_and_widths_follow_the_original,
    refused_uploads_store_nothing,
    files_are_served_for_a_year_and_revalidate,
    featured_uploads_get_srcset,
    images_in_use_are_deleted_only_when_forced,
    feeds_carry_the_real_size_and_type_of_images,
    the_library_lists_searches_and_edits,
);

async fn staff(site: &TestSite, login: &str, role: Role) -> Staff {
    let mut tx = site.store.begin().await.unwrap();
    let display_name = format!("{login} {}", role.label());
    let id = newsdesk::actions::site::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &NewUser {
            login: login.into(),
            email: format!("{login}@example.invalid"),
            display_name: display_name.clone(),
            slug: None,
            bio: String::new(),
            role,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Staff {
        id,
        login: login.into(),
        display_name,
        email: format!("{login}@example.invalid"),
        role,
    }
}

fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, 120])
    }))
}

/// Camera noise: no format compresses it much, so every smaller width weighs less than the
/// original (a width that would weigh more is not kept).
fn noisy(width: u32, height: u32) -> DynamicImage {
    let mut seed = 17u32;
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        Rgb([(seed >> 16) as u8, (seed >> 24) as u8, 120])
    }))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A camera JPEG: an APP1 EXIF segment right after SOI, with Orientation = 6 (turn 90°
/// clockwise to display), the camera's make and a GPS position.
fn camera_jpeg(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encoded(&photo(width, height), ImageFormat::Jpeg);
    // Big-endian TIFF header, IFD0 at offset 8.
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    // IFD0 (8): Make "Cam" (inline), Orientation 6, GPS IFD pointer → 50.
    tiff.extend_from_slice(&[0, 3]);
    tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4, b'C', b'a', b'm', 0]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 50]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(tiff.len(), 50);
    // GPS IFD (50): latitude reference "N", latitude 51/1 deg → rationals at 80.
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x00, 0x02, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(tiff.len(), 80);
    for (num, den) in [(51u32, 1u32), (30, 1), (0, 1)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&u16::try_from(segment.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn upload(site: &TestSite, who: &Staff, name: &str, bytes: Vec<u8>) -> MediaItem {
    media::upload(
        &site.store,
        who,
        name,
        bytes,
        "Harbour at dawn",
        "",
        Utc::now(),
    )
    .await
    .unwrap()
}

/// `(variant, width, height, content type)` of an item's stored files.
async fn files(site: &TestSite, id: i64) -> Vec<(String, i64, i64, String)> {
    site.store
        .media_item(id)
        .await
        .unwrap()
        .unwrap()
        .files
        .into_iter()
        .map(|f| (f.variant, f.width, f.height, f.content_type))
        .collect()
}

async fn stored_file_count(site: &TestSite) -> i64 {
    site.raw_pairs("SELECT 'files', CAST(COUNT(*) AS BIGINT) FROM media_files")
        .await[0]
        .1
}

async fn exif_is_applied_and_stripped_from_every_file(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let upload_bytes = camera_jpeg(700, 400);
    assert!(contains(&upload_bytes, b"Exif") && contains(&upload_bytes, b"Cam"));
    let item = upload(&site, &author, "IMG_0042.JPG", upload_bytes).await;

    // Turned upright: the 700 × 400 sensor image is a 400 × 700 portrait.
    assert_eq!((item.width, item.height), (Some(400), Some(700)));
    assert_eq!(item.file_name, "img-0042.jpg");
    assert_eq!(
        item.url,
        format!("/media/{}/original/img-0042.jpg", item.id)
    );
    assert_eq!(item.mime_type, "image/jpeg");
    assert_eq!(item.uploaded_by, Some(author.id));
    assert_eq!(item.uploader.as_deref(), Some("ana Author"));
    assert_eq!(
        files(&site, item.id).await,
        vec![
            ("original".into(), 400, 700, "image/jpeg".into()),
            ("w320".into(), 320, 560, "image/jpeg".into()),
        ]
    );
    for (variant, size) in [("original", (400, 700)), ("w320", (320, 560))] {
        let served = site
            .get_raw(&format!("/media/{}/{variant}/img-0042.jpg", item.id), &[])
            .await;
        assert_eq!(served.status, StatusCode::OK, "{variant}");
        assert_eq!(served.header("content-type"), "image/jpeg");
        for marker in [b"Exif".as_slice(), b"Cam", b"MM\0\x2A"] {
            assert!(!contains(&served.body, marker), "{variant} keeps metadata");
        }
        let decoded = image::load_from_memory(&served.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), size, "{variant}");
    }
    assert_eq!(
        item.byte_size,
        site.get_raw(&item.url, &[]).await.body.len() as i64
    );
}

async fn transparent_png_stays_png_and_widths_follow_the_original(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let logo = DynamicImage::ImageRgba8(RgbaImage::from_fn(700, 70, |x, _| {
        Rgba([160, 0, 30, if x % 7 == 0 { 0 } else { 255 }])
    }));
    // Named as a JPEG, but it is a PNG: the content decides.
    let item = upload(
        &site,
        &author,
        "Logo.jpeg",
        encoded(&logo, ImageFormat::Png),
    )
    .await;
    assert_eq!(item.file_name, "logo.png");
    // The 640-pixel PNG would weigh more than the original, so there is none; the drawing
    // gets lossless WebP copies, each smaller than its PNG.
    assert_eq!(
        files(&site, item.id).await,
        vec![
            ("original".into(), 700, 70, "image/png".into()),
            ("w320".into(), 320, 32, "image/png".into()),
            ("w320.webp".into(), 320, 32, "image/webp".into()),
            ("original.webp".into(), 700, 70, "image/webp".into()),
        ]
    );
    let detail = site.store.media_item(item.id).await.unwrap().unwrap();
    for f in &detail.files {
        assert!(f.byte_size <= item.byte_size, "{} grew", f.variant);
    }
    let webp = site
        .get_raw(&format!("/media/{}/original/logo.webp", item.id), &[])
        .await;
    assert_eq!(webp.status, StatusCode::OK);
    assert_eq!(webp.header("content-type"), "image/webp");
    assert_eq!(
        image::load_from_memory(&webp.body).unwrap().to_rgba8(),
        image::load_from_memory(&site.get_raw(&item.url, &[]).await.body)
            .unwrap()
            .to_rgba8(),
        "lossless"
    );
    // A WebP copy answers only at its own name.
    for wrong in ["logo.png.webp", "other.webp"] {
        let status = site
            .get_raw(&format!("/media/{}/original/{wrong}", item.id), &[])
            .await
            .status;
        assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}");
    }
    let served = site.get_raw(&item.url, &[]).await;
    assert_eq!(served.header("content-type"), "image/png");
    let decoded = image::load_from_memory(&served.body).unwrap().to_rgba8();
    assert_eq!(decoded.get_pixel(0, 0)[3], 0, "transparency is kept");

    // An opaque photo wider than every width gets them all, as JPEG.
    let wide = upload(
        &site,
        &author,
        "wide.png",
        encoded(&noisy(1700, 34), ImageFormat::Png),
    )
    .await;
    let widths: Vec<(String, i64, String)> = files(&site, wide.id)
        .await
        .into_iter()
        .map(|(v, w, _, t)| (v, w, t))
        .collect();
    assert_eq!(
        widths,
        vec![
            ("original".into(), 1700, "image/png".into()),
            ("w320".into(), 320, "image/jpeg".into()),
            ("w640".into(), 640, "image/jpeg".into()),
            ("w1024".into(), 1024, "image/jpeg".into()),
            ("w1600".into(), 1600, "image/jpeg".into()),
        ]
    );
}

async fn refused_uploads_store_nothing(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let contributor = staff(&site, "cy", Role::Contributor).await;
    let refusal = |r: Result<MediaItem, ActionError>| match r {
        Err(ActionError::Invalid { field, message }) => (field, message),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let not_an_image = "This file is not an image Newsdesk accepts (JPEG, PNG, GIF or WebP).";
    for (name, bytes) in [
        ("photo.jpg", b"Meeting notes: bring the photos.\n".to_vec()),
        (
            "chart.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
        ),
        ("page.png", b"<!DOCTYPE html><title>x</title>".to_vec()),
        ("report.jpg", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec()),
    ] {
        let r = media::upload(&site.store, &author, name, bytes, "", "", Utc::now()).await;
        assert_eq!(refusal(r), ("file", not_an_image.to_owned()), "{name}");
    }

    let mut huge = camera_jpeg(40, 30);
    huge.resize(20 * 1024 * 1024 + 1, 0);
    let r = media::upload(&site.store, &author, "huge.jpg", huge, "", "", Utc::now()).await;
    assert_eq!(
        refusal(r),
        (
            "file",
            "This file is 20.0 MB; the largest upload Newsdesk accepts is 20 MB.".to_owned()
        )
    );

    let r = media::upload(
        &site.store,
        &contributor,
        "fine.png",
        encoded(&photo(10, 10), ImageFormat::Png),
        "",
        "",
        Utc::now(),
    )
    .await;
    assert!(matches!(r, Err(ActionError::Forbidden(_))), "{r:?}");

    let r = media::upload(
        &site.store,
        &author,
        "fine.png",
        encoded(&photo(10, 10), ImageFormat::Png),
        &"x".repeat(501),
        "",
        Utc::now(),
    )
    .await;
    assert_eq!(refusal(r).0, "alt_text");

    assert!(
        site.store
            .media_library("", 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(stored_file_count(&site).await, 0);
}

async fn files_are_served_for_a_year_and_revalidate(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let item = upload(
        &site,
        &author,
        "Quay.png",
        encoded(&noisy(400, 100), ImageFormat::Png),
    )
    .await;
    let first = site.get_raw(&item.url, &[]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), "image/png");
    assert_eq!(first.header("x-content-type-options"), "nosniff");
    assert_eq!(
        first.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = first.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");
    let again = site.get_raw(&item.url, &[]).await;
    assert_eq!(again.header("etag"), etag, "the tag is stable");

    let revalidated = site.get_raw(&item.url, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());
    let other = site
        .get_raw(&item.url, &[("if-none-match", "\"something-else\"")])
        .await;
    assert_eq!(other.status, StatusCode::OK);

    let id = item.id;
    for missing in [
        format!("/media/{id}/original/other-name.png"),
        format!("/media/{id}/w640/quay.png"),
        format!("/media/{id}/w500/quay.png"),
        format!("/media/{id}/thumbnail/quay.png"),
        format!("/media/0{id}/original/quay.png"),
        format!("/media/{}/original/quay.png", id + 1),
        "/media/abc/original/quay.png".to_owned(),
    ] {
        let page = site.get(&missing).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(page.texts("h1"), vec!["Page not found"], "{missing}");
    }
    assert_eq!(
        site.get_raw(&format!("/media/{id}/w320/quay.png"), &[])
            .await
            .status,
        StatusCode::OK
    );
}

async fn featured_uploads_get_srcset(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let item = upload(
        &site,
        &author,
        "harbour.jpg",
        encoded(&photo(1100, 550), ImageFormat::Jpeg),
    )
    .await;
    let id = item.id;
    let now = Utc::now();
    let mut story = crate::store::article(
        "Fishing fleet returns to the harbour",
        vec![author.id],
        vec![],
        Status::Published,
        Some(now - Duration::minutes(5)),
    );
    story.featured_image_id = Some(id);
    let (_, slug) = articles::create(&site.store, newsdesk::actions::Actor::Operator, &story, now)
        .await
        .unwrap();
    // A story whose image was added by address only, before uploads: shown as it was.
    site.raw_execute(
        "INSERT INTO media (url, alt_text, created_at) \
         VALUES ('https://images.example/old.jpg', 'Old photo', '2026-01-01T00:00:00Z')",
    )
    .await;
    let old_id = site
        .raw_pairs("SELECT url, id FROM media WHERE url LIKE 'https:%'")
        .await[0]
        .1;
    let mut older = crate::store::article(
        "Archive picture of the harbour",
        vec![author.id],
        vec![],
        Status::Published,
        Some(now - Duration::minutes(10)),
    );
    older.featured_image_id = Some(old_id);
    articles::create(&site.store, newsdesk::actions::Actor::Operator, &older, now)
        .await
        .unwrap();

    let path = newsdesk::domain::article::article_path(
        now - Duration::minutes(5),
        slug.as_str(),
        chrono_tz::UTC,
    );
    let page = site.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let img = |attr: &str| page.attrs(".story-image img", attr);
    assert_eq!(
        img("src"),
        vec![format!("/media/{id}/original/harbour.jpg")]
    );
    assert_eq!(
        img("srcset"),
        vec![format!(
            "/media/{id}/w320/harbour.jpg 320w, /media/{id}/w640/harbour.jpg 640w, \
             /media/{id}/w1024/harbour.jpg 1024w, /media/{id}/original/harbour.jpg 1100w"
        )]
    );
    assert_eq!(
        img("sizes"),
        vec!["(min-width: 60rem) 50rem, calc(100vw - 2rem)"]
    );
    // The largest image of the first screen: fetched first, not lazily.
    assert_eq!(img("fetchpriority"), vec!["high"]);
    assert!(img("loading").is_empty());
    assert_eq!(
        (img("width"), img("height")),
        (vec!["1100".to_owned()], vec!["550".to_owned()])
    );
    assert_eq!(img("alt"), vec!["Harbour at dawn"]);
    // Every address in srcset answers.
    for candidate in img("srcset")[0].split(", ") {
        let url = candidate.split(' ').next().unwrap();
        assert_eq!(site.get_raw(url, &[]).await.status, StatusCode::OK, "{url}");
    }

    // Listings too; the image added by address keeps its plain tag.
    let home = site.get("/").await;
    let cards: Vec<(String, Option<String>)> = {
        let sel = scraper::Selector::parse(".card__image").unwrap();
        home.html()
            .select(&sel)
            .map(|e| {
                (
                    e.value().attr("src").unwrap().to_owned(),
                    e.value().attr("srcset").map(str::to_owned),
                )
            })
            .collect()
    };
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert_eq!(cards[0].0, format!("/media/{id}/original/harbour.jpg"));
    assert!(
        cards[0]
            .1
            .as_deref()
            .is_some_and(|s| s.contains(&format!("/media/{id}/w640/harbour.jpg 640w"))),
        "{cards:?}"
    );
    assert_eq!(
        cards[1],
        ("https://images.example/old.jpg".to_owned(), None)
    );
}

async fn images_in_use_are_deleted_only_when_forced(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let other_author = staff(&site, "bo", Role::Author).await;
    let editor = staff(&site, "ed", Role::Editor).await;
    let item = upload(
        &site,
        &author,
        "pier.jpg",
        encoded(&photo(700, 300), ImageFormat::Jpeg),
    )
    .await;
    let now = Utc::now();
    let mut featured = crate::store::article(
        "Pier reopens after storm repairs",
        vec![author.id],
        vec![],
        Status::Published,
        Some(now - Duration::minutes(5)),
    );
    featured.featured_image_id = Some(item.id);
    let (featured_id, _) = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &featured,
        now,
    )
    .await
    .unwrap();
    let mut inline = crate::store::article(
        "Storm damage in pictures",
        vec![author.id],
        vec![],
        Status::Draft,
        None,
    );
    inline.body = SafeHtml::sanitize(&format!(
        "<p>The pier on Tuesday.</p><p><img src=\"/media/{}/w320/pier.jpg\" alt=\"The pier\"></p>",
        item.id
    ));
    let (inline_id, _) = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &inline,
        now,
    )
    .await
    .unwrap();

    let usage: Vec<(i64, bool, bool)> = site
        .store
        .media_usage(item.id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.article_id, u.featured, u.in_body))
        .collect();
    assert_eq!(
        usage,
        vec![(inline_id, false, true), (featured_id, true, false)]
    );

    match media::delete(&site.store, &author, item.id, false).await {
        Err(ActionError::Conflict(message)) => assert_eq!(
            message,
            "This image is used by 2 stories; remove it from them first, or delete it anyway."
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Not even its uploader, an author, may force it out of stories: that changes them.
    match media::delete(&site.store, &author, item.id, true).await {
        Err(ActionError::Forbidden(message)) => {
            assert_eq!(
                message,
                "Only an editor can delete an image that stories use."
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Someone else's upload is not another author's to delete.
    assert!(matches!(
        media::delete(&site.store, &other_author, item.id, true).await,
        Err(ActionError::Forbidden(_))
    ));
    assert_eq!(site.get_raw(&item.url, &[]).await.status, StatusCode::OK);

    media::delete(&site.store, &editor, item.id, true)
        .await
        .unwrap();
    assert_eq!(site.get(&item.url).await.status, StatusCode::NOT_FOUND);
    assert!(site.store.media_item(item.id).await.unwrap().is_none());
    assert_eq!(stored_file_count(&site).await, 0);
    let story = site
        .store
        .published_article_by_id(featured_id, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((story.image_id, story.image_url), (None, None));
    assert!(matches!(
        media::delete(&site.store, &editor, item.id, true).await,
        Err(ActionError::NotFound(_))
    ));

    // Ids are never given twice: the draft's old address does not become the next upload's,
    // so that upload is unused and goes at once, by its uploader.
    let unused = upload(
        &site,
        &author,
        "pier.jpg",
        encoded(&photo(20, 20), ImageFormat::Png),
    )
    .await;
    assert!(unused.id > item.id, "{} reused", item.id);
    assert!(site.store.media_usage(unused.id).await.unwrap().is_empty());
    media::delete(&site.store, &author, unused.id, false)
        .await
        .unwrap();
    assert!(
        site.store
            .media_library("", 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_library_lists_searches_and_edits(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let other_author = staff(&site, "bo", Role::Author).await;
    let editor = staff(&site, "ed", Role::Editor).await;
    let start = Utc::now() - Duration::hours(1);
    let mut ids = Vec::new();
    for (i, (name, alt, caption)) in [
        ("Heron.png", "A grey heron", ""),
        (
            "budget-chart.png",
            "Spending by department",
            "Source: 50%_of budget",
        ),
        ("Mayor.png", "The mayor", "Photo: City Hall"),
    ]
    .into_iter()
    .enumerate()
    {
        let item = media::upload(
            &site.store,
            &author,
            name,
            encoded(&photo(16, 16), ImageFormat::Png),
            alt,
            caption,
            start + Duration::minutes(i as i64),
        )
        .await
        .unwrap();
        ids.push(item.id);
    }
    let names =
        |items: Vec<MediaItem>| -> Vec<String> { items.into_iter().map(|i| i.file_name).collect() };
    assert_eq!(
        names(site.store.media_library("", 10, 0).await.unwrap()),
        ["mayor.png", "budget-chart.png", "heron.png"]
    );
    assert_eq!(
        names(site.store.media_library("", 2, 1).await.unwrap()),
        ["budget-chart.png", "heron.png"]
    );
    for (search, found) in [
        ("HERON", vec!["heron.png"]),
        ("city hall", vec!["mayor.png"]),
        ("chart", vec!["budget-chart.png"]),
        ("50%_", vec!["budget-chart.png"]),
        ("%", vec!["budget-chart.png"]),
        ("zebra", vec![]),
    ] {
        assert_eq!(
            names(site.store.media_library(search, 10, 0).await.unwrap()),
            found,
            "{search}"
        );
    }

    let edited = media::update_details(
        &site.store,
        &author,
        ids[0],
        "  A heron fishing ",
        "At dawn",
    )
    .await
    .unwrap();
    assert_eq!(
        (edited.alt_text.as_str(), edited.caption.as_str()),
        ("A heron fishing", "At dawn")
    );
    assert!(matches!(
        media::update_details(&site.store, &other_author, ids[0], "Mine now", "").await,
        Err(ActionError::Forbidden(_))
    ));
    let by_editor = media::update_details(&site.store, &editor, ids[0], "Heron", "")
        .await
        .unwrap();
    assert_eq!(by_editor.alt_text, "Heron");
    match media::update_details(&site.store, &author, ids[0], "", &"c".repeat(2001)).await {
        Err(ActionError::Invalid { field, message }) => {
            assert_eq!(field, "caption");
            assert_eq!(message, "The caption is longer than 2,000 characters.");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        media::update_details(&site.store, &editor, 999_999, "", "").await,
        Err(ActionError::NotFound(_))
    ));
}

async fn feeds_carry_the_real_size_and_type_of_images(site: TestSite) {
    let author = staff(&site, "ana", Role::Author).await;
    let jpeg = upload(
        &site,
        &author,
        "harbour.jpg",
        encoded(&photo(900, 500), ImageFormat::Jpeg),
    )
    .await;
    // A PNG uploaded under a misleading name is still announced as what it is.
    let png = upload(
        &site,
        &author,
        "chart.jpg",
        encoded(&photo(300, 200), ImageFormat::Png),
    )
    .await;
    let now = Utc::now();
    for (title, image, minutes) in [
        ("Fishing fleet returns to the harbour", jpeg.id, 5),
        ("Catch figures for the season", png.id, 10),
    ] {
        let mut story = crate::store::article(
            title,
            vec![author.id],
            vec![],
            Status::Published,
            Some(now - Duration::minutes(minutes)),
        );
        story.featured_image_id = Some(image);
        articles::create(&site.store, newsdesk::actions::Actor::Operator, &story, now)
            .await
            .unwrap();
    }
    let rss = site.get("/feed/").await;
    let doc = roxmltree::Document::parse(&rss.body).unwrap();
    let enclosures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("enclosure"))
        .collect();
    assert_eq!(enclosures.len(), 2);
    let mut types = Vec::new();
    for e in enclosures {
        let url = e.attribute("url").unwrap();
        let file = site
            .get_raw(url.strip_prefix("http://localhost").unwrap(), &[])
            .await;
        assert_eq!(file.status, StatusCode::OK, "{url}");
        // The length is the byte size of the file at that address, and the type its type.
        assert_eq!(
            e.attribute("length").unwrap(),
            file.body.len().to_string(),
            "{url}"
        );
        assert_ne!(e.attribute("length"), Some("0"));
        assert_eq!(
            e.attribute("type").unwrap(),
            file.header("content-type"),
            "{url}"
        );
        types.push(e.attribute("type").unwrap().to_owned());
    }
    assert_eq!(types, ["image/jpeg", "image/png"]);
    // Atom and JSON Feed say the same.
    let atom = site.get("/feed/atom/").await.body;
    assert!(
        atom.contains(&format!("length=\"{}\"", jpeg.byte_size)),
        "{atom}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&site.get("/feed/json/").await.body).unwrap();
    assert_eq!(
        json["items"][0]["attachments"][0]["size_in_bytes"],
        jpeg.byte_size
    );
    assert_eq!(json["items"][1]["attachments"][0]["mime_type"], "image/png");
}
