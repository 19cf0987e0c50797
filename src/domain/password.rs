//! Passwords: argon2id hashes, and the rules a new password must meet.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_LEN: usize = 256;

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

/// The lowest zxcvbn score accepted: about 10^10 guesses ("safely unguessable" when the
/// hashes are slow, as argon2id's are).
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// What is known about the person and the site, which a password must not be built from
/// (zxcvbn counts these as the first words a guesser tries).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub site_title: &'a str,
}

/// Why a new password is refused; the message is shown as is and says what to do instead.
pub fn check_strength(password: &str, about: Context<'_>) -> Result<(), String> {
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
    let email_name = about.email.split('@').next().unwrap_or("");
    for own in [about.login, about.email, email_name] {
        if own.chars().count() >= 4 && lower.contains(&own.to_lowercase()) {
            return Err("A password must not contain the login or email address.".into());
        }
    }
    // The site's and the person's names as zxcvbn's first dictionary: each whole, run together
    // ("annreporter") and word by word. zxcvbn judges the first 100 characters; more only adds.
    let mut inputs: Vec<String> = Vec::new();
    for text in [
        about.login,
        about.email,
        email_name,
        about.display_name,
        about.site_title,
    ] {
        inputs.push(text.to_owned());
        inputs.push(text.chars().filter(|c| c.is_alphanumeric()).collect());
        inputs.extend(
            text.split(|c: char| !c.is_alphanumeric())
                .map(str::to_owned),
        );
    }
    inputs.retain(|w| w.chars().count() >= 3);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(&warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            message.push(' ');
            message.push_str(&suggestion.to_string());
        }
    }
    if estimate
        .feedback()
        .is_none_or(|f| f.suggestions().is_empty())
    {
        message.push_str(" Use a few unrelated words: easy to remember, hard to guess.");
    }
    Err(message)
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

    fn ann() -> Context<'static> {
        Context {
            login: "ann",
            email: "ann@x.org",
            display_name: "Ann Reporter",
            site_title: "Newsdesk",
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(check_strength("short", ann()).unwrap_err().contains("10"));
        for weak in [
            "Password123",
            "aaaaaaaaaaaa",
            "password12",
            "passwordpassword",
            "qwertyuiop",
            "newsdesk2026",
            "1234567890",
            "annreporter1",
        ] {
            let why = check_strength(weak, ann()).expect_err(weak);
            assert!(
                why.starts_with("This password is too easy to guess."),
                "{weak}: {why}"
            );
        }
        let mariana = Context {
            login: "mariana",
            email: "m@x.org",
            ..ann()
        };
        assert!(check_strength("mariana-2026-desk", mariana).is_err());
        let desk = Context {
            site_title: "The Riverside Gazette",
            ..ann()
        };
        assert!(check_strength("riversidegazette", desk).is_err());
        for strong in [
            "quiet river at dawn",
            "correct horse battery staple",
            "velvet tractor of mondays",
        ] {
            assert_eq!(check_strength(strong, ann()), Ok(()), "{strong}");
        }
    }
}
