//! Local account passwords: hashed with Argon2id at OWASP's parameters
//! (19 MiB of memory, 2 passes, 1 lane) with a per-account random salt,
//! stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the
//! parameters travel with each hash and can be raised later. A password is
//! at least 8 characters with no composition rules, and refused when it is
//! on the list of common passwords shipped with the library
//! (`common-passwords.txt`: Django's list of 20,000, those of 8 characters
//! or more).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The fewest characters a password has.
pub const MIN_CHARS: usize = 8;
/// The most characters a password has (Argon2 takes any length; a limit
/// keeps a request's work bounded).
pub const MAX_CHARS: usize = 128;

/// OWASP's Argon2id minimum: 19 MiB, in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;

const COMMON: &str = include_str!("common-passwords.txt");

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("a password has at least 8 characters")]
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    #[error("a password has at most 128 characters")]
    TooLong,
    /// On the list of common passwords.
    #[error("this password is on the list of common passwords; choose another")]
    Common,
}

/// A password a person chose, checked: long enough and not common.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    /// Checks `text` as a new password.
    pub fn parse(text: &str) -> Result<Self, WeakPassword> {
        let chars = text.chars().count();
        if chars < MIN_CHARS {
            return Err(WeakPassword::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(WeakPassword::TooLong);
        }
        if is_common(text) {
            return Err(WeakPassword::Common);
        }
        Ok(Self(text.to_string()))
    }

    /// Its PHC hash with `salt` (16 random bytes).
    pub fn hash(&self, salt: &[u8; 16]) -> Result<String, PasswordError> {
        hash(&self.0, salt)
    }
}

/// Whether `text` is on the shipped list (compared in lowercase, as the
/// list is).
pub fn is_common(text: &str) -> bool {
    let lower = text.to_lowercase();
    COMMON.lines().any(|line| line == lower)
}

/// Hashing failed (never for a valid salt; reported, not panicked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|e| PasswordError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` with `salt`.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| PasswordError(e.to_string()))?;
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the stored PHC string (its own parameters
/// are used; an unreadable one matches nothing).
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash that matches no password, verified when a username is unknown
/// so that an unknown name costs the same time as a wrong password.
pub const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$Zc3AE3bNR+4Zz2ykPcwrGa7qq0g5wR6ZzZbtNuV+8Fs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_eight_characters_or_more_and_not_a_common_one() {
        assert_eq!(
            NewPassword::parse("short").err(),
            Some(WeakPassword::TooShort)
        );
        assert_eq!(
            NewPassword::parse("password").err(),
            Some(WeakPassword::Common)
        );
        assert_eq!(
            NewPassword::parse("PassWord").err(),
            Some(WeakPassword::Common)
        );
        assert_eq!(
            NewPassword::parse("12345678").err(),
            Some(WeakPassword::Common)
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).err(),
            Some(WeakPassword::TooLong)
        );
        // No composition rules: eight Chinese characters will do.
        assert!(NewPassword::parse("淇河岸边柳树青青").is_ok());
        assert!(NewPassword::parse("tulip lantern harbour").is_ok());
    }

    #[test]
    fn a_hash_is_argon2id_at_owasps_parameters_salted_and_verifies_only_its_password() {
        let p = NewPassword::parse("tulip lantern harbour").expect("fine");
        let h = p.hash(&[1; 16]).expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("tulip lantern harbour", &h));
        assert!(!verify("tulip lantern harbor", &h));
        // Another salt, another hash.
        assert_ne!(p.hash(&[2; 16]).expect("hashes"), h);
        assert!(!verify("anything", "not a hash"));
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify("", DECOY_HASH));
    }
}
