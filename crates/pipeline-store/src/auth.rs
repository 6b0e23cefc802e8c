//! Secrets: argon2id password hashes, random tokens, and the SHA-256 digests under which tokens are stored.
//!
//! Passwords are slow-hashed (argon2id, the `argon2` crate's defaults: 19 MiB, 2 passes, the OWASP minimum) because
//! people reuse weak ones. Tokens are 32 random bytes, far beyond guessing, so a fast SHA-256 is enough to keep a
//! leaked database from being a list of working credentials, and it lets a token be found by an index lookup.
//! Hashing is CPU work of tens of milliseconds: async callers go through `Store::set_password` and
//! `Store::verify_password`, which run it on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};

/// The longest password accepted. Argon2 takes any length, but a megabyte "password" is a denial-of-service
/// attempt, not a secret.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes `password` with argon2id and a fresh random salt, giving a PHC string (`$argon2id$v=19$…`).
///
/// # Errors
/// `Invalid` for a password shorter than `MIN_PASSWORD_CHARS` characters or longer than `MAX_PASSWORD_BYTES`.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(format!("password must have at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(StoreError::Invalid(format!("password must have at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::backend(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC string `hash`. A malformed hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(hash) {
        // The parameters come from the hash itself, so hashes made with older settings keep working.
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a password nobody knows, verified when the email is unknown so that "no such user" takes as
/// long as "wrong password" and response times do not reveal which emails have accounts.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 16];
        rand::fill(&mut bytes);
        hash_password(&hex(&bytes)).unwrap_or_default()
    })
}

/// The prefix of API tokens, so that secret scanners and people can tell what a leaked string is.
pub const API_TOKEN_PREFIX: &str = "pe_";

/// 32 random bytes from the operating system's CSPRNG (through `rand`'s thread-local ChaCha), as lowercase hex.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex(&bytes)
}

/// The SHA-256 of a secret: the only form in which session, API and sign-in tokens are stored.
pub fn token_digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() -> Result<()> {
        let hash = hash_password("correct horse battery")?;
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterY"));
        assert!(!verify_password("not a hash", "correct horse battery"));
        Ok(())
    }

    #[test]
    fn short_and_huge_passwords_are_invalid() {
        assert!(matches!(hash_password("short"), Err(StoreError::Invalid(_))));
        assert!(matches!(hash_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)), Err(StoreError::Invalid(_))));
    }

    #[test]
    fn secrets_are_random_hex_and_digests_are_sha256() {
        let (a, b) = (random_secret(), random_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(hex(&token_digest("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
