//! Routing (Art. 6): locality first, then competence.
//!
//! A case goes to a unit of its own county (属地管理优先). Which unit there
//! is decided by competence (谁主管谁负责): a table from keywords to a unit
//! type, data in `shared/config/routing.json`. The type with the most
//! distinct keyword matches in the title and content wins (on a tie, the
//! earlier entry); it resolves to that county's unit of the type. No match,
//! or no such unit in the county, sends the case to the bureau's triage
//! queue with the reason.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::base::ids::CountyCode;
use crate::base::ids::UnitId;
use crate::base::rules::{self, Family, RuleFamily};
use crate::directory::units::Unit;
use crate::triage::filter::normalize;

const DEFAULT_TABLE: &str = include_str!("../../config/routing.json");

/// Why a routing table was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoutingError {
    /// The competence table (county config) is invalid.
    #[error("routing table is invalid: {0}")]
    Table(String),
}

/// One row of the competence table: a unit type and the keywords that point
/// to it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteEntry {
    /// The unit type, as the unit directory names it, e.g. `housing`.
    pub unit_type: String,
    /// Words in a case's title and content that point to this type.
    pub keywords: Vec<String>,
}

/// The competence table (谁主管谁负责) of one deployment, by default
/// `shared/config/routing.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingTable {
    /// A free-text note on the table and where it comes from.
    #[serde(default)]
    pub about: String,
    /// The entries, in order: on a tie the earlier one wins.
    pub entries: Vec<RouteEntry>,
}

/// Why a case waits in the bureau's triage queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TriageReason {
    /// No keyword of the table matched.
    NoCompetentType,
    /// The competent type has no unit in the case's county.
    NoUnitInCounty {
        /// The competent unit type, which has no unit in the county.
        unit_type: String,
    },
}

/// Where a case goes: a unit of its own county, or the bureau's triage queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RouteDecision {
    /// The case goes to this unit of its own county.
    Unit {
        /// The unit it goes to: its county's unit of the competent type.
        unit: UnitId,
        /// The competent unit type.
        unit_type: String,
        /// The keywords that decided it.
        matched: Vec<String>,
    },
    /// No unit could be chosen: the case waits in the bureau's triage queue.
    Triage(TriageReason),
}

impl RoutingTable {
    /// The table shipped in `shared/config/routing.json`.
    pub fn defaults() -> Self {
        match Self::from_json(DEFAULT_TABLE) {
            Ok(t) => t,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in routing table is invalid: {e}"),
        }
    }

    /// A county's own table, checked before use: no empty unit type or keyword.
    pub fn from_json(text: &str) -> Result<Self, RoutingError> {
        let table: Self =
            serde_json::from_str(text).map_err(|e| RoutingError::Table(e.to_string()))?;
        for e in &table.entries {
            if e.unit_type.trim().is_empty() || e.keywords.iter().any(|k| normalize(k).is_empty()) {
                return Err(RoutingError::Table(format!(
                    "entry {:?} has an empty unit type or keyword",
                    e.unit_type
                )));
            }
        }
        Ok(table)
    }

    /// Decides where a case of `county` with this text goes, among `units`.
    pub fn route(
        &self,
        units: &[Unit],
        county: &CountyCode,
        title: &str,
        content: &str,
    ) -> RouteDecision {
        let text = normalize(&format!("{title}{content}"));
        let best = self
            .entries
            .iter()
            .map(|e| {
                let matched: Vec<String> = e
                    .keywords
                    .iter()
                    .filter(|k| text.contains(&normalize(k)))
                    .cloned()
                    .collect();
                (e, matched)
            })
            .filter(|(_, m)| !m.is_empty())
            // max_by_key keeps the last maximum; reverse so the earliest wins a tie.
            .rev()
            .max_by_key(|(_, m)| m.len());
        let Some((entry, matched)) = best else {
            return RouteDecision::Triage(TriageReason::NoCompetentType);
        };
        match units
            .iter()
            .find(|u| &u.county == county && u.unit_type == entry.unit_type)
        {
            Some(unit) => RouteDecision::Unit {
                unit: unit.id.clone(),
                unit_type: entry.unit_type.clone(),
                matched,
            },
            None => RouteDecision::Triage(TriageReason::NoUnitInCounty {
                unit_type: entry.unit_type.clone(),
            }),
        }
    }
}

impl RuleFamily for RoutingTable {
    const FAMILY: Family = Family::Routing;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        rules::one_text(texts, Self::from_json, Self::defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, county: &str, unit_type: &str) -> Unit {
        Unit {
            id: id.parse().expect("id"),
            name: id.to_string(),
            county: county.parse().expect("county"),
            unit_type: unit_type.to_string(),
        }
    }

    fn units() -> Vec<Unit> {
        vec![
            unit("qibin-urban", "410611000", "urban_management"),
            unit("qibin-housing", "410611000", "housing"),
            unit("junxian-urban", "410621000", "urban_management"),
        ]
    }

    fn route(county: &str, content: &str) -> RouteDecision {
        RoutingTable::defaults().route(&units(), &county.parse().expect("county"), "", content)
    }

    fn unit_of(d: &RouteDecision) -> Option<&str> {
        match d {
            RouteDecision::Unit { unit, .. } => Some(unit.as_str()),
            RouteDecision::Triage(_) => None,
        }
    }

    #[test]
    fn the_same_subject_goes_to_each_countys_own_unit() {
        assert_eq!(
            unit_of(&route("410611000", "路灯不亮，请维修")),
            Some("qibin-urban")
        );
        assert_eq!(
            unit_of(&route("410621000", "路灯不亮，请维修")),
            Some("junxian-urban")
        );
    }

    #[test]
    fn the_type_with_most_matching_keywords_wins() {
        // 小区 (housing) once; 路灯 and 垃圾 (urban management) twice.
        let d = route("410611000", "小区门口路灯不亮，垃圾无人清理");
        assert_eq!(unit_of(&d), Some("qibin-urban"));
        if let RouteDecision::Unit { matched, .. } = d {
            assert_eq!(matched, vec!["路灯".to_string(), "垃圾".to_string()]);
        }
    }

    #[test]
    fn a_tie_goes_to_the_earlier_entry() {
        // 小区 (housing, first entry) and 路灯 (urban management): one each.
        assert_eq!(
            unit_of(&route("410611000", "小区路灯不亮")),
            Some("qibin-housing")
        );
    }

    #[test]
    fn no_match_goes_to_triage() {
        assert_eq!(
            route("410611000", "请问市长信箱地址"),
            RouteDecision::Triage(TriageReason::NoCompetentType)
        );
    }

    #[test]
    fn a_type_without_a_unit_in_the_county_goes_to_triage_and_says_which() {
        assert_eq!(
            route("410621000", "物业不作为，请处理"),
            RouteDecision::Triage(TriageReason::NoUnitInCounty {
                unit_type: "housing".into()
            })
        );
    }

    #[test]
    fn an_empty_keyword_is_refused() {
        assert!(
            RoutingTable::from_json(r#"{"entries": [{"unit_type": "x", "keywords": [" "]}]}"#)
                .is_err()
        );
    }
}
