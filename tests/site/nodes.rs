//! Many nodes, as they are deployed: three real `newsdesk serve` processes on one fresh
//! PostgreSQL database, each on its own loopback port, and nothing else between them. A story
//! published through one node shows on the other two within moments (the delay is measured
//! and printed); a scheduled story is published once across the three; and a node killed
//! with `kill -9` while it is being written to loses no write it acknowledged.
//!
//! Runs only when `NEWSDESK_TEST_POSTGRES_URL` is set (and must, under `CI=true`); see
//! `support::fresh_database`.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Backend, fresh_database};

/// The most a change may take to show on the other nodes. `LISTEN/NOTIFY` delivers it in
/// milliseconds; the bound is generous so a loaded machine cannot fail the test, and the
/// measured figures are printed.
const PROPAGATION_LIMIT: Duration = Duration::from_secs(5);

/// A `newsdesk serve` process and what it has logged.
struct Node {
    name: &'static str,
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Node {
    fn start(name: &'static str, database: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
            .env_remove("NEWSDESK_DATA")
            .env_remove("NEWSDESK_DATABASE_URL")
            .env_remove("NEWSDESK_LISTEN")
            .env_remove("NEWSDESK_BASE_URL")
            .env_remove("NEWSDESK_ACCESS_LOG")
            .env_remove("NEWSDESK_METRICS_LISTEN")
            .env_remove("NEWSDESK_NO_PAGE_CACHE")
            .env_remove("NEWSDESK_PURGE_URL")
            .env_remove("NEWSDESK_DEMO")
            .env_remove("RUST_LOG")
            .env("NEWSDESK_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run newsdesk serve");
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let kept = log.clone();
        // Reads the log for as long as the process runs, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(at) = line.find("Newsdesk is serving http://") {
                    let addr = line[at + "Newsdesk is serving http://".len()..].trim();
                    let _ = tx.send(addr.to_owned());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("node {name} did not start: {:?}", log.lock().unwrap());
            }
        };
        Node {
            name,
            child,
            addr,
            log,
        }
    }

    fn get(&self, target: &str) -> Answer {
        request(&self.addr, "GET", target, &[], None)
            .unwrap_or_else(|e| panic!("GET {target} on node {}: {e}", self.name))
    }

    /// The value of one sample of this node's `/metrics`.
    fn metric(&self, series: &str) -> f64 {
        let page = self.get("/metrics");
        assert_eq!(page.status, 200, "{}", page.body);
        page.body
            .lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {series} on node {}: {}", self.name, page.body))
    }

    /// The log lines containing `needle`.
    fn logged(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer read whole.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request on a connection of its own. An answer that did not arrive whole (the
/// node went away mid-way) is an error, never a partial answer.
fn request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Answer> {
    let mut conn = std::net::TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    conn.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    conn.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let broken =
        |what: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| broken("no complete head"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.get(9..12))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("no status line"))?;
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        rest = dechunk(&rest).ok_or_else(|| broken("an unfinished chunked body"))?;
    } else if let Some(len) = headers.get("content-length") {
        let len: usize = len.parse().map_err(|_| broken("a bad Content-Length"))?;
        if rest.len() != len {
            return Err(broken("a body shorter than its Content-Length"));
        }
    }
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&rest).into_owned(),
    })
}

/// A chunked body, whole, or `None` when it stops before its last chunk.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&data[..end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Runs a `newsdesk` command against the database; returns its standard output.
fn newsdesk(args: &[&str], input: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env_remove("NEWSDESK_DATA")
        .env_remove("NEWSDESK_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsdesk");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(input.unwrap_or("").as_bytes())
        .expect("write to newsdesk");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "newsdesk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A person's REST API credentials, as HTTP Basic.
struct Credentials(String);

impl Credentials {
    fn post_json(
        &self,
        node: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> std::io::Result<Answer> {
        request(
            node,
            "POST",
            target,
            &[
                ("Authorization", &self.0),
                ("Content-Type", "application/json"),
            ],
            Some(&body.to_string()),
        )
    }

    fn get(&self, node: &str, target: &str) -> Answer {
        request(node, "GET", target, &[("Authorization", &self.0)], None)
            .unwrap_or_else(|e| panic!("GET {target} on {node}: {e}"))
    }
}

/// Polls until `done` holds; returns how long that took after `since`.
fn wait_until(
    since: Instant,
    limit: Duration,
    what: &str,
    mut done: impl FnMut() -> bool,
) -> Duration {
    loop {
        if done() {
            return since.elapsed();
        }
        assert!(since.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The address path of an absolute link.
fn path_of(link: &str) -> String {
    let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or_else(|| "/".to_owned(), |at| after_scheme[at..].to_owned())
}

#[test]
fn three_nodes_on_one_postgresql() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Some((url, _cleanup)) = rt.block_on(fresh_database(Backend::Postgres)) else {
        return;
    };
    let url = url.as_str();

    // The schema, a person and an application password, by the command line.
    let migrated = newsdesk(&["migrate", "--database", url], None);
    assert!(!migrated.is_empty());
    newsdesk(
        &[
            "user",
            "add",
            "--database",
            url,
            "--login",
            "desk",
            "--email",
            "desk@news.example",
            "--display-name",
            "Night Desk",
            "--role",
            "editor",
        ],
        Some("correct horse battery staple\n"),
    );
    let password = newsdesk(
        &[
            "user",
            "app-password",
            "add",
            "--database",
            url,
            "desk",
            "three nodes",
        ],
        None,
    );
    let password = password.trim();
    assert_eq!(password.replace(' ', "").len(), 24, "{password:?}");
    use base64::Engine;
    let desk = Credentials(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("desk:{password}"))
    ));

    // Three identical nodes, started at once (the migration takes an advisory lock).
    let starting: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let url = url.to_owned();
            std::thread::spawn(move || Node::start(name, &url))
        })
        .collect();
    let mut nodes: Vec<Node> = starting.into_iter().map(|t| t.join().unwrap()).collect();
    let started = Instant::now();
    for node in &nodes {
        wait_until(started, Duration::from_secs(30), "listening", || {
            node.metric("newsdesk_content_listening") == 1.0
        });
        assert_eq!(node.get("/readyz").status, 200);
    }
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr.clone()).collect();
    let distinct: std::collections::BTreeSet<_> = addrs.iter().collect();
    assert_eq!(distinct.len(), 3, "{addrs:?}");
    println!("three nodes: {addrs:?}");

    publishing_on_one_node_shows_on_the_others(&nodes, &desk);
    a_scheduled_story_is_published_once(&nodes, &desk, url, &rt);
    a_killed_node_loses_no_acknowledged_write(&mut nodes, &desk, url, &rt);
}

/// A story published through node a shows on b and c, whose pages were cached before.
fn publishing_on_one_node_shows_on_the_others(nodes: &[Node], desk: &Credentials) {
    let (a, others) = (&nodes[0], &nodes[1..]);
    let mut delays = Vec::new();
    for round in 1..=5 {
        // The other nodes hold the front page.
        for node in others {
            assert_eq!(node.get("/").status, 200);
            let again = node.get("/");
            assert_eq!(
                again.header("x-newsdesk-cache"),
                "hit",
                "node {}",
                node.name
            );
        }
        let title = format!("Harbour bridge reopens round {round}");
        // Dated a minute before node a's clock, so that a node whose clock is a little behind
        // (NTP keeps nodes within milliseconds; under libfaketime each process keeps its own)
        // does not hold the story back as not yet due: what is measured is the change reaching
        // the node, not the clocks' difference.
        let date_gmt = (node_time(&a.get("/healthz")) - chrono::Duration::minutes(1))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        let sent = Instant::now();
        let res = desk
            .post_json(
                &a.addr,
                "/wp-json/wp/v2/posts",
                &serde_json::json!({
                    "title": title,
                    "content": "<p>Traffic is flowing again.</p>",
                    "status": "publish",
                    "date_gmt": date_gmt,
                }),
            )
            .unwrap();
        let acknowledged = Instant::now();
        assert_eq!(res.status, 201, "{}", res.body);
        let story = res.json();
        assert_eq!(story["status"], "publish", "{story}");
        let path = path_of(story["link"].as_str().unwrap());
        // Each other node is polled on a thread of its own, from the moment node a answered.
        let seen: Vec<(&str, Duration)> = std::thread::scope(|s| {
            let polls: Vec<_> = others
                .iter()
                .map(|node| {
                    let title = title.as_str();
                    let path = path.as_str();
                    s.spawn(move || {
                        loop {
                            let front = node.get("/");
                            if front.body.contains(title) {
                                return (node.name, acknowledged.elapsed());
                            }
                            if acknowledged.elapsed() > PROPAGATION_LIMIT {
                                let page = node.get(path);
                                panic!(
                                    "node {} does not show {title:?} {PROPAGATION_LIMIT:?} after \
                                     node a published it (front page answered at {} by its \
                                     clock, {}; the story's page answers {})",
                                    node.name,
                                    front.header("date"),
                                    front.header("x-newsdesk-cache"),
                                    page.status
                                );
                            }
                            std::thread::sleep(Duration::from_millis(2));
                        }
                    })
                })
                .collect();
            polls.into_iter().map(|p| p.join().unwrap()).collect()
        });
        for (name, delay) in &seen {
            println!(
                "round {round}: published on node a in {:?}; shown on node {name}'s front page \
                 {delay:?} after node a answered",
                acknowledged - sent
            );
            delays.push(*delay);
        }
        for node in others {
            let page = node.get(&path);
            assert_eq!(page.status, 200, "{path} on node {}", node.name);
            assert!(page.body.contains(&title));
        }
    }
    delays.sort();
    println!(
        "publication reached the other nodes in: min {:?}, median {:?}, max {:?} ({} measurements)",
        delays[0],
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        delays.len()
    );
    // Heard through LISTEN/NOTIFY, never by falling back to polling the database.
    for node in nodes {
        assert_eq!(node.metric("newsdesk_content_listening"), 1.0);
    }
}

/// `(title, n)` rows of a query on the site's database.
fn rows(rt: &tokio::runtime::Runtime, url: &str, sql: &str) -> Vec<(String, i64)> {
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut c)
            .await
            .unwrap()
    })
}

/// The time an answer was given, by the answering node's clock (its `Date` header).
fn node_time(answer: &Answer) -> chrono::DateTime<chrono::Utc> {
    let date = answer.header("date");
    chrono::DateTime::parse_from_rfc2822(date)
        .unwrap_or_else(|e| panic!("Date {date:?}: {e}"))
        .with_timezone(&chrono::Utc)
}

/// How many times `needle` occurs in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// A story scheduled a few seconds ahead (from the nodes' clock now) is published by exactly one
/// of the three schedulers, once: one publication counted, one log line, one version step, one
/// entry in each node's feed and sitemaps.
fn a_scheduled_story_is_published_once(
    nodes: &[Node],
    desk: &Credentials,
    url: &str,
    rt: &tokio::runtime::Runtime,
) {
    let published_before: f64 = nodes
        .iter()
        .map(|n| n.metric("newsdesk_scheduler_published_total"))
        .sum();
    assert_eq!(published_before, 0.0);
    let title = "Polls close at eight";
    // A few seconds ahead of the nodes' clock (as their `Date` header tells it, to the second,
    // the precision stories are dated with): the nodes decide when it is time, and their clock
    // need not be this process's (under libfaketime each process starts its own).
    let server_now = node_time(&nodes[0].get("/healthz"));
    let scheduled = Instant::now();
    let at = server_now + chrono::Duration::seconds(5);
    let date_gmt = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let res = desk
        .post_json(
            &nodes[0].addr,
            "/wp-json/wp/v2/posts",
            &serde_json::json!({
                "title": title,
                "content": "<p>Counting starts at once.</p>",
                "status": "future",
                "date_gmt": date_gmt,
            }),
        )
        .unwrap();
    assert_eq!(res.status, 201, "{}", res.body);
    let story = res.json();
    assert_eq!(
        story["status"],
        "future",
        "scheduled for {date_gmt}, answered at {}: {story}",
        node_time(&res)
    );
    let id = story["id"].as_i64().unwrap();
    let path = path_of(story["link"].as_str().unwrap());
    let version_sql = format!("SELECT status, version FROM articles WHERE id = {id}");
    let before = rows(rt, url, &version_sql);
    assert_eq!(before[0].0, "scheduled");
    // Never public before its time, on any node: an answer showing it is dated at or after
    // it, by the answering node's clock (allowing one second: the header drops the fraction,
    // and the nodes' clocks may differ by a moment). Each node caches what it answered, so
    // the answers are checked again afterwards.
    let not_early = |node: &Node, what: &str, answer: &Answer, shown: bool| {
        let answered = node_time(answer);
        assert!(
            !shown || answered >= at - chrono::Duration::seconds(1),
            "node {} showed the story ({what}) at {answered}, before its time {at}",
            node.name
        );
    };
    for node in nodes {
        let page = node.get(&path);
        not_early(node, "its page", &page, page.status == 200);
        let feed = node.get("/feed/");
        not_early(node, "the feed", &feed, feed.body.contains(title));
    }
    // Published on every node once its time comes (the schedulers look each second).
    for node in nodes {
        wait_until(
            scheduled,
            Duration::from_secs(60),
            "the scheduled story",
            || {
                let page = node.get(&path);
                let shown = page.status == 200;
                not_early(node, "its page", &page, shown);
                shown
            },
        );
    }
    println!(
        "the scheduled story, due 4 to 5 s after it was scheduled, was public on all three \
         nodes {:?} after it was scheduled",
        scheduled.elapsed()
    );
    // Three more runs of every scheduler, for any second publication to happen.
    let runs: Vec<f64> = nodes
        .iter()
        .map(|n| n.metric("newsdesk_scheduler_runs_total"))
        .collect();
    for (node, runs) in nodes.iter().zip(runs) {
        wait_until(
            Instant::now(),
            Duration::from_secs(30),
            "scheduler runs",
            || node.metric("newsdesk_scheduler_runs_total") >= runs + 3.0,
        );
    }
    let by_node: Vec<(&str, f64)> = nodes
        .iter()
        .map(|n| (n.name, n.metric("newsdesk_scheduler_published_total")))
        .collect();
    println!("scheduled stories published, by node: {by_node:?}");
    assert_eq!(
        by_node.iter().map(|(_, n)| n).sum::<f64>(),
        1.0,
        "published by more than one node: {by_node:?}"
    );
    let lines: Vec<String> = nodes
        .iter()
        .flat_map(|n| n.logged("published scheduled stories"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(&format!("[{id}]")), "{lines:?}");
    let after = rows(rt, url, &version_sql);
    assert_eq!(after[0].0, "published");
    assert_eq!(after[0].1, before[0].1 + 1, "changed more than once");
    // Dated at its scheduled time, not at a second publication's.
    let read = desk.get(&nodes[2].addr, &format!("/wp-json/wp/v2/posts/{id}"));
    assert_eq!(read.json()["date_gmt"], date_gmt.as_str(), "{}", read.body);
    // One entry in each node's feed and sitemaps.
    for node in nodes {
        let feed = node.get("/feed/");
        assert_eq!(
            count(&feed.body, &format!("<title>{title}</title>")),
            1,
            "node {}: {}",
            node.name,
            feed.body
        );
        let news = node.get("/news-sitemap.xml");
        assert_eq!(
            count(&news.body, &format!("{path}</loc>")),
            1,
            "{}",
            news.body
        );
        let index = node.get("/sitemap.xml").body;
        let mut in_sitemaps = 0;
        for loc in index.split("<loc>").skip(1) {
            let file = path_of(loc.split("</loc>").next().unwrap());
            // The news sitemap, counted above, is listed in the index too.
            if !file.starts_with("/sitemaps/") {
                continue;
            }
            in_sitemaps += count(&node.get(&file).body, &format!("{path}</loc>"));
        }
        assert_eq!(in_sitemaps, 1, "node {}: {index}", node.name);
    }
}

/// Drafts are written through node c by several clients at once; node c is killed with
/// SIGKILL mid-way. Every draft it acknowledged (a whole `201` answer) is there, once, read
/// through node a.
fn a_killed_node_loses_no_acknowledged_write(
    nodes: &mut [Node],
    desk: &Credentials,
    url: &str,
    rt: &tokio::runtime::Runtime,
) {
    const WRITERS: usize = 4;
    let victim = nodes[2].addr.clone();
    let acknowledged: Mutex<BTreeMap<String, i64>> = Mutex::default();
    let refused = Mutex::new(Vec::new());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let killed_after = std::thread::scope(|s| {
        for writer in 0..WRITERS {
            let (victim, acknowledged, refused, stop) = (&victim, &acknowledged, &refused, &stop);
            s.spawn(move || {
                for n in 0.. {
                    let title = format!("Durable draft {writer}-{n}");
                    let res = desk.post_json(
                        victim,
                        "/wp-json/wp/v2/posts",
                        &serde_json::json!({
                            "title": title,
                            "content": format!("<p>Written by client {writer}, draft {n}.</p>"),
                            "status": "draft",
                        }),
                    );
                    match res {
                        Ok(a) if a.status == 201 => {
                            let id = a.json()["id"].as_i64().unwrap();
                            acknowledged.lock().unwrap().insert(title, id);
                        }
                        // An answer that is not a success acknowledges nothing.
                        Ok(a) => refused
                            .lock()
                            .unwrap()
                            .push(format!("{}: {}", a.status, a.body)),
                        // The node went away: this client stops.
                        Err(_) => return,
                    }
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                }
            });
        }
        // Kill mid-load: once a good number of writes went through, at a moment nothing
        // waits for.
        let loading = Instant::now();
        wait_until(loading, Duration::from_secs(120), "drafts written", || {
            acknowledged.lock().unwrap().len() >= 40
        });
        std::thread::sleep(Duration::from_millis(37));
        let node = &mut nodes[2];
        node.child.kill().expect("kill -9 node c");
        let status = node.child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        loading.elapsed()
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    let refused = refused.into_inner().unwrap();
    println!(
        "node c killed with SIGKILL after {killed_after:?} of load; {} drafts acknowledged, {} refused",
        acknowledged.len(),
        refused.len()
    );
    // A refusal (a node too busy to answer in time) acknowledges nothing; it is only shown.
    for r in &refused {
        println!("refused: {r}");
    }
    // Every acknowledged draft is there, read through node a.
    let a = &nodes[0];
    assert_eq!(a.get("/readyz").status, 200);
    for (title, id) in &acknowledged {
        let read = desk.get(&a.addr, &format!("/wp-json/wp/v2/posts/{id}?context=edit"));
        assert_eq!(read.status, 200, "draft {id} ({title}) lost: {}", read.body);
        let story = read.json();
        assert_eq!(story["title"]["raw"], title.as_str(), "{story}");
        assert_eq!(story["status"], "draft");
    }
    // And once each (no write was applied twice), whatever became of those cut off.
    let stored = rows(
        rt,
        url,
        "SELECT title, count(*) FROM articles WHERE title LIKE 'Durable draft %' GROUP BY title",
    );
    assert!(stored.iter().all(|(_, n)| *n == 1), "{stored:?}");
    let stored: std::collections::BTreeSet<&str> = stored.iter().map(|(t, _)| t.as_str()).collect();
    for title in acknowledged.keys() {
        assert!(stored.contains(title.as_str()), "{title} is not stored");
    }
    println!(
        "all {} acknowledged drafts found through node a ({} stored in all)",
        acknowledged.len(),
        stored.len()
    );
    // The surviving nodes keep serving.
    for node in &nodes[..2] {
        assert_eq!(node.get("/healthz").status, 200);
        assert_eq!(node.get("/").status, 200);
    }
}
