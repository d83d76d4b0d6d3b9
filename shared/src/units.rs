//! Handling units (承办单位): departments, county governments and
//! public-service units that cases are sent to (Art. 3, 4).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

use crate::ids::CountyCode;

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

/// A handling unit: who it is, where, and what kind of unit (the routing
/// table names unit types; each county has its own unit of each type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The unit's stable id, e.g. `qibin-housing`.
    pub id: UnitId,
    /// The unit's official name, e.g. 淇滨区住房和城乡建设局.
    pub name: String,
    /// The county (or district) the unit belongs to; routing sends it only
    /// that county's cases.
    pub county: CountyCode,
    /// What kind of unit it is, as the routing table names it, e.g. `housing`.
    pub unit_type: String,
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
    fn a_unit_parses_from_json_with_a_valid_county() {
        let unit: Unit = serde_json::from_str(
            r#"{"id": "qibin-housing", "name": "淇滨区住建局", "county": "410611000", "unit_type": "housing"}"#,
        )
        .expect("valid");
        assert_eq!(unit.county.as_str(), "410611000");
        assert!(serde_json::from_str::<Unit>(
            r#"{"id": "x", "name": "x", "county": "41", "unit_type": "housing"}"#
        )
        .is_err());
    }
}
