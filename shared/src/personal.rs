//! Submitters' personal data at rest (Art. 11): sealed with AES-256-GCM
//! before it reaches the database, opened only for those allowed to see it.
//!
//! The key is derived from the deployment's secret (a Spin secret
//! variable) with SHA-256 under a fixed label, so any long random string
//! serves; each record has a fresh 96-bit nonce, and the case id is bound
//! as associated data, so a sealed record copied onto another case does not
//! open. Stored form: `version (1 byte) ‖ nonce (12) ‖ ciphertext+tag`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::contact::{PersonName, PhoneNumber};
use crate::ids::CaseId;
use crate::keyed_hash::keyed_hash;

const FORMAT_VERSION: u8 = 1;

/// The secret `spin.toml` falls back to so that the app runs on a fresh
/// machine with no set-up. Never for real data: set the `pd_key` variable
/// (`SPIN_VARIABLE_PD_KEY`) to a long random value. [`Keys::is_insecure`]
/// tells when it is in use.
pub const DEVELOPMENT_SECRET: &str = "insecure-development-key-set-SPIN_VARIABLE_PD_KEY";
const NONCE_LEN: usize = 12;

/// Why personal data could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SealError {
    /// The deployment's secret (`pd_key`) is empty.
    #[error("the personal-data key is empty")]
    EmptyKey,
    /// The stored form is not a sealed record of this format, or the data could
    /// not be encoded.
    #[error("sealed personal data is malformed")]
    Malformed,
    /// Wrong key, wrong case, or tampered data.
    #[error("sealed personal data does not open with this key for this case")]
    CannotOpen,
}

/// The deployment's personal-data keys, derived from one secret.
#[derive(Clone)]
pub struct Keys {
    seal: [u8; 32],
    submitter: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn derive(label: &str, secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    h.finalize().into()
}

impl Keys {
    /// The keys derived from the deployment's secret (the `pd_key` variable);
    /// refuses an empty secret.
    pub fn from_secret(secret: &str) -> Result<Self, SealError> {
        if secret.is_empty() {
            return Err(SealError::EmptyKey);
        }
        Ok(Self {
            seal: derive("casework personal data v1", secret),
            submitter: derive("casework submitter key v1", secret),
        })
    }

    /// Whether these keys come from [`DEVELOPMENT_SECRET`].
    pub fn is_insecure(&self) -> bool {
        Self::from_secret(DEVELOPMENT_SECRET).is_ok_and(|dev| dev.seal == self.seal)
    }

    /// The keyed hash that recognises a submitter's phone number (for
    /// duplicate screening) without storing it.
    pub fn submitter_key(&self, phone: &PhoneNumber) -> String {
        keyed_hash(&self.submitter, phone.as_str().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Seals `data` for `case` with the caller's fresh random `nonce`.
    pub fn seal(
        &self,
        case: CaseId,
        data: &PersonalData,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, SealError> {
        let plain = serde_json::to_vec(data).map_err(|_| SealError::Malformed)?;
        let cipher = Aes256Gcm::new((&self.seal).into());
        let aad = case.get().to_le_bytes();
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Malformed)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Keys::seal`] stored for `case`; fails unless the key, the
    /// case and the data are the ones it was sealed with.
    pub fn open(&self, case: CaseId, stored: &[u8]) -> Result<PersonalData, SealError> {
        let (version, rest) = stored.split_first().ok_or(SealError::Malformed)?;
        if *version != FORMAT_VERSION || rest.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new((&self.seal).into());
        let aad = case.get().to_le_bytes();
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::CannotOpen)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Malformed)
    }
}

/// A submitter's personal data, in the clear: only ever in memory.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    /// The submitter's name, as given.
    pub name: String,
    /// The submitter's phone number, in its canonical form (`13812345678`,
    /// `0392-1234567`).
    pub phone: String,
    /// Optional: a resident ID number (or an enterprise's unified social credit
    /// code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Optional: where the submitter can be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl std::fmt::Debug for PersonalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalData(..)")
    }
}

impl PersonalData {
    /// A submitter's name and phone number, with no ID number or address.
    pub fn new(name: &PersonName, phone: &PhoneNumber) -> Self {
        Self {
            name: name.as_str().to_string(),
            phone: phone.as_str().to_string(),
            id_number: None,
            address: None,
        }
    }

    /// The citizen's second factor: the last four digits of their phone.
    pub fn phone_ends_with(&self, last4: &str) -> bool {
        last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit()) && self.phone.ends_with(last4)
    }

    /// What everyone but the bureau and the handling unit sees: `张*`,
    /// `138****5678`, an ID number's first 6 and last 4 characters, an
    /// address's first 6 characters.
    pub fn masked(&self) -> PersonalData {
        let name = self
            .name
            .parse::<PersonName>()
            .map(|n| n.masked())
            .unwrap_or_else(|_| "*".into());
        let phone = self
            .phone
            .parse::<PhoneNumber>()
            .map(|p| p.masked())
            .unwrap_or_else(|_| "****".into());
        PersonalData {
            name,
            phone,
            id_number: self.id_number.as_deref().map(mask_id),
            address: self.address.as_deref().map(mask_address),
        }
    }
}

fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 6 || i + 4 >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

fn mask_address(address: &str) -> String {
    let kept: String = address.chars().take(6).collect();
    if address.chars().count() > 6 {
        kept + "****"
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_secret("a long random deployment secret").expect("keys")
    }

    fn data() -> PersonalData {
        PersonalData {
            name: "张三".into(),
            phone: "13812345678".into(),
            id_number: Some("410611199001011234".into()),
            address: Some("鹤壁市淇滨区九州路1号".into()),
        }
    }

    fn case(n: i64) -> CaseId {
        CaseId::new(n).expect("id")
    }

    #[test]
    fn sealed_data_opens_with_the_same_key_for_the_same_case() {
        let sealed = keys().seal(case(7), &data(), [9; 12]).expect("seals");
        assert_eq!(keys().open(case(7), &sealed), Ok(data()));
    }

    #[test]
    fn the_stored_form_holds_no_plain_personal_data() {
        let sealed = keys().seal(case(7), &data(), [9; 12]).expect("seals");
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("13812345678") && !text.contains("张三"));
    }

    #[test]
    fn another_key_another_case_or_a_flipped_bit_does_not_open() {
        let sealed = keys().seal(case(7), &data(), [9; 12]).expect("seals");
        let other = Keys::from_secret("another secret").expect("keys");
        assert_eq!(other.open(case(7), &sealed), Err(SealError::CannotOpen));
        assert_eq!(keys().open(case(8), &sealed), Err(SealError::CannotOpen));
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(keys().open(case(7), &tampered), Err(SealError::CannotOpen));
        assert_eq!(
            keys().open(case(7), &sealed[..5]),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn the_masked_form_keeps_only_what_identifies_nobody() {
        let m = data().masked();
        assert_eq!(m.name, "张*");
        assert_eq!(m.phone, "138****5678");
        assert_eq!(m.id_number.as_deref(), Some("410611********1234"));
        assert_eq!(m.address.as_deref(), Some("鹤壁市淇滨区****"));
    }

    #[test]
    fn the_second_factor_is_the_phones_last_four_digits() {
        assert!(data().phone_ends_with("5678"));
        assert!(!data().phone_ends_with("1234"));
        assert!(!data().phone_ends_with("678"));
        assert!(!data().phone_ends_with(""));
    }

    #[test]
    fn an_empty_secret_is_refused_and_debug_shows_nothing() {
        assert_eq!(Keys::from_secret("").map(|_| ()), Err(SealError::EmptyKey));
        assert_eq!(
            format!("{:?} {:?}", keys(), data()),
            "Keys(..) PersonalData(..)"
        );
    }

    #[test]
    fn the_submitter_key_differs_per_deployment_secret() {
        let phone: PhoneNumber = "13812345678".parse().expect("phone");
        let other = Keys::from_secret("another secret").expect("keys");
        assert_eq!(keys().submitter_key(&phone).len(), 64);
        assert_ne!(keys().submitter_key(&phone), other.submitter_key(&phone));
    }
}
