//! Submitters' personal data at rest (Art. 11): sealed with AES-256-GCM
//! before it reaches the database, opened only for those allowed to see it.
//!
//! Each key is derived from a deployment secret (a Spin secret variable)
//! with SHA-256 under a fixed label, so any long random string serves; each
//! record has a fresh 96-bit nonce, and the case id is bound as associated
//! data, so a sealed record copied onto another case does not open. Stored
//! form: `2 ‖ key id (8) ‖ nonce (12) ‖ ciphertext+tag`; the key id says
//! which key opens it, so a new key can be put in force while the previous
//! ones still open old rows, until they are re-sealed
//! ([`crate::record::reseal::reseal`]). Records of the first format (`1 ‖ nonce ‖
//! ciphertext+tag`, no key id) still open with any key held.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::base::ids::CaseId;
use crate::base::keyed_hash::keyed_hash;
use crate::case::contact::{PersonName, PhoneNumber};

/// The first format: no key id.
const FORMAT_V1: u8 = 1;
/// The format with a key id.
const FORMAT_V2: u8 = 2;
const NONCE_LEN: usize = 12;
const KEY_ID_LEN: usize = 8;
const TAG_LEN: usize = 16;
/// The shortest deployment secret accepted: 32 characters (a random hex
/// string of 16 bytes is the least).
pub const MIN_SECRET_LEN: usize = 32;

/// Why personal data could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SealError {
    /// The deployment's secret (`pd_key`) is empty.
    #[error("the personal-data key is empty")]
    EmptyKey,
    /// A deployment secret is shorter than [`MIN_SECRET_LEN`].
    #[error("a personal-data key (pd_key, pd_previous_keys) must be at least {MIN_SECRET_LEN} characters of random text")]
    ShortKey,
    /// The stored form is not a sealed record of this format, or the data could
    /// not be encoded.
    #[error("sealed personal data is malformed")]
    Malformed,
    /// The record names a key this deployment no longer holds.
    #[error("sealed personal data needs key {0}, which is not configured (pd_previous_keys)")]
    UnknownKey(String),
    /// Wrong key, wrong case, or tampered data.
    #[error("sealed personal data does not open with this key for this case")]
    CannotOpen,
}

/// One key, derived from one secret.
#[derive(Clone)]
struct Key {
    id: [u8; KEY_ID_LEN],
    seal: [u8; 32],
    submitter: [u8; 32],
    fingerprint: [u8; 32],
}

/// The deployment's personal-data keys: the one in force, which seals, and
/// the previous ones, which only open.
#[derive(Clone)]
pub struct Keys {
    current: Key,
    previous: Vec<Key>,
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Key {
    fn from_secret(secret: &str) -> Result<Self, SealError> {
        if secret.is_empty() {
            return Err(SealError::EmptyKey);
        }
        let id = derive("casework key id v1", secret);
        let mut short = [0u8; KEY_ID_LEN];
        short.copy_from_slice(&id[..KEY_ID_LEN]);
        Ok(Self {
            id: short,
            seal: derive("casework personal data v1", secret),
            submitter: derive("casework submitter key v1", secret),
            fingerprint: derive("casework fingerprint v1", secret),
        })
    }

    fn seal(
        &self,
        case: CaseId,
        data: &PersonalData,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, SealError> {
        let plain = serde_json::to_vec(data).map_err(|_| SealError::Malformed)?;
        self.seal_bytes(&plain, &case.get().to_le_bytes(), nonce)
    }

    fn seal_bytes(
        &self,
        plain: &[u8],
        aad: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, SealError> {
        let cipher = Aes256Gcm::new((&self.seal).into());
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| SealError::Malformed)?;
        let mut out = Vec::with_capacity(1 + KEY_ID_LEN + NONCE_LEN + sealed.len());
        out.push(FORMAT_V2);
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, case: CaseId, nonce: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        self.open_bytes(&case.get().to_le_bytes(), nonce, sealed)
    }

    fn open_bytes(&self, aad: &[u8], nonce: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let cipher = Aes256Gcm::new((&self.seal).into());
        cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map_err(|_| SealError::CannotOpen)
    }
}

impl Keys {
    /// The keys derived from the deployment's secret (the `pd_key` variable);
    /// refuses an empty secret.
    pub fn from_secret(secret: &str) -> Result<Self, SealError> {
        Ok(Self {
            current: Key::from_secret(secret)?,
            previous: Vec::new(),
        })
    }

    /// The key in force from `current`, and keys that still open what they
    /// sealed from `previous` (empty ones skipped).
    pub fn with_previous<'a>(
        current: &str,
        previous: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, SealError> {
        let mut keys = Self::from_secret(current)?;
        for secret in previous.into_iter().filter(|s| !s.is_empty()) {
            let key = Key::from_secret(secret)?;
            if key.id != keys.current.id && keys.previous.iter().all(|k| k.id != key.id) {
                keys.previous.push(key);
            }
        }
        Ok(keys)
    }

    /// The deployment's keys: `current` in force, `previous` opening only;
    /// refuses a secret shorter than [`MIN_SECRET_LEN`].
    pub fn for_deployment<'a>(
        current: &str,
        previous: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, SealError> {
        let previous: Vec<&str> = previous.into_iter().collect();
        if std::iter::once(current)
            .chain(previous.iter().copied())
            .any(|s| s.chars().count() < MIN_SECRET_LEN)
        {
            return Err(SealError::ShortKey);
        }
        Self::with_previous(current, previous)
    }

    /// The id of the key in force (hex), as sealed records name it.
    pub fn key_id(&self) -> String {
        hex(&self.current.id)
    }

    /// The key in force's id as stored (for finding records sealed with
    /// another key).
    pub fn key_id_bytes(&self) -> [u8; KEY_ID_LEN] {
        self.current.id
    }

    /// The keyed hash that recognises a submitter's phone number (for
    /// duplicate screening) without storing it.
    pub fn submitter_key(&self, phone: &PhoneNumber) -> String {
        hex(&keyed_hash(
            &self.current.submitter,
            phone.as_str().as_bytes(),
        ))
    }

    /// The keyed hashes of `phone` under the key in force and every
    /// previous one: records not yet re-sealed carry an older one.
    pub fn submitter_keys(&self, phone: &PhoneNumber) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|k| hex(&keyed_hash(&k.submitter, phone.as_str().as_bytes())))
            .collect()
    }

    /// The key for fingerprints of what clients send (idempotency), so a
    /// stored fingerprint reveals nothing of the body it was taken from.
    pub fn fingerprint_key(&self) -> &[u8; 32] {
        &self.current.fingerprint
    }

    /// Seals `data` for `case` with the key in force and the caller's fresh
    /// random `nonce`.
    pub fn seal(
        &self,
        case: CaseId,
        data: &PersonalData,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, SealError> {
        self.current.seal(case, data, nonce)
    }

    /// The work of opening a record and checking a phone's last four digits,
    /// with nothing to open: a lookup of an unknown tracking code costs
    /// what a wrong phone on a known one does, so the time of the answer
    /// does not tell which it was. Always `false`.
    pub fn open_nothing(&self, last4: &str) -> bool {
        type Dummy = Option<(Key, CaseId, Vec<u8>)>;
        static DUMMY: std::sync::OnceLock<Dummy> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let key = Key::from_secret("casework: a record that belongs to no case").ok()?;
            let case = CaseId::new(1).ok()?;
            let data = PersonalData {
                name: "某某".into(),
                phone: "13800000000".into(),
                id_number: None,
                address: None,
                anonymised: false,
            };
            let sealed = key.seal(case, &data, [0; NONCE_LEN]).ok()?;
            Some((key, case, sealed))
        });
        if let Some((key, case, sealed)) = dummy {
            let opened = sealed
                .get(1 + KEY_ID_LEN..)
                .filter(|rest| rest.len() > NONCE_LEN)
                .map(|rest| rest.split_at(NONCE_LEN))
                .and_then(|(nonce, ct)| key.open(*case, nonce, ct).ok())
                .and_then(|plain| serde_json::from_slice::<PersonalData>(&plain).ok());
            // Its answer is thrown away; only the work counts.
            std::hint::black_box(opened.is_some_and(|d| d.phone_ends_with(last4)));
        }
        false
    }

    /// Whether `stored` is sealed with the key in force (and so needs no
    /// re-sealing).
    pub fn is_current(&self, stored: &[u8]) -> bool {
        stored.first() == Some(&FORMAT_V2)
            && stored.get(1..1 + KEY_ID_LEN) == Some(&self.current.id[..])
    }

    /// Seals a secret that is not a case's (a local account's second
    /// factor) with the key in force, bound to `context` (what it belongs
    /// to, e.g. `totp:li.na`): opened under another context it fails.
    pub fn seal_secret(
        &self,
        context: &str,
        plain: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, SealError> {
        self.current.seal_bytes(plain, context.as_bytes(), nonce)
    }

    /// Opens what [`Keys::seal_secret`] sealed for `context`.
    pub fn open_secret(&self, context: &str, stored: &[u8]) -> Result<Vec<u8>, SealError> {
        match stored.split_first() {
            Some((&FORMAT_V2, rest)) if rest.len() >= KEY_ID_LEN + NONCE_LEN + TAG_LEN => {
                let (id, rest) = rest.split_at(KEY_ID_LEN);
                let key = self.key(id)?;
                let (nonce, sealed) = rest.split_at(NONCE_LEN);
                key.open_bytes(context.as_bytes(), nonce, sealed)
            }
            _ => Err(SealError::Malformed),
        }
    }

    /// The key (in force or previous) whose id a sealed row names.
    fn key(&self, id: &[u8]) -> Result<&Key, SealError> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id[..] == *id)
            .ok_or_else(|| SealError::UnknownKey(hex(id)))
    }

    /// Opens what [`Keys::seal`] stored for `case`; fails unless a key held,
    /// the case and the data are the ones it was sealed with. An emptied
    /// record (anonymised after the retention period) opens as
    /// [`PersonalData::anonymised`].
    pub fn open(&self, case: CaseId, stored: &[u8]) -> Result<PersonalData, SealError> {
        let Some((version, rest)) = stored.split_first() else {
            return Ok(PersonalData::anonymised());
        };
        let plain = match *version {
            FORMAT_V2 => {
                if rest.len() < KEY_ID_LEN + NONCE_LEN + TAG_LEN {
                    return Err(SealError::Malformed);
                }
                let (id, rest) = rest.split_at(KEY_ID_LEN);
                let key = self.key(id)?;
                let (nonce, sealed) = rest.split_at(NONCE_LEN);
                key.open(case, nonce, sealed)?
            }
            FORMAT_V1 => {
                if rest.len() < NONCE_LEN + TAG_LEN {
                    return Err(SealError::Malformed);
                }
                let (nonce, sealed) = rest.split_at(NONCE_LEN);
                std::iter::once(&self.current)
                    .chain(&self.previous)
                    .find_map(|k| k.open(case, nonce, sealed).ok())
                    .ok_or(SealError::CannotOpen)?
            }
            _ => return Err(SealError::Malformed),
        };
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
    /// `true` once the retention period has passed and the record was
    /// emptied: nothing personal is left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymised: bool,
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
            anonymised: false,
        }
    }

    /// What is left of a submitter after the retention period: nothing.
    pub fn anonymised() -> Self {
        Self {
            name: "（已匿名）".into(),
            phone: String::new(),
            id_number: None,
            address: None,
            anonymised: true,
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
        if self.anonymised {
            return self.clone();
        }
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
            anonymised: false,
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
            anonymised: false,
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
        assert_eq!(
            other.open(case(7), &sealed),
            Err(SealError::UnknownKey(keys().key_id()))
        );
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
    fn a_record_names_its_key_and_opens_after_a_new_key_is_put_in_force() {
        let old = keys();
        let sealed = old.seal(case(7), &data(), [9; 12]).expect("seals");
        assert!(old.is_current(&sealed));
        assert_eq!(&sealed[1..9], &old.key_id_bytes()[..]);
        let rotated = Keys::with_previous("the new secret", ["a long random deployment secret"])
            .expect("keys");
        assert_ne!(rotated.key_id(), old.key_id());
        assert!(!rotated.is_current(&sealed));
        assert_eq!(rotated.open(case(7), &sealed), Ok(data()));
        let resealed = rotated.seal(case(7), &data(), [4; 12]).expect("seals");
        assert!(rotated.is_current(&resealed));
        let new_only = Keys::from_secret("the new secret").expect("keys");
        assert_eq!(new_only.open(case(7), &resealed), Ok(data()));
        assert_eq!(
            new_only.open(case(7), &sealed),
            Err(SealError::UnknownKey(old.key_id()))
        );
    }

    #[test]
    fn opening_nothing_does_the_work_and_never_matches() {
        assert!(!keys().open_nothing("0000"));
        assert!(!keys().open_nothing("5678"));
    }

    #[test]
    fn a_deployment_refuses_short_secrets_in_force_or_previous() {
        let long = "0123456789abcdef0123456789abcdef";
        assert!(Keys::for_deployment(long, []).is_ok());
        assert_eq!(
            Keys::for_deployment("short", []).map(|_| ()),
            Err(SealError::ShortKey)
        );
        assert_eq!(
            Keys::for_deployment(long, ["short"]).map(|_| ()),
            Err(SealError::ShortKey)
        );
        assert_eq!(
            Keys::for_deployment("", []).map(|_| ()),
            Err(SealError::ShortKey)
        );
    }

    #[test]
    fn a_record_of_the_first_format_without_a_key_id_still_opens() {
        // 1 ‖ nonce ‖ AES-GCM(plain) under the key derived as before.
        let k = keys();
        let cipher = Aes256Gcm::new((&k.current.seal).into());
        let plain = serde_json::to_vec(&data()).expect("json");
        let aad = 7i64.to_le_bytes();
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&[5; 12]),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .expect("encrypts");
        let mut v1 = vec![1u8];
        v1.extend_from_slice(&[5; 12]);
        v1.extend_from_slice(&ct);
        let rotated = Keys::with_previous("the new secret", ["a long random deployment secret"])
            .expect("keys");
        assert_eq!(rotated.open(case(7), &v1), Ok(data()));
        assert!(!rotated.is_current(&v1));
        let other = Keys::from_secret("another secret").expect("keys");
        assert_eq!(other.open(case(7), &v1), Err(SealError::CannotOpen));
    }

    #[test]
    fn the_submitter_key_differs_per_deployment_secret() {
        let phone: PhoneNumber = "13812345678".parse().expect("phone");
        let other = Keys::from_secret("another secret").expect("keys");
        assert_eq!(keys().submitter_key(&phone).len(), 64);
        assert_ne!(keys().submitter_key(&phone), other.submitter_key(&phone));
    }
}
