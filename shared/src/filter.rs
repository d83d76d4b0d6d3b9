//! Screening (Art. 5): which cases are not accepted, and why.
//!
//! The rules are data (`shared/config/filter.json`, replaceable per county):
//! keyword lists per category of Art. 5, a minimum of real content, a
//! demand that must be present, and duplicate detection against the same
//! submitter's recent cases. Every decision names the rule that fired;
//! category 3 carries a referral text (where to go instead).
//!
//! Duplicates: the submitter is recognised by a keyed hash of their phone
//! number ([`crate::personal::Keys::submitter_key`]), never the plain value, and two texts are
//! compared by the Jaccard similarity of their character n-gram shingles,
//! which works for Chinese without a word segmenter.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ids::CaseId;
use crate::lifecycle::RejectCategory;

const DEFAULT_RULES: &str = include_str!("../config/filter.json");

/// Why screening rules were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FilterError {
    /// The screening rules (county config) are invalid.
    #[error("filter rules are invalid: {0}")]
    Rules(String),
}

/// The keywords of one category of Art. 5.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordList {
    /// Words that reject a case when found anywhere in its title or content
    /// (ignoring spaces and letter case).
    pub keywords: Vec<String>,
}

/// Matters for another channel (Art. 5 category 3), and where to go instead.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralGroup {
    /// The group's name, in the rule that fires: `category3.<name>`, e.g.
    /// `category3.petition`.
    pub name: String,
    /// Words that put a case in this group.
    pub keywords: Vec<String>,
    /// The text telling the submitter where to go instead, e.g. to the petition
    /// office (信访工作机构).
    pub referral: String,
}

/// How a repeat of the same submitter's recent case is recognised (Art. 5
/// category 2).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRule {
    /// How far back to look for the same submitter's cases, in days.
    pub window_days: u32,
    /// Jaccard similarity (0–1) at or above which a text is a duplicate.
    pub min_similarity: f64,
    /// Characters per shingle.
    pub shingle_chars: usize,
}

/// The screening rules of one deployment (Art. 5), by default
/// `shared/config/filter.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FilterRules {
    /// A free-text note on the rules and where they come from.
    #[serde(default)]
    pub about: String,
    /// Content shorter than this (letters and digits only) has no concrete content.
    pub min_content_chars: usize,
    /// At least one must appear for the demand to be clear.
    pub demand_markers: Vec<String>,
    /// Category 1: endangering national security, unity or public order, and
    /// superstition.
    pub category1: KeywordList,
    /// Category 2: insults (the other grounds of category 2 are the content,
    /// demand and duplicate rules).
    pub category2: KeywordList,
    /// Category 3: matters for other channels (petitions, discipline,
    /// reconsideration, litigation), each with where to go instead.
    pub category3: Vec<ReferralGroup>,
    /// Category 4: other violations of law.
    pub category4: KeywordList,
    /// How duplicates of the same submitter's recent cases are found (category 2).
    pub duplicate: DuplicateRule,
}

/// The screening outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// No rule fired: the case is accepted.
    Accept,
    /// A rule fired: the case is not accepted (Art. 5).
    Reject {
        /// The category of Art. 5 it falls under.
        category: RejectCategory,
        /// The rule that fired, e.g. `category3.petition` or `duplicate`.
        rule: String,
        /// What in the text made it fire (a keyword), if anything.
        matched: Option<String>,
        /// Where to go instead (category 3).
        referral: Option<String>,
        /// The earlier case this one repeats.
        duplicate_of: Option<CaseId>,
    },
}

impl Decision {
    /// The name of the rule that fired (`accepted` when none did).
    pub fn rule(&self) -> &str {
        match self {
            Decision::Accept => "accepted",
            Decision::Reject { rule, .. } => rule,
        }
    }
}

/// One of the same submitter's earlier cases.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorCase {
    /// The earlier case's id, named in `duplicate_of` when it is repeated.
    pub case_id: CaseId,
    /// When the earlier case was received.
    pub received_at: DateTime<Utc>,
    /// Its title and content, as one text.
    pub text: String,
}

impl FilterRules {
    /// The rules shipped in `shared/config/filter.json`.
    pub fn defaults() -> Self {
        match Self::from_json(DEFAULT_RULES) {
            Ok(r) => r,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in filter rules are invalid: {e}"),
        }
    }

    /// A county's own rules, checked before use: the duplicate similarity within
    /// 0 to 1, shingles of 1 to 8 characters, and no empty keyword.
    pub fn from_json(text: &str) -> Result<Self, FilterError> {
        let rules: Self =
            serde_json::from_str(text).map_err(|e| FilterError::Rules(e.to_string()))?;
        let d = &rules.duplicate;
        if !(0.0..=1.0).contains(&d.min_similarity) || d.shingle_chars == 0 || d.shingle_chars > 8 {
            return Err(FilterError::Rules(
                "duplicate.min_similarity must be within 0..1 and shingle_chars within 1..8".into(),
            ));
        }
        let all_keywords = rules
            .category1
            .keywords
            .iter()
            .chain(&rules.category2.keywords)
            .chain(&rules.category4.keywords)
            .chain(rules.category3.iter().flat_map(|g| &g.keywords));
        if all_keywords.clone().any(|k| normalize(k).is_empty()) {
            return Err(FilterError::Rules("a keyword is empty".into()));
        }
        Ok(rules)
    }

    /// Screens one case. `prior` are the same submitter's earlier cases
    /// (the caller selects them by their submitter key); those outside the
    /// window are ignored here.
    pub fn screen(
        &self,
        title: &str,
        content: &str,
        received_at: DateTime<Utc>,
        prior: &[PriorCase],
    ) -> Decision {
        let text = normalize(&format!("{title}{content}"));
        let reject = |category, rule: String, matched: Option<String>, referral: Option<String>| {
            Decision::Reject {
                category,
                rule,
                matched,
                referral,
                duplicate_of: None,
            }
        };
        if let Some(k) = find_keyword(&text, &self.category1.keywords) {
            return reject(
                RejectCategory::Endangering,
                "category1.keywords".into(),
                Some(k),
                None,
            );
        }
        if let Some(k) = find_keyword(&text, &self.category4.keywords) {
            return reject(
                RejectCategory::Unlawful,
                "category4.keywords".into(),
                Some(k),
                None,
            );
        }
        for group in &self.category3 {
            if let Some(k) = find_keyword(&text, &group.keywords) {
                return reject(
                    RejectCategory::OtherChannel,
                    format!("category3.{}", group.name),
                    Some(k),
                    Some(group.referral.clone()),
                );
            }
        }
        if let Some(k) = find_keyword(&text, &self.category2.keywords) {
            return reject(
                RejectCategory::Unfounded,
                "category2.insult".into(),
                Some(k),
                None,
            );
        }
        let substance = letters(&normalize(content)).chars().count();
        if substance < self.min_content_chars {
            return reject(
                RejectCategory::Unfounded,
                "category2.min_content".into(),
                None,
                None,
            );
        }
        if find_keyword(&text, &self.demand_markers).is_none() {
            return reject(
                RejectCategory::Unfounded,
                "category2.no_demand".into(),
                None,
                None,
            );
        }
        if let Some(dup) = self.find_duplicate(&text, received_at, prior) {
            return Decision::Reject {
                category: RejectCategory::Unfounded,
                rule: "category2.duplicate".into(),
                matched: None,
                referral: None,
                duplicate_of: Some(dup),
            };
        }
        Decision::Accept
    }

    fn find_duplicate(
        &self,
        text: &str,
        received_at: DateTime<Utc>,
        prior: &[PriorCase],
    ) -> Option<CaseId> {
        let since = received_at - Duration::days(i64::from(self.duplicate.window_days));
        let mine = shingles(&letters(text), self.duplicate.shingle_chars);
        prior
            .iter()
            .filter(|p| p.received_at >= since && p.received_at <= received_at)
            .find(|p| {
                let theirs = shingles(&letters(&normalize(&p.text)), self.duplicate.shingle_chars);
                similarity(&mine, &theirs) >= self.duplicate.min_similarity
            })
            .map(|p| p.case_id)
    }
}

/// Text as compared: no whitespace, ASCII lower case, full-width ASCII
/// folded to half-width (so "ＡＢＣ" matches "abc").
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Only letters and digits (Chinese characters are letters): what two
/// texts are compared on, so punctuation never hides a duplicate.
fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn find_keyword(text: &str, keywords: &[String]) -> Option<String> {
    keywords
        .iter()
        .find(|k| text.contains(&normalize(k)))
        .cloned()
}

/// The set of `n`-character shingles of a text (the whole text if shorter).
pub fn shingles(text: &str, n: usize) -> HashSet<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= n {
        return std::iter::once(chars.iter().collect())
            .filter(|s: &String| !s.is_empty())
            .collect();
    }
    chars.windows(n).map(|w| w.iter().collect()).collect()
}

/// Jaccard similarity of two shingle sets: |A ∩ B| / |A ∪ B| (0 for two empty sets).
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> FilterRules {
        FilterRules::defaults()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-11-28T10:00:00+08:00")
            .expect("instant")
            .with_timezone(&Utc)
    }

    fn screen(title: &str, content: &str) -> Decision {
        rules().screen(title, content, now(), &[])
    }

    fn rule_of(d: &Decision) -> (&str, Option<u8>) {
        match d {
            Decision::Accept => ("accepted", None),
            Decision::Reject { rule, category, .. } => (rule.as_str(), Some(category.number())),
        }
    }

    #[test]
    fn a_concrete_complaint_with_a_demand_is_accepted() {
        assert_eq!(
            screen("路灯不亮", "淇滨区某小区路灯已坏两周，请尽快维修。"),
            Decision::Accept
        );
    }

    #[test]
    fn each_category_is_rejected_with_the_rule_that_fired() {
        assert_eq!(
            rule_of(&screen("x", "有人在小区宣扬邪教，请处理")),
            ("category1.keywords", Some(1))
        );
        assert_eq!(
            rule_of(&screen("x", "你们这些狗官，请解决问题")),
            ("category2.insult", Some(2))
        );
        assert_eq!(
            rule_of(&screen("x", "我要起诉开发商，请帮助我")),
            ("category3.litigation", Some(3))
        );
        assert_eq!(
            rule_of(&screen("x", "有人在网上代开发票，请查处")),
            ("category4.keywords", Some(4))
        );
    }

    #[test]
    fn a_category_3_rejection_says_where_to_go_instead() {
        let Decision::Reject {
            referral, matched, ..
        } = screen("信访", "我的信访事项一直没有结果，请处理")
        else {
            panic!("expected a rejection")
        };
        assert!(referral.is_some_and(|r| r.contains("信访")));
        assert_eq!(matched.as_deref(), Some("信访"));
    }

    #[test]
    fn too_little_content_has_no_concrete_content() {
        assert_eq!(
            rule_of(&screen("投诉", "请处理。")),
            ("category2.min_content", Some(2))
        );
    }

    #[test]
    fn content_without_any_demand_is_unclear() {
        assert_eq!(
            rule_of(&screen("今天", "今天天气不错阳光明媚心情很好")),
            ("category2.no_demand", Some(2))
        );
    }

    #[test]
    fn keywords_match_despite_spaces_and_full_width_letters() {
        assert_eq!(
            rule_of(&screen("x", "我 要 起 诉 他们，请帮助")),
            ("category3.litigation", Some(3))
        );
    }

    #[test]
    fn the_same_submitter_repeating_a_recent_case_is_a_duplicate() {
        let earlier = PriorCase {
            case_id: CaseId::new(7).expect("id"),
            received_at: now() - Duration::days(3),
            text: "路灯不亮淇滨区某小区路灯已坏两周，请尽快维修。".into(),
        };
        let d = rules().screen(
            "路灯不亮",
            "淇滨区某小区路灯已坏两周了，请尽快维修！",
            now(),
            std::slice::from_ref(&earlier),
        );
        assert!(
            matches!(d, Decision::Reject { ref rule, duplicate_of: Some(id), .. } if rule == "category2.duplicate" && id.get() == 7),
            "{d:?}"
        );

        let old = PriorCase {
            received_at: now() - Duration::days(31),
            ..earlier.clone()
        };
        assert_eq!(
            rules().screen(
                "路灯不亮",
                "淇滨区某小区路灯已坏两周了，请尽快维修！",
                now(),
                &[old]
            ),
            Decision::Accept
        );

        let different = PriorCase {
            text: "噪音扰民，某工地夜间施工，请处理".into(),
            ..earlier
        };
        assert_eq!(
            rules().screen(
                "路灯不亮",
                "淇滨区某小区路灯已坏两周了，请尽快维修！",
                now(),
                &[different]
            ),
            Decision::Accept
        );
    }

    #[test]
    fn shingle_similarity_is_one_for_the_same_text_and_zero_for_disjoint_texts() {
        let a = shingles("路灯不亮", 2);
        assert_eq!(similarity(&a, &a), 1.0);
        assert_eq!(similarity(&a, &shingles("噪音扰民", 2)), 0.0);
        assert_eq!(similarity(&HashSet::new(), &HashSet::new()), 0.0);
        assert_eq!(shingles("路", 2).len(), 1);
    }

    #[test]
    fn invalid_rules_are_refused() {
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_RULES).expect("json");
        v["duplicate"]["min_similarity"] = serde_json::json!(1.5);
        assert!(FilterRules::from_json(&v.to_string()).is_err());
        v["duplicate"]["min_similarity"] = serde_json::json!(0.8);
        v["category1"]["keywords"] = serde_json::json!(["  "]);
        assert!(FilterRules::from_json(&v.to_string()).is_err());
        assert!(FilterRules::from_json("{}").is_err());
    }
}
