//! `newsdesk export wordpress`, run as an operator runs it: the real binary, on SQLite and on
//! PostgreSQL.

use crate::export::{WP, count};
use crate::support::TestSite;

on_both_backends!(demo: the_command_line_writes_a_file_once_or_to_standard_output);

/// The real binary, as an operator runs it.
fn newsdesk(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env_remove("NEWSDESK_DATA")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env_remove("NEWSDESK_BASE_URL")
        .output()
        .expect("run newsdesk")
}

/// The lines of stderr that are not log lines.
fn error_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains(" INFO ") && !l.contains(" WARN "))
        .map(str::to_owned)
        .collect()
}

fn post_count(xml: &str) -> usize {
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    doc.descendants()
        .filter(|n| n.has_tag_name((WP, "post_type")) && n.text() == Some("post"))
        .count()
}

async fn the_command_line_writes_a_file_once_or_to_standard_output(site: TestSite) {
    let dir = std::env::temp_dir().join(format!(
        "newsdesk-export-{}-{:?}",
        std::process::id(),
        site.backend
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("site.xml");
    let f = file.to_str().unwrap();
    let stories = count(&site, "articles").await;
    let args = [
        "--database",
        &site.url,
        "--base-url",
        "https://news.example",
    ];

    let out = newsdesk(&[&["export", "wordpress", f][..], &args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with(&format!("Exported {stories} stories, "))
            && said.trim_end().ends_with(&format!("to {f}.")),
        "{said}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(post_count(&written), stories);
    assert!(written.contains("<link>https://news.example/"));

    // An existing file is never overwritten.
    let out = newsdesk(&[&["export", "wordpress", f][..], &args].concat());
    assert_eq!(out.status.code(), Some(1));
    let lines = error_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("already exists"), "{lines:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    // `-`: the same file on standard output.
    let out = newsdesk(&[&["export", "wordpress", "-"][..], &args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(post_count(&String::from_utf8(out.stdout).unwrap()), stories);

    // Nothing half-written is left beside the file.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["site.xml"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_mistakes_are_one_line_and_write_nothing() {
    let dir = std::env::temp_dir().join(format!("newsdesk-export-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.xml");
    let f = file.to_str().unwrap();
    let missing = dir.join("no-site");
    let m = missing.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["export", "wordpress", f, "--data", m],
            "there is no site database",
        ),
        (
            vec![
                "export",
                "wordpress",
                f,
                "--data",
                m,
                "--base-url",
                "news.example",
            ],
            "news.example",
        ),
        (vec!["export", "joomla", f], "joomla"),
    ] {
        let out = newsdesk(&args);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let lines = error_lines(&out);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
        assert!(lines[0].contains(needle), "{args:?}: {lines:?}");
        assert!(!file.exists(), "{args:?}");
    }
    assert!(
        !missing.join("newsdesk.db").exists(),
        "no empty database was made"
    );

    let help = newsdesk(&["export", "wordpress", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for word in [
        "WXR 1.2",
        "no password",
        "--database",
        "--base-url",
        "standard output",
    ] {
        assert!(
            help.contains(word),
            "export wordpress --help lacks {word:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
