//! Writes the database refuses for now (a full disk, SQLite's write lock held by another
//! process): readers still read, writers get a 503 with `Retry-After` and keep what they typed,
//! `/readyz` says the node cannot write while `/healthz` stays 200, and writes work again as
//! soon as the cause is gone, without a restart. SQLite only: the faults are injected there.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;
use newsdesk::store::StoreOptions;

use crate::admin_stories::save;
use crate::comments::{REFERENCE, form, instant_forms, post};
use crate::support::{Backend, Page, TestSite};

on_both_backends!(empty: a_node_that_can_write_is_ready_and_healthy);

async fn a_node_that_can_write_is_ready_and_healthy(site: TestSite) {
    for path in ["/healthz", "/readyz"] {
        let res = site.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert_eq!(res.headers["cache-control"], "no-store");
    }
    // The probe leaves nothing behind.
    assert_eq!(site.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(
        site.raw_pairs("SELECT 'rows', COUNT(*) FROM write_probe")
            .await,
        vec![("rows".to_owned(), 0)]
    );
}

const CANNOT_SAVE: &str = "The site cannot save right now; please try again in a moment.";

/// Text long enough to need new database pages (overflow pages), whatever room the existing
/// pages have.
fn long_text(word: &str) -> String {
    (0..1500)
        .map(|i| format!("{word}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_cannot_save(res: &Page, typed: &str) {
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(res.headers["retry-after"], "10");
    assert!(res.body.contains(CANNOT_SAVE), "{}", res.body);
    assert!(res.body.contains(typed), "the typed text is not kept");
}

/// Lets the write connections of the site grow the database by no page at all, as a full disk
/// would (the freelist is emptied first so no free page is left to reuse).
async fn fill_the_disk(site: &TestSite) {
    site.raw_execute("VACUUM").await;
    site.store
        .sqlite_pragma_on_every_connection("max_page_count = 1")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_keeps_the_text_and_writes_resume_without_restart() {
    // One write connection, so a connection the failure left unusable would be the one every
    // later write gets.
    let site = TestSite::demo_with_store_options(Backend::Sqlite, StoreOptions::new(1))
        .await
        .unwrap();
    instant_forms(&site).await;
    let ann = site.staff("ann", Role::Editor).await;
    let f = form(&site, REFERENCE).await;
    assert_eq!(site.get("/readyz").await.status, StatusCode::OK);

    fill_the_disk(&site).await;
    let comment = long_text("disk");
    let res = post(
        &site,
        &f,
        &[
            ("comment", &comment),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.1",
        None,
    )
    .await;
    assert_cannot_save(&res, "disk1499");
    // Readers still read; the node is alive but not ready to write.
    assert_eq!(site.get(&f.url).await.status, StatusCode::OK);
    assert_eq!(site.get("/healthz").await.status, StatusCode::OK);
    let ready = site.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers["retry-after"], "10");

    // The editor's save: the form again, as typed, with the same 503.
    fill_the_disk(&site).await;
    let body = long_text("story");
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Storm warning for the coast"), ("body", &body)],
        "save",
    )
    .await;
    assert_cannot_save(&res, "Storm warning for the coast");
    assert!(res.body.contains("story1499"));

    // Space again: writes work at once, on the same process.
    site.store
        .sqlite_pragma_on_every_connection("max_page_count = 1073741823")
        .await
        .unwrap();
    let res = post(
        &site,
        &f,
        &[
            ("comment", &comment),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.1",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Storm warning for the coast"), ("body", &body)],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(site.get("/readyz").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_lock_held_by_another_process_answers_503_after_a_bounded_wait() {
    let options = StoreOptions {
        busy_timeout: std::time::Duration::from_millis(300),
        ..StoreOptions::new(2)
    };
    let site = TestSite::demo_with_store_options(Backend::Sqlite, options)
        .await
        .unwrap();
    instant_forms(&site).await;
    let ann = site.staff("ann", Role::Editor).await;
    let f = form(&site, REFERENCE).await;

    // Another program takes SQLite's write lock and keeps it.
    let path = site.url.trim_start_matches("sqlite://").to_owned();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let started = std::time::Instant::now();
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Locked out for a moment."),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.2",
        None,
    )
    .await;
    assert_cannot_save(&res, "Locked out for a moment.");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Held up by a lock"), ("body", "Words typed.")],
        "save",
    )
    .await;
    assert_cannot_save(&res, "Held up by a lock");
    assert_eq!(site.get(&f.url).await.status, StatusCode::OK);
    assert_eq!(site.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(
        site.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // The other program lets go: the same save goes through.
    other.execute_batch("ROLLBACK").unwrap();
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Held up by a lock"), ("body", "Words typed.")],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(site.get("/readyz").await.status, StatusCode::OK);
}

/// SQLite rolls a whole transaction back by itself on some failures (a full disk at commit,
/// `RAISE(ROLLBACK)`); the driver's own ROLLBACK then fails and, before, left the connection
/// refusing every later write ("attempted to call begin_with at non-zero transaction depth")
/// until a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_sqlite_rolled_back_itself_leaves_writes_working() {
    let site = TestSite::demo_with_store_options(Backend::Sqlite, StoreOptions::new(1))
        .await
        .unwrap();
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    site.raw_execute(
        "CREATE TRIGGER injected_failure BEFORE INSERT ON comments \
         BEGIN SELECT RAISE(ROLLBACK, 'injected failure'); END",
    )
    .await;
    let fields = [
        ("comment", "A first try."),
        ("author", "Ann"),
        ("email", "ann@example.org"),
    ];
    let res = post(&site, &f, &fields, "198.51.100.3", None).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    site.raw_execute("DROP TRIGGER injected_failure").await;
    for (ip, text) in [
        ("198.51.100.4", "A second try."),
        ("198.51.100.5", "A third try."),
    ] {
        let fields = [
            ("comment", text),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ];
        let res = post(&site, &f, &fields, ip, None).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
}
