//! Handling units (承办单位): departments, county governments and
//! public-service units that cases are sent to (Art. 3, 4).

use serde::{Deserialize, Serialize};

use crate::base::ids::{CountyCode, UnitId};

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
