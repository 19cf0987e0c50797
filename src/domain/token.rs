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

/// The token a comment form carries: when it was rendered, for which story, signed.
pub fn comment_form_token(secret: &[u8], article_id: i64, issued_unix: i64) -> String {
    let sig = mac(secret, &format!("comment-form:{article_id}:{issued_unix}"))
        .finalize()
        .into_bytes();
    format!("{issued_unix}.{}", hex(&sig))
}

/// When a comment form token was issued, if this site issued it for this story.
pub fn verify_comment_form_token(secret: &[u8], article_id: i64, token: &str) -> Option<i64> {
    let (issued, sig) = token.trim().split_once('.')?;
    let issued_unix: i64 = issued.parse().ok()?;
    let sig = unhex(sig)?;
    mac(secret, &format!("comment-form:{article_id}:{issued_unix}"))
        .verify_slice(&sig)
        .ok()?;
    Some(issued_unix)
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
}
