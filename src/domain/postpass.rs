//! Password-protected stories and pages, as WordPress has them: readers see the title, byline
//! and date, and a form asking for the password; the text shows once they have given it. The
//! browser keeps a proof of the password (an HMAC keyed with the site's secret), never the
//! password itself, so a stolen cookie does not tell the password, and changing the password
//! locks everyone out again.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::token::same_secret;

/// WordPress's words above the password form.
pub const FORM_PROMPT: &str =
    "This content is password protected. To view it please enter your password below:";
/// What feeds, lists and search show instead of a protected story's standfirst.
pub const NO_EXCERPT: &str = "There is no excerpt because this is a protected post.";
/// What a wrong password is told.
pub const WRONG_PASSWORD: &str = "The password you entered is not correct. Please try again.";
/// How long a given password is remembered (WordPress: ten days).
pub const REMEMBER_DAYS: i64 = 10;

/// The title a protected story or page is shown under everywhere ("Protected: Title").
pub fn protected_title(title: &str) -> String {
    format!("Protected: {title}")
}

/// What the reader's cookie holds once they gave `password`.
pub fn proof(secret: &[u8], password: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    m.update(b"postpass:");
    m.update(password.as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `given` is the password: both are reduced to their proofs first, so the comparison
/// takes the same time whatever the lengths and wherever they differ.
pub fn password_matches(secret: &[u8], password: &str, given: &str) -> bool {
    !password.is_empty() && same_secret(&proof(secret, password), &proof(secret, given))
}

/// Whether the reader's cookie proves they gave the current `password`.
pub fn unlocked(secret: &[u8], password: &str, cookie: Option<&str>) -> bool {
    password.is_empty() || cookie.is_some_and(|c| same_secret(&proof(secret, password), c.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_password_unlocks() {
        let s = b"secret";
        assert!(password_matches(s, "open sesame", "open sesame"));
        assert!(!password_matches(s, "open sesame", "open sesame "));
        assert!(!password_matches(s, "", ""));
        let cookie = proof(s, "open sesame");
        assert!(!cookie.contains("sesame"));
        assert!(unlocked(s, "open sesame", Some(&cookie)));
        assert!(!unlocked(s, "changed", Some(&cookie)));
        assert!(!unlocked(b"other site", "open sesame", Some(&cookie)));
        assert!(!unlocked(s, "open sesame", None));
        assert!(unlocked(s, "", None));
    }
}
