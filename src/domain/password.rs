//! Passwords: argon2id hashes, and the rules a new password must meet.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_LEN: usize = 256;

/// Passwords so common that length alone does not make them safe.
const COMMON: &[&str] = &[
    "password123",
    "password1234",
    "passw0rd123",
    "1234567890",
    "12345678910",
    "0123456789",
    "qwertyuiop",
    "qwerty12345",
    "iloveyou123",
    "letmein1234",
    "administrator",
    "welcome123",
    "newsroom123",
    "changeme123",
    "abcdefghij",
    "aaaaaaaaaa",
];

/// argon2id with the OWASP-recommended cost (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// A PHC-format argon2id hash of `password` with a fresh random salt.
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random number generator");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password up to MAX_LEN")
        .to_string()
}

/// Whether `password` matches a stored hash. A malformed hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends the time a real check would, so an unknown login answers as slowly as a wrong
/// password.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash("not a password"));
    let _ = verify(password, &DUMMY);
}

/// Why a new password is refused; the message is shown as is.
pub fn check_strength(password: &str, login: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "A password needs at least {MIN_LEN} characters; this one has {chars}."
        ));
    }
    if chars > MAX_LEN {
        return Err(format!("A password may have at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err("This password is one of the most common ones; choose another.".into());
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 4 {
        return Err("A password needs more than a few different characters.".into());
    }
    let email_name = email.split('@').next().unwrap_or("");
    for own in [login, email, email_name] {
        if own.chars().count() >= 4 && lower.contains(&own.to_lowercase()) {
            return Err("A password must not contain the login or email address.".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_salted() {
        let a = hash("correct horse battery");
        let b = hash("correct horse battery");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(
            check_strength("short", "ann", "ann@x.org")
                .unwrap_err()
                .contains("10")
        );
        assert!(check_strength("Password123", "ann", "ann@x.org").is_err());
        assert!(check_strength("aaaaaaaaaaaa", "ann", "ann@x.org").is_err());
        assert!(check_strength("mariana-2026-desk", "mariana", "m@x.org").is_err());
        assert!(check_strength("quiet river at dawn", "ann", "ann@x.org").is_ok());
    }
}
