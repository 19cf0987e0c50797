//! The command line, run as a user would: the real binary.

use std::process::{Command, Output};

fn newsdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env_remove("NEWSDESK_DATA")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env_remove("NEWSDESK_LISTEN")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run newsdesk")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("newsdesk-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A failure is one clear line on stderr and a non-zero exit, never a panic.
#[track_caller]
fn assert_one_line_error(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains(" INFO ") && !l.contains(" WARN "))
        .collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(
        lines[0].contains(needle),
        "{:?} does not mention {needle:?}",
        lines[0]
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn help_is_complete() {
    let out = newsdesk(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve", "migrate", "seed", "settings", "reindex", "user", "backup",
    ] {
        assert!(help.contains(cmd), "--help does not list {cmd}");
    }
    let out = newsdesk(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "NEWSDESK_LISTEN",
        "127.0.0.1:8080",
        "--data",
        "NEWSDESK_DATA",
        "./newsdesk-data",
        "--database",
        "NEWSDESK_DATABASE_URL",
        "--theme",
        "NEWSDESK_THEME",
        "--demo",
        "--access-log",
        "NEWSDESK_ACCESS_LOG",
    ] {
        assert!(help.contains(flag), "serve --help does not mention {flag}");
    }
    for cmd in ["migrate", "seed", "settings"] {
        let help = String::from_utf8_lossy(&newsdesk(&[cmd, "--help"]).stdout).into_owned();
        assert!(
            help.contains("--data") && help.contains("--database"),
            "{cmd} --help lacks the site flags"
        );
    }
    let seed = String::from_utf8_lossy(&newsdesk(&["seed", "--help"]).stdout).into_owned();
    assert!(seed.contains("--articles") && seed.contains("--demo"));
    assert!(newsdesk(&["--version"]).status.success());
}

#[test]
fn bad_flags_are_one_line_errors() {
    assert_one_line_error(
        &newsdesk(&["serve", "--bogus"]),
        2,
        "unexpected argument '--bogus'",
    );
    assert_one_line_error(
        &newsdesk(&["serve", "--listen", "not-an-address"]),
        2,
        "invalid value 'not-an-address'",
    );
    assert_one_line_error(
        &newsdesk(&["launch"]),
        2,
        "unrecognized subcommand 'launch'",
    );
    assert_one_line_error(&newsdesk(&["seed"]), 2, "--articles");
    assert_one_line_error(
        &newsdesk(&["seed", "--articles", "0"]),
        2,
        "invalid value '0'",
    );
}

#[test]
fn unusable_data_dir_and_database_are_one_line_errors() {
    let dir = temp_dir("file");
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    assert_one_line_error(
        &newsdesk(&["migrate", "--data", dir.to_str().unwrap()]),
        1,
        "is not a directory",
    );
    let _ = std::fs::remove_file(&dir);

    let data = temp_dir("db");
    let d = data.to_str().unwrap();
    assert_one_line_error(
        &newsdesk(&["migrate", "--data", d, "--database", "mysql://localhost/x"]),
        1,
        "unsupported database URL",
    );
    let out = newsdesk(&[
        "migrate",
        "--data",
        d,
        "--database",
        "postgres://nobody:secret@127.0.0.1:1/none",
    ]);
    assert_one_line_error(
        &out,
        1,
        "cannot open the database postgres://nobody:***@127.0.0.1:1/none",
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("secret"),
        "the password is printed"
    );
    let theme = data.join("no-such-theme");
    let out = newsdesk(&[
        "serve",
        "--data",
        d,
        "--listen",
        "127.0.0.1:0",
        "--theme",
        theme.to_str().unwrap(),
    ]);
    assert_one_line_error(&out, 1, "theme directory");
    let out = newsdesk(&[
        "serve",
        "--data",
        d,
        "--listen",
        "127.0.0.1:0",
        "--smtp-url",
        "carrier-pigeon://coop",
    ]);
    assert_one_line_error(&out, 1, "invalid --smtp-url");
    let out = newsdesk(&[
        "serve",
        "--data",
        d,
        "--listen",
        "127.0.0.1:0",
        "--smtp-url",
        "smtp://127.0.0.1:1",
        "--mail-from",
        "not an address",
    ]);
    assert_one_line_error(&out, 1, "invalid --mail-from address");
    let _ = std::fs::remove_dir_all(&data);
}

/// What an operator gets wrong first: an empty database URL, a PostgreSQL server that is not
/// there or has no such database, a host name to listen on, the site flags after a
/// subcommand, a setting's value; each gets one line saying what to do, and a PostgreSQL site
/// leaves no data folder behind.
#[test]
fn operator_mistakes_get_one_line_with_a_hint() {
    let data = temp_dir("operator");
    let d = data.to_str().unwrap();
    assert_one_line_error(
        &newsdesk(&["migrate", "--data", d, "--database", " "]),
        1,
        "the database URL (--database or NEWSDESK_DATABASE_URL) is empty",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["migrate", "--data", d])
        .env("NEWSDESK_DATABASE_URL", "")
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, "is empty");
    assert!(
        !data.exists(),
        "an empty database URL made a new SQLite site"
    );

    // A port nothing listens on: refused, with the host and port to check.
    assert_one_line_error(
        &newsdesk(&[
            "migrate",
            "--data",
            d,
            "--database",
            "postgres://u@127.0.0.1:1/x",
        ]),
        1,
        "connection refused (is PostgreSQL running and listening on 127.0.0.1:1?)",
    );
    assert!(!data.exists(), "a PostgreSQL site made a data folder");
    if let Ok(admin) = std::env::var(crate::support::POSTGRES_ENV) {
        let base = admin.rsplit_once('/').unwrap().0;
        let missing = format!("{base}/newsdesk_no_such_database");
        let out = newsdesk(&["migrate", "--data", d, "--database", &missing]);
        assert_one_line_error(
            &out,
            1,
            "(create it with `createdb newsdesk_no_such_database`)",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches("does not exist").count(), 1, "{stderr}");
    } else {
        crate::support::skipped("the missing-database hint needs PostgreSQL");
    }

    // The site flags may follow the subcommand, however deep.
    let out = newsdesk(&["user", "list", "--data", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("newsdesk.db").exists());

    // Languages are ISO 639 codes; `settings --help` lists every setting.
    assert_one_line_error(
        &newsdesk(&["settings", "--data", d, "--set", "language=klingon"]),
        1,
        "an ISO 639 language code",
    );
    let out = newsdesk(&["settings", "--data", d, "--set", "language=pt_br"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("language = pt-BR"));
    let help = String::from_utf8_lossy(&newsdesk(&["settings", "--help"]).stdout).into_owned();
    for (name, _) in newsdesk::domain::settings::SiteSettings::default().to_rows() {
        assert!(
            help.contains(&format!("\n  {name} ")),
            "settings --help lacks {name}"
        );
    }

    // A host name to listen on; logs into a pipe carry no colour codes.
    let mut server = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--data", d, "--listen", "localhost:0"])
        .env_remove("NEWSDESK_DATABASE_URL")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    let serving = loop {
        line.clear();
        if std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() == 0 {
            break None;
        }
        assert!(
            !line.contains('\u{1b}'),
            "colour codes in a piped log: {line:?}"
        );
        if let Some(at) = line.find("Newsdesk is serving http://") {
            break Some(line[at..].trim().to_owned());
        }
    };
    let _ = server.kill();
    let _ = server.wait();
    let serving = serving.expect("the server did not start on localhost");
    assert!(
        serving.contains("127.0.0.1:") || serving.contains("[::1]:"),
        "{serving}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn migrate_and_seed_use_the_data_dir() {
    let data = temp_dir("seed");
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["migrate"])
        .env("NEWSDESK_DATA", &data)
        .env_remove("NEWSDESK_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("The database schema is up to date"));
    assert!(data.join("newsdesk.db").exists());
    let d = data.to_str().unwrap();
    let out = newsdesk(&["seed", "--articles", "250", "--data", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Added 250 synthetic stories"));
    // Settings are shown and changed, with the same validation as everywhere else.
    let out = newsdesk(&[
        "settings",
        "--data",
        d,
        "--set",
        "comment_moderation=none",
        "--set",
        "comment_block_words=casino\\npills",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        shown.contains("comment_moderation = none\n")
            && shown.contains("comment_block_words = casino\\npills\n"),
        "{shown}"
    );
    assert_one_line_error(
        &newsdesk(&["settings", "--data", d, "--set", "thread_depth=42"]),
        1,
        "thread_depth: a whole number from 1 to 10",
    );
    assert_one_line_error(
        &newsdesk(&["settings", "--data", d, "--set", "colour=red"]),
        1,
        "unknown setting \"colour\"",
    );
    assert_one_line_error(
        &newsdesk(&["settings", "--data", d, "--set", "title"]),
        1,
        "--set takes NAME=VALUE",
    );
    let out = newsdesk(&["seed", "--demo", "--data", d]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already has stories"),
        "the demo must not mix with existing stories"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_port_in_use_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = temp_dir("port");
    let out = newsdesk(&["serve", "--listen", &addr, "--data", data.to_str().unwrap()]);
    assert_one_line_error(&out, 1, &format!("cannot listen on {addr}"));
    drop(taken);
    let _ = std::fs::remove_dir_all(&data);
}

/// `newsdesk user …` with `input` on standard input.
fn newsdesk_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env_remove("NEWSDESK_DATA")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env_remove("NEWSDESK_BASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run newsdesk");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_accounts_are_managed_with_clear_errors() {
    let dir = temp_dir("users");
    let data = dir.to_str().unwrap();
    let add = |login: &str, role: &str, password: &str| {
        newsdesk_with_input(
            &[
                "user",
                "--data",
                data,
                "add",
                "--login",
                login,
                "--email",
                &format!("{login}@news.example"),
                "--display-name",
                "Ann Reporter",
                "--role",
                role,
            ],
            &format!("{password}\n"),
        )
    };
    let out = add("ann", "author", "quiet river at dawn");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Added Ann Reporter (ann) as author.\n"
    );
    assert_one_line_error(
        &add("ann", "author", "quiet river at dawn"),
        1,
        "\"ann\" is already taken",
    );
    assert_one_line_error(&add("bob", "author", "short"), 1, "at least 10 characters");
    assert_one_line_error(
        &add("bob", "chief", "quiet river at dawn"),
        2,
        "unknown role \"chief\"",
    );
    let out = newsdesk(&[
        "user",
        "--data",
        data,
        "--base-url",
        "https://news.example",
        "add",
        "--login",
        "cara",
        "--email",
        "cara@news.example",
        "--display-name",
        "Cara",
        "--role",
        "editor",
        "--invite",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("https://news.example/admin/password/"),
        "{stdout}"
    );
    let out = newsdesk(&["user", "--data", data, "set-role", "ann", "editor"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ann is now editor.\n");
    let out = newsdesk(&["user", "--data", data, "disable", "cara"]);
    assert!(out.status.success());
    let out = newsdesk(&["user", "--data", data, "list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    let row = |login: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{login} ")))
            .unwrap_or_else(|| panic!("{login} not listed: {list}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("ann")[1..4], ["editor", "ann@news.example", "active"]);
    assert_eq!(
        row("cara")[1..4],
        ["editor", "cara@news.example", "disabled"]
    );
    assert_one_line_error(
        &newsdesk(&["user", "--data", data, "reset-password", "nobody", "--link"]),
        1,
        "no account has the login \"nobody\"",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `newsdesk serve` with `args` on a free port and returns it with its address.
fn start_server(args: &[&str]) -> (std::process::Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("NEWSDESK_DATABASE_URL")
        .env_remove("NEWSDESK_ACCESS_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        if std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() == 0 {
            let _ = server.kill();
            panic!("the server did not start");
        }
        if let Some(at) = line.find("Newsdesk is serving http://") {
            break line[at + "Newsdesk is serving http://".len()..]
                .trim()
                .to_owned();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (server, addr)
}

/// One HTTP/1.1 request; returns the status line.
fn http_get(addr: &str, target: &str, headers: &[(&str, &str)]) -> String {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    conn.write_all(req.as_bytes()).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn the_access_log_has_a_line_per_request_and_no_query_strings() {
    let data = temp_dir("access-log");
    std::fs::create_dir_all(&data).unwrap();
    let log = data.join("access.log");
    std::fs::write(&log, "an earlier line\n").unwrap();
    let (mut server, addr) = start_server(&[
        "--data",
        data.to_str().unwrap(),
        "--access-log",
        log.to_str().unwrap(),
    ]);
    assert!(http_get(&addr, "/", &[]).contains(" 200 "));
    let status = http_get(
        &addr,
        "/search?q=election&token=secret",
        &[
            ("Referer", "https://mail.example/inbox?token=secret"),
            ("User-Agent", "Tester/1.0 \"quoted\""),
        ],
    );
    assert!(status.contains(" 200 "), "{status}");
    assert!(http_get(&addr, "/no-such-page/", &[]).contains(" 404 "));
    // The writer catches up within moments; wait for it without a fixed sleep.
    let mut text = String::new();
    for _ in 0..200 {
        text = std::fs::read_to_string(&log).unwrap();
        if text.lines().count() >= 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let _ = server.kill();
    let _ = server.wait();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], "an earlier line", "the log was not appended to");
    let line = regex::Regex::new(
        r#"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET (\S+) HTTP/1\.1" (\d{3}) (\d+|-) "([^"]*)" "((?:[^"\\]|\\.)*)" \d+ms$"#,
    )
    .unwrap();
    let parsed: Vec<_> = lines[1..]
        .iter()
        .map(|l| {
            line.captures(l)
                .unwrap_or_else(|| panic!("not a log line: {l}"))
        })
        .collect();
    assert_eq!(&parsed[0][1], "/");
    assert_eq!(&parsed[0][2], "200");
    assert_ne!(&parsed[0][3], "0");
    assert_eq!(&parsed[1][1], "/search");
    assert_eq!(&parsed[1][4], "mail.example");
    assert_eq!(&parsed[1][5], r#"Tester/1.0 \"quoted\""#);
    assert_eq!(&parsed[2][1], "/no-such-page/");
    assert_eq!(&parsed[2][2], "404");
    assert!(
        !text.contains("secret"),
        "a query string was logged: {text}"
    );
    assert!(
        !text.contains("election"),
        "a query string was logged: {text}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn backup_copies_a_sqlite_site_while_it_is_written_to() {
    let data = temp_dir("backup");
    let d = data.to_str().unwrap();
    assert!(newsdesk(&["seed", "--demo", "--data", d]).status.success());
    let live = data.join("newsdesk.db");
    let stories: i64 = rusqlite::Connection::open(&live)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert!(stories > 0);

    // Another connection keeps writing while the backup is made.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, live) = (stop.clone(), live.clone());
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(&live).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n == 0 {
                conn.execute(
                    "INSERT INTO audit_log (at, actor, action) VALUES ('2026-01-01T00:00:00Z', 'test', 'write')",
                    [],
                )
                .unwrap();
                n += 1;
            }
            n
        })
    };
    let file = data.join("copy.db");
    let out = newsdesk(&["backup", file.to_str().unwrap(), "--data", d]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Backed up the site to"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(written > 0);

    let copy = rusqlite::Connection::open(&file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let copied: i64 = copy
        .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(copied, stories);
    drop(copy);
    // The copy is a working site.
    let out = newsdesk(&[
        "settings",
        "--database",
        &format!("sqlite://{}", file.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An existing file is never overwritten; a missing site is not created to be copied.
    let before = std::fs::metadata(&file).unwrap().len();
    assert_one_line_error(
        &newsdesk(&["backup", file.to_str().unwrap(), "--data", d]),
        1,
        "already exists",
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), before);
    let empty = temp_dir("backup-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = newsdesk(&[
        "backup",
        data.join("other.db").to_str().unwrap(),
        "--data",
        empty.to_str().unwrap(),
    ]);
    assert_one_line_error(&out, 1, "there is no site database");
    assert!(!empty.join("newsdesk.db").exists());
    let _ = std::fs::remove_dir_all(&empty);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn backup_of_a_postgresql_site_names_pg_dump() {
    let out = newsdesk(&[
        "backup",
        "site.dump",
        "--database",
        "postgres://news:secret@db.example/newsroom",
    ]);
    assert_one_line_error(&out, 1, "pg_dump --format=custom --file=site.dump newsroom");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
    assert!(!std::path::Path::new("site.dump").exists());
}
