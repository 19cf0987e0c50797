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
    for cmd in ["serve", "migrate", "seed", "settings", "reindex", "user"] {
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
