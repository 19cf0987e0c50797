//! Signed tokens: short strings the site issues and can later check it issued.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

fn mac(secret: &[u8], message: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    m.update(message.as_bytes());
    m
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `ISSUED.SIGNATURE`: when a form for `purpose` was rendered, signed with the site's secret.
fn issue(secret: &[u8], purpose: &str, issued_unix: i64) -> String {
    let sig = mac(secret, &format!("{purpose}:{issued_unix}"))
        .finalize()
        .into_bytes();
    format!("{issued_unix}.{}", hex(&sig))
}

/// When a token was issued, if this site issued it for `purpose`.
fn issued_at(secret: &[u8], purpose: &str, token: &str) -> Option<i64> {
    let (issued, sig) = token.trim().split_once('.')?;
    let issued_unix: i64 = issued.parse().ok()?;
    let sig = unhex(sig)?;
    mac(secret, &format!("{purpose}:{issued_unix}"))
        .verify_slice(&sig)
        .ok()?;
    Some(issued_unix)
}

/// The token a comment form carries: when it was rendered, for which story, signed.
pub fn comment_form_token(secret: &[u8], article_id: i64, issued_unix: i64) -> String {
    issue(secret, &format!("comment-form:{article_id}"), issued_unix)
}

/// When a comment form token was issued, if this site issued it for this story.
pub fn verify_comment_form_token(secret: &[u8], article_id: i64, token: &str) -> Option<i64> {
    issued_at(secret, &format!("comment-form:{article_id}"), token)
}

/// The token an admin form shown before sign-in carries (sign-in, set password).
pub fn admin_form_token(secret: &[u8], issued_unix: i64) -> String {
    issue(secret, "admin-form", issued_unix)
}

/// Whether this site issued an admin form token within `max_age_secs` of `now_unix`.
pub fn verify_admin_form_token(
    secret: &[u8],
    token: &str,
    now_unix: i64,
    max_age_secs: i64,
) -> bool {
    issued_at(secret, "admin-form", token)
        .is_some_and(|issued| (0..=max_age_secs).contains(&(now_unix - issued)))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_story_and_secret() {
        let t = comment_form_token(b"secret", 7, 1_700_000_000);
        assert_eq!(
            verify_comment_form_token(b"secret", 7, &t),
            Some(1_700_000_000)
        );
        assert_eq!(verify_comment_form_token(b"secret", 8, &t), None);
        assert_eq!(verify_comment_form_token(b"other", 7, &t), None);
        let forged = t.replacen("1700000000", "1600000000", 1);
        assert_eq!(verify_comment_form_token(b"secret", 7, &forged), None);
        for junk in ["", ".", "x.y", "1.zz", "1.abc"] {
            assert_eq!(verify_comment_form_token(b"secret", 7, junk), None);
        }
    }

    #[test]
    fn admin_form_tokens_expire_and_resist_forgery() {
        let t = admin_form_token(b"k", 1000);
        assert!(verify_admin_form_token(b"k", &t, 1500, 7200));
        assert!(!verify_admin_form_token(b"k", &t, 1000 + 7201, 7200));
        assert!(
            !verify_admin_form_token(b"k", &t, 999, 7200),
            "issued in the future"
        );
        assert!(!verify_admin_form_token(b"other", &t, 1500, 7200));
        assert!(!verify_admin_form_token(b"k", "1000.00", 1500, 7200));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
