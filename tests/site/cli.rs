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
        "serve", "migrate", "seed", "settings", "reindex", "user", "backup", "export",
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
    // Common and guessable passwords are refused, saying what to do instead.
    for weak in [
        "password12",
        "passwordpassword",
        "qwertyuiop",
        "newsdesk2026",
        "annreporter2",
    ] {
        let out = add("bob", "author", weak);
        assert_one_line_error(&out, 1, "password: This password is too easy to guess.");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Add another word or two."),
            "{weak}"
        );
    }
    // One email address, however it is typed, belongs to one account.
    let out = newsdesk_with_input(
        &[
            "user",
            "--data",
            data,
            "add",
            "--login",
            "ann2",
            "--email",
            " Ann@News.EXAMPLE ",
            "--display-name",
            "Another Ann",
            "--role",
            "author",
        ],
        "velvet tractor of mondays\n",
    );
    assert_one_line_error(
        &out,
        1,
        "email: the address ann@news.example is already used by another account",
    );
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
        "  Cara@News.Example",
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

/// One HTTP/1.1 request to a running server: the status, the `Set-Cookie` and `Location`
/// headers, and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, Vec<String>, String) {
    use std::io::{Read, Write};
    let body = serde_urlencoded::to_string(form).unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\n"
    );
    if !cookie.is_empty() {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(if method == "POST" { &body } else { "" });
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head[9..12].parse().unwrap();
    let headers = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("set-cookie:") || l.starts_with("location:")
        })
        .map(str::to_owned)
        .collect();
    (status, headers, body.to_owned())
}

/// The value of the hidden `_csrf` field of a page's form.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"_csrf\" value=\"").expect("a form token") + 20;
    page[at..].split('"').next().unwrap().to_owned()
}

/// A fresh site's `serve` logs a one-time link that creates the first administrator, who then
/// signs in; the link works once, and no new one is logged once an administrator exists.
#[test]
fn a_fresh_site_logs_a_link_to_create_its_first_administrator() {
    use std::io::BufRead;
    let dir = temp_dir("first-admin");
    let data = dir.to_str().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let serve = || {
        Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["serve", "--data", data, "--listen", &addr])
            .env_remove("NEWSDESK_DATABASE_URL")
            .env_remove("NEWSDESK_BASE_URL")
            .env("NEWSDESK_LOG", "info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run newsdesk serve")
    };
    // Reads the log until the server is serving; returns the lines logged.
    let started = |child: &mut std::process::Child| {
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                // Stops reading once the server is up, so its log pipe is closed from then on
                // (a log collector that went away): requests that log must still be answered.
                let serving = line.contains("Newsdesk is serving");
                let _ = tx.send(line);
                if serving {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(60)) {
            let serving = line.contains("Newsdesk is serving");
            lines.push(line);
            if serving {
                return lines;
            }
        }
        panic!("the server did not start: {lines:?}");
    };
    let mut child = serve();
    let lines = started(&mut child);
    let line = lines
        .iter()
        .find(|l| l.contains("/admin/setup/"))
        .unwrap_or_else(|| panic!("no set-up link logged: {lines:?}"));
    assert!(
        line.contains("newsdesk user add --role administrator"),
        "{line}"
    );
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap();
    let path = url
        .strip_prefix(&format!("http://{addr}"))
        .unwrap_or_else(|| panic!("{url} is not on {addr}"))
        .to_owned();
    let token = path.rsplit('/').next().unwrap();
    assert_eq!(token.len(), 64, "{token}");

    let (status, _, page) = http(&addr, "GET", &path, "", &[]);
    assert_eq!(status, 200, "{page}");
    let form = |password: &str| {
        vec![
            ("login", "chief".to_owned()),
            ("email", "Chief@News.Example".to_owned()),
            ("display_name", "Chief Editor".to_owned()),
            ("password", password.to_owned()),
            ("repeat", password.to_owned()),
        ]
    };
    let post = |fields: Vec<(&str, String)>| {
        let (_, _, page) = http(&addr, "GET", &path, "", &[]);
        let csrf = csrf_of(&page);
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &csrf)];
        all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        http(&addr, "POST", &path, "", &all)
    };
    // A guessable password is refused on the form, which keeps what was typed.
    let (status, _, page) = post(form("qwertyuiop"));
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("This password is too easy to guess."),
        "{page}"
    );
    assert!(page.contains("value=\"Chief Editor\""), "{page}");
    let (status, headers, page) = post(form("correct horse battery staple"));
    assert_eq!(status, 303, "{page}");
    assert!(
        headers.contains(&"location: /admin/login?m=set-up".to_owned()),
        "{headers:?}"
    );
    // Used once, the link no longer works.
    let (status, _, page) = http(&addr, "GET", &path, "", &[]);
    assert_eq!(status, 404);
    assert!(page.contains("This link no longer works"), "{page}");

    // The new administrator signs in.
    let (_, _, login) = http(&addr, "GET", "/admin/login", "", &[]);
    let csrf = csrf_of(&login);
    let (status, headers, page) = http(
        &addr,
        "POST",
        "/admin/login",
        "",
        &[
            ("_csrf", &csrf),
            ("login", "chief"),
            ("password", "correct horse battery staple"),
        ],
    );
    assert_eq!(status, 303, "{page}");
    let cookie = headers
        .iter()
        .find_map(|h| {
            h.split_once(": ")
                .map(|(_, v)| v)
                .filter(|v| v.starts_with("newsdesk_session="))
        })
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie: {headers:?}"))
        .to_owned();
    let (status, _, dash) = http(&addr, "GET", "/admin/", &cookie, &[]);
    assert_eq!(status, 200);
    assert!(dash.contains("Chief Editor"), "{dash}");
    let (_, _, people) = http(&addr, "GET", "/admin/users", &cookie, &[]);
    assert!(people.contains("chief@news.example"), "{people}");
    let _ = child.kill();
    let _ = child.wait();

    // With an administrator, a restart logs no link.
    let mut child = serve();
    let lines = started(&mut child);
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("/admin/setup/") || l.contains("/admin/password/")),
        "{lines:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `seed --demo` prints the link where the demo's administrator chooses a password.
#[test]
fn the_demo_seed_prints_the_administrators_link() {
    let dir = temp_dir("demo-link");
    let data = dir.to_str().unwrap();
    let out = newsdesk(&[
        "seed",
        "--demo",
        "--data",
        data,
        "--base-url",
        "https://news.example/",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("Created the demo news site.\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Sign in to the newsroom as \"admin\": choose a password at https://news.example/admin/password/"),
        "{stdout}"
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

on_both_backends!(empty:
    user_set_name_set_email_and_delete_go_through_the_actions,
);

/// `newsdesk user set-name`, `set-email` and `delete --reassign-to` against a site's database,
/// with the same rules as the admin's pages and a clear line for each mistake.
async fn user_set_name_set_email_and_delete_go_through_the_actions(site: crate::support::TestSite) {
    use newsdesk::domain::user::Role;
    let ann = site.add_staff("ann", Role::Author).await;
    let bob = site.add_staff("bob", Role::Editor).await;
    let root = site.add_staff("root", Role::Administrator).await;
    let url = site.url.clone();
    let run = |args: &[&str]| {
        let mut all = vec!["user", "--database", url.as_str()];
        all.extend_from_slice(args);
        newsdesk(&all)
    };
    let stdout = |out: &Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    assert!(
        stdout(&run(&["set-name", "ann", "  Ann Quill "]))
            .contains("ann is now shown as Ann Quill.")
    );
    let account = site.store.account(ann).await.unwrap().unwrap();
    assert_eq!(account.display_name, "Ann Quill");
    assert_one_line_error(
        &run(&["set-name", "ann", "   "]),
        1,
        "display_name: Enter the name shown on stories.",
    );
    assert_one_line_error(
        &run(&["set-name", "nobody", "X"]),
        1,
        "no account has the login \"nobody\"",
    );

    assert!(
        stdout(&run(&["set-email", "ann", " Ann@Quill.Example"])).contains("ann@quill.example")
    );
    assert_one_line_error(
        &run(&["set-email", "ann", "bob@news.example"]),
        1,
        "is already used by another account",
    );
    assert_one_line_error(
        &run(&["set-email", "ann", "not-an-address"]),
        1,
        "email: Enter an email address",
    );
    assert_one_line_error(&run(&["delete", "ann"]), 2, "--reassign-to");
    assert_one_line_error(
        &run(&["delete", "ann", "--reassign-to", "ann"]),
        1,
        "Choose someone else to receive the stories.",
    );
    assert_one_line_error(
        &run(&["delete", "root", "--reassign-to", "bob"]),
        1,
        "The site needs at least one administrator",
    );
    assert!(
        stdout(&run(&["delete", "ann", "--reassign-to", "bob"]))
            .contains("ann is deleted; 0 bylines went to bob.")
    );
    assert!(site.store.account(ann).await.unwrap().is_none());
    assert!(site.store.account(bob).await.unwrap().is_some());
    assert!(site.store.account(root).await.unwrap().is_some());
    let audited = site
        .raw_pairs(
            "SELECT action, CAST(COUNT(*) AS BIGINT) FROM audit_log \
             WHERE actor = 'operator' AND action IN ('profile_change', 'account_delete') \
             GROUP BY action ORDER BY action",
        )
        .await;
    assert_eq!(
        audited,
        vec![
            ("account_delete".to_owned(), 1),
            ("profile_change".to_owned(), 2)
        ]
    );
}

#[test]
fn import_wordpress_prints_a_summary_and_a_clear_error_for_a_broken_file() {
    let dir = temp_dir("import");
    let data = dir.to_str().unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wxr/newsroom-1.2.xml"
    );
    let out = newsdesk(&["import", "wordpress", sample, "--data", data]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Imported \"Valley Herald\""), "{stdout}");
    let stories = stdout
        .lines()
        .find(|l| l.starts_with("stories"))
        .unwrap_or_default();
    assert_eq!(
        stories.split_whitespace().collect::<Vec<_>>(),
        ["stories", "7", "0", "1", "0"]
    );
    assert_eq!(stdout.matches("/admin/password/").count(), 2, "{stdout}");
    assert!(stdout.contains("[contact-form-7] 1"), "{stdout}");
    // Again: nothing new, and nothing to download (the image is already imported).
    let out = newsdesk(&[
        "import",
        "wordpress",
        sample,
        "--data",
        data,
        "--fetch-media",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stories = stdout
        .lines()
        .find(|l| l.starts_with("stories"))
        .unwrap_or_default();
    assert_eq!(
        stories.split_whitespace().collect::<Vec<_>>(),
        ["stories", "0", "7", "1", "0"]
    );
    let images = stdout
        .lines()
        .find(|l| l.starts_with("images"))
        .unwrap_or_default();
    assert_eq!(
        images.split_whitespace().collect::<Vec<_>>(),
        ["images", "0", "1", "0", "0"]
    );

    let broken = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wxr/mismatched.xml"
    );
    let out = newsdesk(&["import", "wordpress", broken, "--data", data]);
    assert_one_line_error(&out, 1, "line 109, in <post_name>");
    let out = newsdesk(&["import", "wordpress", "/nonexistent.xml", "--data", data]);
    assert_one_line_error(&out, 1, "cannot open /nonexistent.xml");
    // Local addresses are only for downloads that were asked for.
    let out = newsdesk(&[
        "import",
        "wordpress",
        sample,
        "--data",
        data,
        "--fetch-media-allow-local",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--fetch-media"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
