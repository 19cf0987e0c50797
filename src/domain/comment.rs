//! Reader comments: what the form accepts, how plain text is shown, and which rules decide
//! whether a comment is published, held for moderation or treated as spam.

use std::collections::BTreeMap;

use super::html::escape;

/// WordPress's limits, in characters for the name, email and website and in bytes for the text.
pub const MAX_AUTHOR_CHARS: usize = 245;
pub const MAX_EMAIL_CHARS: usize = 100;
pub const MAX_URL_CHARS: usize = 200;
pub const MAX_COMMENT_BYTES: usize = 65_525;

/// Moderation state of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentState {
    Pending,
    Approved,
    Spam,
    Trash,
}

impl CommentState {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentState::Pending => "pending",
            CommentState::Approved => "approved",
            CommentState::Spam => "spam",
            CommentState::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> Option<CommentState> {
        [
            CommentState::Pending,
            CommentState::Approved,
            CommentState::Spam,
            CommentState::Trash,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The fields of the comment form as submitted, untrusted. Names follow WordPress.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct CommentForm {
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub url: String,
    #[serde(default, rename = "comment_post_ID")]
    pub post_id: String,
    /// Set instead of `comment_post_ID` by the form on a static page (stories and pages have
    /// ids of their own, so the form says which it belongs to).
    #[serde(default, rename = "comment_page_ID")]
    pub page_id: String,
    #[serde(default)]
    pub comment_parent: String,
    /// "Save my name, email, and website in this browser for the next time I comment."
    #[serde(default, rename = "wp-comment-cookies-consent")]
    pub remember: Option<String>,
    /// "Notify me of replies by email."
    #[serde(default)]
    pub subscribe_replies: Option<String>,
    /// The honeypot: hidden from people, filled in by naive bots.
    #[serde(default)]
    pub nd_website_confirm: String,
    /// Signed time the form was rendered.
    #[serde(default)]
    pub nd_form_token: String,
}

/// A comment that passed the form's rules: trimmed, within limits, email and website well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentDraft {
    /// The story's id, or the page's when `on_page`.
    pub article_id: i64,
    pub on_page: bool,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: String,
    pub text: String,
    pub remember: bool,
    pub subscribe_replies: bool,
}

/// Field errors, by form field name, in form order.
pub type FieldErrors = BTreeMap<&'static str, String>;

fn field_order(name: &str) -> u8 {
    match name {
        "comment" => 0,
        "author" => 1,
        "email" => 2,
        _ => 3,
    }
}

/// The errors in the order the fields appear on the form.
pub fn ordered(errors: &FieldErrors) -> Vec<(&'static str, &str)> {
    let mut v: Vec<(&'static str, &str)> = errors.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.sort_by_key(|(k, _)| field_order(k));
    v
}

/// Whether `s` is a plausible email address (what a reader would call valid).
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains(char::is_whitespace)
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// Normalizes a website as typed ("example.org" → "http://example.org"); `None` if it is not a
/// web address.
pub fn normalize_url(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return Some(String::new());
    }
    let with_scheme = if s.contains("://") {
        s.to_owned()
    } else {
        format!("http://{s}")
    };
    let (scheme, rest) = with_scheme.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match host_port.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    let ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        && !rest.contains(char::is_whitespace)
        && !rest.contains(['<', '>', '"', '\'', '`']);
    ok.then_some(with_scheme)
}

impl CommentForm {
    /// Validates the form. Whitespace-only text counts as empty. The article and parent ids are
    /// parsed here; whether they exist is checked against the database by the caller.
    pub fn parse(&self) -> Result<CommentDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        // Every line break as `\n`, a lone `\r` included, so the stored text reads back the same.
        let text = self
            .comment
            .trim()
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        if text.is_empty() {
            errors.insert("comment", "Please type your comment.".into());
        } else if text.len() > MAX_COMMENT_BYTES {
            errors.insert(
                "comment",
                format!(
                    "Your comment is too long: at most {MAX_COMMENT_BYTES} bytes, this one has {}.",
                    text.len()
                ),
            );
        }
        let author = self.author.split_whitespace().collect::<Vec<_>>().join(" ");
        if author.is_empty() {
            errors.insert("author", "Please enter your name.".into());
        } else if author.chars().count() > MAX_AUTHOR_CHARS {
            errors.insert(
                "author",
                format!("Your name is too long: at most {MAX_AUTHOR_CHARS} characters."),
            );
        }
        let email = self.email.trim().to_owned();
        if email.is_empty() {
            errors.insert(
                "email",
                "Please enter your email address. It will not be published.".into(),
            );
        } else if email.chars().count() > MAX_EMAIL_CHARS {
            errors.insert(
                "email",
                format!("Your email address is too long: at most {MAX_EMAIL_CHARS} characters."),
            );
        } else if !is_valid_email(&email) {
            errors.insert(
                "email",
                "Please enter a valid email address, like name@example.com.".into(),
            );
        }
        let url = match normalize_url(&self.url) {
            Some(u) if u.chars().count() > MAX_URL_CHARS => {
                errors.insert(
                    "url",
                    format!("The website address is too long: at most {MAX_URL_CHARS} characters."),
                );
                String::new()
            }
            Some(u) => u,
            None => {
                errors.insert("url", "Please enter a web address starting with http:// or https://, or leave it empty.".into());
                String::new()
            }
        };
        let on_page = !self.page_id.trim().is_empty();
        let target = if on_page {
            &self.page_id
        } else {
            &self.post_id
        };
        let article_id = target.trim().parse::<i64>().ok().filter(|id| *id > 0);
        if article_id.is_none() {
            errors.insert(
                "comment_post_ID",
                "This comment form does not belong to a story.".into(),
            );
        }
        let parent_id = match self.comment_parent.trim() {
            "" | "0" => None,
            p => match p.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.insert(
                        "comment_parent",
                        "The comment you are replying to does not exist.".into(),
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CommentDraft {
            article_id: article_id.expect("checked above"),
            on_page,
            parent_id,
            author,
            email: email.to_lowercase(),
            url,
            text,
            remember: self.remember.is_some(),
            subscribe_replies: self.subscribe_replies.is_some(),
        })
    }
}

/// Plain comment text as HTML: paragraphs and line breaks kept, web addresses linked
/// (`rel="nofollow ugc"`), everything else escaped.
pub fn text_to_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(autolink).collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes a line, linking `http://` and `https://` addresses.
fn autolink(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut rest = line;
    while let Some(start) = find_url(rest) {
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        // Trailing punctuation usually ends the sentence, not the address.
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
            end -= tail[..end].chars().next_back().map_or(1, char::len_utf8);
        }
        let url = &tail[..end];
        if url.len() <= "https://".len() {
            out.push_str(&escape(url));
        } else {
            let u = escape(url);
            out.push_str(&format!("<a href=\"{u}\" rel=\"nofollow ugc\">{u}</a>"));
        }
        rest = &tail[end..];
    }
    out.push_str(&escape(rest));
    out
}

fn find_url(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How many web links a comment (and its website field) carries.
pub fn link_count(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("<a ").count()
}

/// Who may skip the moderation queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationPolicy {
    /// Every comment waits for a moderator.
    HoldAll,
    /// A commenter with an earlier approved comment under the same email is trusted.
    HoldFirstTime,
    /// Comments appear at once unless a rule flags them.
    ApproveUnlessFlagged,
}

impl ModerationPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationPolicy::HoldAll => "all",
            ModerationPolicy::HoldFirstTime => "first_time",
            ModerationPolicy::ApproveUnlessFlagged => "none",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationPolicy> {
        match s {
            "all" => Some(ModerationPolicy::HoldAll),
            "first_time" => Some(ModerationPolicy::HoldFirstTime),
            "none" => Some(ModerationPolicy::ApproveUnlessFlagged),
            _ => None,
        }
    }
}

/// The comment rules from site settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentRules {
    pub policy: ModerationPolicy,
    /// Seconds a person needs at least between seeing the form and sending it.
    pub min_seconds: u32,
    /// More links than this hold a comment for moderation.
    pub max_links: u32,
    /// Words that hold a comment for moderation (one per line, case-insensitive).
    pub moderation_words: Vec<String>,
    /// Words that mark a comment as spam.
    pub block_words: Vec<String>,
}

/// What the rules found about one comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub honeypot_filled: bool,
    /// Seconds since the form was rendered; `None` if the form token is missing or forged.
    pub seconds_on_form: Option<i64>,
    /// The commenter has an earlier approved comment under this email.
    pub known_commenter: bool,
    /// The comment came from an app through the REST API: there is no form, so neither its
    /// token nor the time spent on it says anything. Every other rule applies.
    pub through_api: bool,
}

/// The outcome: the state to store, a score and the rules that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub state: CommentState,
    pub score: i32,
    pub reasons: Vec<String>,
}

fn matching_word<'a>(words: &'a [String], haystack: &str) -> Option<&'a str> {
    words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .find(|w| haystack.contains(&w.to_lowercase()))
}

/// What each rule adds to a comment's spam score.
const HONEYPOT_POINTS: i32 = 100;
const NO_TOKEN_POINTS: i32 = 60;
const TOO_FAST_POINTS: i32 = 50;
const BLOCKED_WORD_POINTS: i32 = 80;
const LINKS_POINTS: i32 = 20;
const MODERATION_WORD_POINTS: i32 = 20;

/// One stored reason of [`assess`], explained for a moderator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explained {
    /// What the rule added to the spam score (0 for the moderation policy).
    pub points: i32,
    pub text: String,
}

/// Explains the reasons [`assess`] stored with a comment (joined with `"; "`), in order.
pub fn explain_reasons(stored: &str) -> Vec<Explained> {
    stored
        .split("; ")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(explain)
        .collect()
}

fn explain(reason: &str) -> Explained {
    let quoted = |prefix: &str| {
        reason
            .strip_prefix(prefix)
            .map(|w| w.trim_matches('"').replace("\\\"", "\""))
    };
    let (points, text) = if reason == "the hidden honeypot field was filled in" {
        (
            HONEYPOT_POINTS,
            "A hidden field that people never see was filled in, as bots do.".to_owned(),
        )
    } else if reason == "the form token was missing or not issued by this site" {
        (
            NO_TOKEN_POINTS,
            "It was not sent from a comment form this site showed (the form's signed token was missing or forged), as scripts do."
                .to_owned(),
        )
    } else if let Some(rest) = reason.strip_prefix("sent ")
        && let Some((secs, min)) = rest.split_once(" s after the form was shown (minimum ")
    {
        (
            TOO_FAST_POINTS,
            format!(
                "It was sent {secs} second{} after the form was shown; people need at least {}.",
                if secs == "1" { "" } else { "s" },
                min.trim_end_matches(" s)")
            ),
        )
    } else if let Some(word) = quoted("contains the blocked word ") {
        (
            BLOCKED_WORD_POINTS,
            format!("It contains “{word}”, one of the site’s blocked words."),
        )
    } else if let Some(word) = quoted("contains the moderation word ") {
        (
            MODERATION_WORD_POINTS,
            format!("It contains “{word}”, one of the site’s moderation words."),
        )
    } else if let Some((n, max)) = reason
        .split_once(" links (more than ")
        .filter(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()))
    {
        (
            LINKS_POINTS,
            format!(
                "It has {n} links; comments with more than {} wait for moderation.",
                max.trim_end_matches(" are held)")
            ),
        )
    } else if reason == "every comment is held for moderation" {
        (0, "The site holds every comment for moderation.".to_owned())
    } else if reason == "first comment under this email address" {
        (
            0,
            "It is the first comment from this email address, and first comments wait for moderation."
                .to_owned(),
        )
    } else {
        let mut chars = reason.chars();
        let text = match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        };
        (0, text)
    };
    Explained { points, text }
}

/// Decides a comment's fate. Spam signals (honeypot, a missing or forged form token, a form
/// sent faster than a person could, a blocked word) mark it spam; softer ones (too many links,
/// a moderation word) hold it; otherwise the moderation policy decides.
pub fn assess(draft: &CommentDraft, signals: &Signals, rules: &CommentRules) -> Assessment {
    let mut score = 0;
    let mut reasons = Vec::new();
    let mut spam = false;
    let mut hold = false;
    if signals.honeypot_filled {
        score += HONEYPOT_POINTS;
        spam = true;
        reasons.push("the hidden honeypot field was filled in".to_owned());
    }
    match signals.seconds_on_form {
        _ if signals.through_api => {}
        None => {
            score += NO_TOKEN_POINTS;
            spam = true;
            reasons.push("the form token was missing or not issued by this site".to_owned());
        }
        Some(s) if s < i64::from(rules.min_seconds) => {
            score += TOO_FAST_POINTS;
            spam = true;
            reasons.push(format!(
                "sent {s} s after the form was shown (minimum {} s)",
                rules.min_seconds
            ));
        }
        Some(_) => {}
    }
    let haystack = format!(
        "{}\n{}\n{}\n{}",
        draft.text, draft.author, draft.email, draft.url
    )
    .to_lowercase();
    if let Some(w) = matching_word(&rules.block_words, &haystack) {
        score += BLOCKED_WORD_POINTS;
        spam = true;
        reasons.push(format!("contains the blocked word {w:?}"));
    }
    let links = link_count(&draft.text);
    if links > rules.max_links as usize {
        score += LINKS_POINTS;
        hold = true;
        reasons.push(format!(
            "{links} links (more than {} are held)",
            rules.max_links
        ));
    }
    if let Some(w) = matching_word(&rules.moderation_words, &haystack) {
        score += MODERATION_WORD_POINTS;
        hold = true;
        reasons.push(format!("contains the moderation word {w:?}"));
    }
    let state = if spam {
        CommentState::Spam
    } else if hold {
        CommentState::Pending
    } else {
        match rules.policy {
            ModerationPolicy::HoldAll => {
                reasons.push("every comment is held for moderation".to_owned());
                CommentState::Pending
            }
            ModerationPolicy::HoldFirstTime if !signals.known_commenter => {
                reasons.push("first comment under this email address".to_owned());
                CommentState::Pending
            }
            _ => CommentState::Approved,
        }
    };
    Assessment {
        state,
        score,
        reasons,
    }
}

stored_name!(CommentState, "comment state");

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer (tests/fuzz/corpus/comments/cr-before-crlf): `\r\r\n` became
    /// `\r\n`, so the stored text changed when it was sent again.
    #[test]
    fn every_line_break_is_stored_as_a_line_feed() {
        let draft = CommentForm {
            comment: "one\r\r\ntwo\rthree\r\nfour".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(draft.text, "one\n\ntwo\nthree\nfour");
    }

    fn form() -> CommentForm {
        CommentForm {
            comment: "Hello".into(),
            author: "Ann".into(),
            email: "Ann@Example.org".into(),
            post_id: "7".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_forms_are_normalized() {
        let d = CommentForm {
            url: "example.org/me".into(),
            comment_parent: "3".into(),
            author: "  Ann   Lee ".into(),
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!((d.article_id, d.parent_id), (7, Some(3)));
        assert_eq!(d.author, "Ann Lee");
        assert_eq!(d.email, "ann@example.org");
        assert_eq!(d.url, "http://example.org/me");
    }

    #[test]
    fn each_field_has_its_own_message() {
        let e = CommentForm {
            comment: " \n\t ".into(),
            author: "".into(),
            email: "nope".into(),
            url: "javascript:alert(1)".into(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            e.keys().copied().collect::<Vec<_>>(),
            ["author", "comment", "email", "url"]
        );
        assert_eq!(
            ordered(&e).iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["comment", "author", "email", "url"]
        );
        let long = CommentForm {
            comment: "x".repeat(MAX_COMMENT_BYTES + 1),
            author: "a".repeat(246),
            email: format!("{}@example.org", "a".repeat(100)),
            url: format!("https://example.org/{}", "a".repeat(200)),
            ..form()
        };
        assert_eq!(long.parse().unwrap_err().len(), 4);
        let ok = CommentForm {
            comment: "é".repeat(MAX_COMMENT_BYTES / 2),
            author: "a".repeat(245),
            ..form()
        };
        assert!(ok.parse().is_ok());
        assert!(
            CommentForm {
                post_id: "x".into(),
                ..form()
            }
            .parse()
            .is_err()
        );
        assert!(
            CommentForm {
                comment_parent: "-1".into(),
                ..form()
            }
            .parse()
            .is_err()
        );
    }

    #[test]
    fn emails_and_urls() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "ü@exämple.de"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a@b..co", "a b@c.de", "a@b.co.", "a@b_c.de",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert_eq!(
            normalize_url("https://x.org/a?b#c").as_deref(),
            Some("https://x.org/a?b#c")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "http://",
            "http://a b",
            "http://x.org/\"onmouseover",
        ] {
            assert_eq!(normalize_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_is_escaped_with_paragraphs_and_links() {
        assert_eq!(
            text_to_html("Hi <b>there</b>\nsee https://example.org/a?b=1&c=2.\n\n\nBye"),
            "<p>Hi &lt;b&gt;there&lt;/b&gt;<br>\nsee <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc\">https://example.org/a?b=1&amp;c=2</a>.</p>\n<p>Bye</p>"
        );
        assert_eq!(
            text_to_html("javascript:alert(1) http://"),
            "<p>javascript:alert(1) http://</p>"
        );
        assert_eq!(
            text_to_html("x https://e.org/\"onmouseover=alert(1)"),
            "<p>x <a href=\"https://e.org/\" rel=\"nofollow ugc\">https://e.org/</a>&quot;onmouseover=alert(1)</p>"
        );
    }

    fn rules(policy: ModerationPolicy) -> CommentRules {
        CommentRules {
            policy,
            min_seconds: 3,
            max_links: 2,
            moderation_words: vec!["casino".into()],
            block_words: vec!["viagra".into()],
        }
    }

    #[test]
    fn stored_reasons_are_explained_with_their_points() {
        let d = CommentForm {
            comment: "Cheap viagra http://a.org http://b.org http://c.org casino".into(),
            ..form()
        }
        .parse()
        .unwrap();
        let bot = Signals {
            honeypot_filled: true,
            seconds_on_form: Some(1),
            known_commenter: false,
            through_api: false,
        };
        let a = assess(&d, &bot, &rules(ModerationPolicy::HoldAll));
        let explained = explain_reasons(&a.reasons.join("; "));
        assert_eq!(explained.iter().map(|e| e.points).sum::<i32>(), a.score);
        assert_eq!(
            explained
                .iter()
                .map(|e| e.text.as_str())
                .collect::<Vec<_>>(),
            [
                "A hidden field that people never see was filled in, as bots do.",
                "It was sent 1 second after the form was shown; people need at least 3.",
                "It contains “viagra”, one of the site’s blocked words.",
                "It has 3 links; comments with more than 2 wait for moderation.",
                "It contains “casino”, one of the site’s moderation words.",
            ]
        );
        let forged = assess(
            &d,
            &Signals::default(),
            &rules(ModerationPolicy::HoldFirstTime),
        );
        assert!(
            explain_reasons(&forged.reasons.join("; "))[0]
                .text
                .contains("signed token was missing or forged")
        );
        assert_eq!(
            explain_reasons("first comment under this email address")[0].points,
            0
        );
        assert_eq!(explain_reasons("something new")[0].text, "Something new");
        assert!(explain_reasons("").is_empty());
    }

    #[test]
    fn assessment_explains_itself() {
        let d = form().parse().unwrap();
        let human = Signals {
            seconds_on_form: Some(30),
            ..Default::default()
        };
        let a = assess(&d, &human, &rules(ModerationPolicy::ApproveUnlessFlagged));
        assert_eq!((a.state, a.score), (CommentState::Approved, 0));
        let a = assess(&d, &human, &rules(ModerationPolicy::HoldFirstTime));
        assert_eq!(a.state, CommentState::Pending);
        assert_eq!(a.reasons, ["first comment under this email address"]);
        let known = Signals {
            known_commenter: true,
            ..human.clone()
        };
        assert_eq!(
            assess(&d, &known, &rules(ModerationPolicy::HoldFirstTime)).state,
            CommentState::Approved
        );
        assert_eq!(
            assess(&d, &known, &rules(ModerationPolicy::HoldAll)).state,
            CommentState::Pending
        );

        let bot = Signals {
            honeypot_filled: true,
            seconds_on_form: Some(0),
            known_commenter: true,
            through_api: false,
        };
        let a = assess(&d, &bot, &rules(ModerationPolicy::ApproveUnlessFlagged));
        assert_eq!(
            (a.state, a.score, a.reasons.len()),
            (CommentState::Spam, 150, 2)
        );
        let forged = Signals {
            seconds_on_form: None,
            ..Default::default()
        };
        assert_eq!(
            assess(&d, &forged, &rules(ModerationPolicy::ApproveUnlessFlagged)).state,
            CommentState::Spam
        );
        // From an app through the REST API there is no form, so no token: every other rule
        // applies, and the policy decides.
        let app = Signals {
            seconds_on_form: None,
            through_api: true,
            ..Default::default()
        };
        assert_eq!(
            assess(&d, &app, &rules(ModerationPolicy::ApproveUnlessFlagged)).state,
            CommentState::Approved
        );
        assert_eq!(
            assess(&d, &app, &rules(ModerationPolicy::HoldFirstTime)).state,
            CommentState::Pending
        );
        let app_bot = Signals {
            honeypot_filled: true,
            ..app
        };
        assert_eq!(
            assess(&d, &app_bot, &rules(ModerationPolicy::ApproveUnlessFlagged)).state,
            CommentState::Spam
        );

        let linky = CommentDraft {
            text: "http://a.org http://b.org https://c.org".into(),
            ..d.clone()
        };
        let a = assess(
            &linky,
            &known,
            &rules(ModerationPolicy::ApproveUnlessFlagged),
        );
        assert_eq!(
            (a.state, a.reasons.clone()),
            (
                CommentState::Pending,
                vec!["3 links (more than 2 are held)".to_owned()]
            )
        );
        let casino = CommentDraft {
            text: "Best CASINO here".into(),
            ..d.clone()
        };
        assert_eq!(
            assess(
                &casino,
                &known,
                &rules(ModerationPolicy::ApproveUnlessFlagged)
            )
            .state,
            CommentState::Pending
        );
        let blocked = CommentDraft {
            author: "Cheap Viagra".into(),
            ..d
        };
        let a = assess(
            &blocked,
            &known,
            &rules(ModerationPolicy::ApproveUnlessFlagged),
        );
        assert_eq!(a.state, CommentState::Spam);
        assert_eq!(a.reasons, ["contains the blocked word \"viagra\""]);
    }
}
