//! Identifiers that can only hold valid values (parse, don't validate).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

/// Why a text or number is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// A case id that is not a positive whole number.
    #[error("a case id is a positive whole number")]
    CaseId,
    /// A text that is not a tracking code `CW-XXXX-XXXX-XXXX`.
    #[error("a tracking code looks like CW-XXXX-XXXX-XXXX (letters and digits, no I, L, O, U)")]
    TrackingCode,
    /// A text that is not a 9-digit administrative division code.
    #[error(
        "a county code is a 9-digit administrative division code (GB/T 39046), e.g. 410621000"
    )]
    CountyCode,
    /// A text that is not an `Idempotency-Key`.
    #[error("an Idempotency-Key is 1 to 200 visible ASCII characters")]
    IdempotencyKey,
}

/// A client's `Idempotency-Key`: 1 to 200 visible ASCII characters. A
/// retry with the same key makes no second case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for IdempotencyKey {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        if (1..=200).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::IdempotencyKey)
        }
    }
}

/// The internal number of a case (the database row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CaseId(i64);

impl CaseId {
    /// The case id `id`, if it is positive.
    pub fn new(id: i64) -> Result<Self, IdError> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(IdError::CaseId)
        }
    }

    /// The case's database row id.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A row id as a path writes it: a positive whole number.
pub fn row_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|n| *n > 0)
}

impl std::str::FromStr for CaseId {
    type Err = IdError;

    /// A case id written in a path or a log.
    fn from_str(text: &str) -> Result<Self, IdError> {
        row_id(text).map(Self).ok_or(IdError::CaseId)
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read out over
/// the hotline cannot be misheard as another.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS: usize = 3;
const GROUP_LEN: usize = 4;
const PREFIX: &str = "CW";

/// What a citizen is given to follow their case: `CW-XXXX-XXXX-XXXX`,
/// 60 random bits, so codes cannot be guessed or enumerated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// A code from 8 random bytes (only 60 bits are used).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut n = u64::from_le_bytes(bytes);
        let mut code = String::from(PREFIX);
        for _ in 0..GROUPS {
            code.push('-');
            for _ in 0..GROUP_LEN {
                code.push(ALPHABET[(n & 31) as usize] as char);
                n >>= 5;
            }
        }
        Self(code)
    }

    /// The code in its canonical form, e.g. `CW-7K3M-0QZX-95TD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TrackingCode {
    type Err = IdError;

    /// Accepts lower case and Crockford's look-alikes (O→0, I/L→1), as a
    /// citizen may type them.
    fn from_str(s: &str) -> Result<Self, IdError> {
        let upper = s.trim().to_ascii_uppercase();
        let rest = upper
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('-'))
            .ok_or(IdError::TrackingCode)?;
        let groups: Vec<&str> = rest.split('-').collect();
        if groups.len() != GROUPS {
            return Err(IdError::TrackingCode);
        }
        let mut code = String::from(PREFIX);
        for group in groups {
            if group.len() != GROUP_LEN {
                return Err(IdError::TrackingCode);
            }
            code.push('-');
            for c in group.chars() {
                let c = match c {
                    'O' => '0',
                    'I' | 'L' => '1',
                    c => c,
                };
                if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
                    return Err(IdError::TrackingCode);
                }
                code.push(c);
            }
        }
        Ok(Self(code))
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TrackingCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A county (or district) by its 9-digit administrative division code, the
/// form GB/T 39046-2020 uses for the place a case belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountyCode(String);

impl CountyCode {
    /// The 9-digit code, e.g. `410621000` (浚县).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CountyCode {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        let ok = s.len() == 9
            && s.bytes().all(|b| b.is_ascii_digit())
            // Province codes run from 11 (Beijing) to 82 (Macao).
            && matches!(s[..2].parse::<u8>(), Ok(11..=82));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::CountyCode)
        }
    }
}

impl fmt::Display for CountyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CountyCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A text that is not a valid person id.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a person id is 1-64 lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. zhang.wei")]
pub struct PersonIdError;

/// A person's stable id in the staff directory, e.g. `zhang.wei`: what
/// every event records beside their name. It never changes, whatever
/// their sign-in identities, unit or role become.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(String);

impl PersonId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PersonId {
    type Err = PersonIdError;

    fn from_str(s: &str) -> Result<Self, PersonIdError> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(PersonIdError)
        }
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PersonId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A text that is not a valid unit id.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a unit id is 1-64 lowercase letters, digits and '-', e.g. qibin-housing")]
pub struct UnitIdError;

/// A unit's stable id, as used in tokens and routing tables.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitId(String);

impl UnitId {
    /// The id as text, e.g. `qibin-housing`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UnitId {
    type Err = UnitIdError;

    fn from_str(s: &str) -> Result<Self, UnitIdError> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(UnitIdError)
        }
    }
}

impl UnitId {
    /// The addressee of the bureau's own urge notices (its decision on a
    /// screening proposal overdue): `bureau`.
    pub fn bureau() -> Self {
        Self("bureau".to_string())
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UnitId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for CountyCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_ids_are_lowercase_slugs() {
        assert!("qibin-housing".parse::<UnitId>().is_ok());
        for bad in ["", "Qibin", "a b", "-x", "x-", &"a".repeat(65)] {
            assert!(bad.parse::<UnitId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_tracking_code_round_trips_through_its_text() {
        let code = TrackingCode::from_random([7, 1, 255, 3, 9, 200, 42, 17]);
        assert_eq!(code.as_str().len(), "CW-XXXX-XXXX-XXXX".len());
        let parsed: TrackingCode = code.as_str().parse().expect("parses");
        assert_eq!(parsed, code);
    }

    #[test]
    fn a_tracking_code_typed_in_lower_case_with_look_alikes_is_understood() {
        let parsed: TrackingCode = "cw-o1il-abcd-efgh".parse().expect("parses");
        assert_eq!(parsed.as_str(), "CW-0111-ABCD-EFGH");
    }

    #[test]
    fn malformed_tracking_codes_are_refused() {
        for bad in [
            "",
            "CW",
            "CW-1234-5678",
            "XX-1234-5678-9ABC",
            "CW-12345-678-9ABC",
            "CW-1234-5678-9ABU",
            "CW-1234-5678-9AB中",
        ] {
            assert!(bad.parse::<TrackingCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn different_random_bytes_give_different_codes() {
        let a = TrackingCode::from_random([0; 8]);
        let b = TrackingCode::from_random([1, 0, 0, 0, 0, 0, 0, 0]);
        assert_ne!(a, b);
    }

    #[test]
    fn a_county_code_has_nine_digits_and_a_real_province_prefix() {
        assert!("410621000".parse::<CountyCode>().is_ok());
        for bad in [
            "410621",
            "4106210000",
            "41062100a",
            "990621000",
            "000000000",
        ] {
            assert!(bad.parse::<CountyCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_case_id_is_positive() {
        assert!(CaseId::new(1).is_ok());
        assert_eq!(CaseId::new(0), Err(IdError::CaseId));
        assert_eq!(CaseId::new(-5), Err(IdError::CaseId));
        assert_eq!("17".parse::<CaseId>(), CaseId::new(17));
        for text in ["0", "-3", "1.5", "x", "", "99999999999999999999"] {
            assert_eq!(text.parse::<CaseId>(), Err(IdError::CaseId), "{text:?}");
        }
    }
}
