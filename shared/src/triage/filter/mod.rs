//! Screening (Art. 5): screening proposes, a person decides.
//!
//! The rules are data (`shared/config/filter.json`, replaceable per county,
//! Art. 12). Each rule names the demand it refuses — patterns of terms in
//! order within one sentence ([`pattern`]) — with examples that must and
//! must not match, checked when the rules are loaded. A rule that fires
//! *proposes* a rejection (category of Art. 5, the rule, the phrase in its
//! sentence, the referral for category 3): the case waits in the bureau's
//! `screening` queue for a person. Only a narrow class named in `final`
//! (no content at all; a duplicate of the same submitter's open case) is
//! decided at once. A case without a clear demand is accepted with a flag
//! for its handler. On an agent's channel screening only advises: the
//! agent talked to the citizen.
//!
//! Duplicates: the submitter is recognised by a keyed hash of their phone
//! number ([`crate::case::personal::Keys::submitter_key`]), never the plain value,
//! and two texts are compared by the Jaccard similarity of their character
//! n-gram shingles, which works for Chinese without a word segmenter.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::base::ids::CaseId;
use crate::lifecycle::RejectCategory;

pub mod pattern;
use crate::base::rules::{self, Family, RuleFamily};
pub use pattern::normalize;
use pattern::{contains_any, excerpt, matches, sentences, terms};

const DEFAULT_RULES: &str = include_str!("../../../config/filter.json");

/// The rule name of a text with no content at all.
pub const NO_CONTENT: &str = "category2.no_content";
/// The rule name of a duplicate of the same submitter's recent case.
pub const DUPLICATE: &str = "category2.duplicate";
/// The flag of a text with no clear demand (accepted; the handler asks).
pub const NO_DEMAND: &str = "no_demand";

/// Why screening rules were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FilterError {
    /// The screening rules (county config) are invalid.
    #[error("filter rules are invalid: {0}")]
    Rules(String),
}

/// Texts a rule must and must not fire on, checked when rules are loaded.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Each must fire the rule.
    #[serde(default)]
    pub matching: Vec<String>,
    /// None may fire the rule.
    #[serde(default)]
    pub not_matching: Vec<String>,
}

/// One screening rule: a demand Art. 5 does not accept.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule's name, e.g. `category3.litigation`.
    pub name: String,
    /// Art. 5's category (1 to 4).
    pub category: u8,
    /// Patterns, any of which fires the rule: terms in order within one
    /// sentence, separated by `…` (`撤销…判决`).
    pub patterns: Vec<String>,
    /// Where to go instead (required for category 3).
    #[serde(default)]
    pub referral: Option<String>,
    /// A sentence that asks how (`question_markers`) does not fire it:
    /// asking how to petition or appeal is a consultation.
    #[serde(default)]
    pub not_when_asking: bool,
    /// Fires only in a text without any demand marker (a text that only
    /// complains of everything, or only greets, states no matter).
    #[serde(default)]
    pub without_demand: bool,
    /// What it must and must not fire on.
    #[serde(default)]
    pub examples: Examples,
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
    /// Content with fewer Chinese characters than this, once the `filler`
    /// phrases are taken out, has no content at all.
    pub min_content_chars: usize,
    /// Greetings and test words that are no content (`你好`, `在吗`, `测试`).
    #[serde(default)]
    pub filler: Vec<String>,
    /// At least one shows a clear demand; without one the case is accepted
    /// with the flag `no_demand` for its handler.
    pub demand_markers: Vec<String>,
    /// A sentence with one of these asks how (for `not_when_asking` rules).
    pub question_markers: Vec<String>,
    /// The rules, in the order they are tried.
    pub rules: Vec<Rule>,
    /// The rules decided at once, without a person (a narrow class:
    /// `category2.no_content`, `category2.duplicate`).
    #[serde(rename = "final")]
    pub final_rules: Vec<String>,
    /// How duplicates of the same submitter's recent cases are found (category 2).
    pub duplicate: DuplicateRule,
}

/// What fired, where, and what the submitter is told.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The category of Art. 5 it falls under.
    pub category: RejectCategory,
    /// The rule that fired, e.g. `category3.petition`.
    pub rule: String,
    /// The pattern that matched, if any.
    pub matched: Option<String>,
    /// The sentence it matched in.
    pub context: Option<String>,
    /// Where to go instead (category 3).
    pub referral: Option<String>,
    /// The earlier case this one repeats.
    pub duplicate_of: Option<CaseId>,
}

impl Finding {
    /// One line for the record: rule, pattern and sentence.
    pub fn summary(&self) -> String {
        match (&self.matched, &self.context, self.duplicate_of) {
            (Some(m), Some(c), _) => format!("{}: {m} «{c}»", self.rule),
            (Some(m), None, _) => format!("{}: {m}", self.rule),
            (None, _, Some(d)) => format!("{}: case {d}", self.rule),
            (None, _, None) => self.rule.clone(),
        }
    }
}

/// The screening outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Accepted; `flags` tell the handler what screening noticed (no clear
    /// demand; on an agent's channel, what a rule would have proposed).
    Accept {
        /// What screening noticed.
        flags: Vec<String>,
    },
    /// A rule fired: a person decides whether the case is accepted.
    Propose(Finding),
    /// A rule of the `final` class fired: not accepted, at once.
    Reject(Finding),
}

impl Decision {
    /// The name of the rule that decided (`accepted` when none did).
    pub fn rule(&self) -> &str {
        match self {
            Decision::Accept { .. } => "accepted",
            Decision::Propose(f) | Decision::Reject(f) => &f.rule,
        }
    }
}

/// The markers and each rule's patterns, normalized and split into terms.
struct Prepared {
    demand: Vec<String>,
    question: Vec<String>,
    /// Per rule, in order: each pattern's terms.
    patterns: Vec<Vec<Vec<String>>>,
}

/// A normalized text with the characters and character pairs it has: a
/// term can only occur in it if its first pair (or its one character) does,
/// a test cheaper than searching for it sentence by sentence.
struct Indexed {
    text: String,
    chars: HashSet<char>,
    pairs: HashSet<(char, char)>,
}

impl Indexed {
    fn new(text: String) -> Self {
        let chars: Vec<char> = text.chars().collect();
        Self {
            pairs: chars.windows(2).map(|w| (w[0], w[1])).collect(),
            chars: chars.into_iter().collect(),
            text,
        }
    }

    /// False only if `term` cannot occur in the text.
    fn may_contain(&self, term: &str) -> bool {
        let mut cs = term.chars();
        match (cs.next(), cs.next()) {
            (Some(a), Some(b)) => self.pairs.contains(&(a, b)),
            (Some(a), None) => self.chars.contains(&a),
            (None, _) => true,
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
    ///
    /// Their examples are not run here: this module's tests run them
    /// (`the_built_in_rules_fire_on_their_examples_and_on_nothing_else`),
    /// and every filter instance parses the defaults, where running all of
    /// them cost more than screening the case (~1,300 pattern searches).
    pub fn defaults() -> Self {
        match Self::parse(DEFAULT_RULES) {
            Ok(r) => r,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in filter rules are invalid: {e}"),
        }
    }

    /// A county's own rules, checked before use: categories 1 to 4, a
    /// referral for category 3, no empty pattern, the duplicate settings in
    /// range, and every rule's examples matching as they say.
    pub fn from_json(text: &str) -> Result<Self, FilterError> {
        let rules = Self::parse(text)?;
        let prepared = rules.prepare();
        for (rule, patterns) in rules.rules.iter().zip(&prepared.patterns) {
            let fires = |text: &str| {
                let text = Indexed::new(normalize(text));
                rules.fires(rule, patterns, &prepared, &text).is_some()
            };
            for text in &rule.examples.matching {
                if !fires(text) {
                    return Err(FilterError::Rules(format!(
                        "{}: does not match its example {text:?}",
                        rule.name
                    )));
                }
            }
            for text in &rule.examples.not_matching {
                if fires(text) {
                    return Err(FilterError::Rules(format!(
                        "{}: matches its counter-example {text:?}",
                        rule.name
                    )));
                }
            }
        }
        Ok(rules)
    }

    /// The rules' shape checked (everything but the examples).
    fn parse(text: &str) -> Result<Self, FilterError> {
        let rules: Self =
            serde_json::from_str(text).map_err(|e| FilterError::Rules(e.to_string()))?;
        let bad = |m: String| Err(FilterError::Rules(m));
        let d = &rules.duplicate;
        if !(0.0..=1.0).contains(&d.min_similarity) || d.shingle_chars == 0 || d.shingle_chars > 8 {
            return bad(
                "duplicate.min_similarity must be within 0..1 and shingle_chars within 1..8".into(),
            );
        }
        for rule in &rules.rules {
            if RejectCategory::from_number(rule.category).is_none() {
                return bad(format!("{}: category is 1, 2, 3 or 4", rule.name));
            }
            if rule.category == 3 && rule.referral.is_none() {
                return bad(format!(
                    "{}: a category 3 rule says where to go instead",
                    rule.name
                ));
            }
            if rule.patterns.is_empty() || rule.patterns.iter().any(|p| terms(p).is_empty()) {
                return bad(format!("{}: a pattern is empty", rule.name));
            }
        }
        Ok(rules)
    }

    /// The markers and patterns as compared, made once per screening
    /// rather than per rule and sentence.
    fn prepare(&self) -> Prepared {
        let normalized = |markers: &[String]| -> Vec<String> {
            markers
                .iter()
                .map(|m| normalize(m))
                .filter(|m| !m.is_empty())
                .collect()
        };
        Prepared {
            demand: normalized(&self.demand_markers),
            question: normalized(&self.question_markers),
            patterns: self
                .rules
                .iter()
                .map(|r| r.patterns.iter().map(|p| terms(p)).collect())
                .collect(),
        }
    }

    /// The pattern and sentence where `rule` (whose `patterns` are
    /// prepared) fires in a normalized text.
    fn fires(
        &self,
        rule: &Rule,
        patterns: &[Vec<String>],
        prepared: &Prepared,
        text: &Indexed,
    ) -> Option<(String, String)> {
        // Only the patterns whose every term may occur in the text are
        // searched for, sentence by sentence.
        let live: Vec<(&String, &Vec<String>)> = rule
            .patterns
            .iter()
            .zip(patterns)
            .filter(|(_, terms)| terms.iter().all(|t| text.may_contain(t)))
            .collect();
        if live.is_empty() || (rule.without_demand && contains_any(&text.text, &prepared.demand)) {
            return None;
        }
        for sentence in sentences(&text.text) {
            if rule.not_when_asking && contains_any(sentence, &prepared.question) {
                continue;
            }
            if let Some((p, _)) = live.iter().find(|(_, terms)| matches(sentence, terms)) {
                return Some(((*p).clone(), excerpt(sentence, 80)));
            }
        }
        None
    }

    /// Screens one case. `prior` are the same submitter's earlier cases
    /// (the caller selects them by their submitter key); those outside the
    /// window are ignored here. `advisory`: an agent's channel, where
    /// screening only advises.
    pub fn screen(
        &self,
        title: &str,
        content: &str,
        received_at: DateTime<Utc>,
        prior: &[PriorCase],
        advisory: bool,
    ) -> Decision {
        let decision = self.decide(title, content, received_at, prior);
        match decision {
            Decision::Propose(f) | Decision::Reject(f) if advisory => Decision::Accept {
                flags: vec![format!("advice: {}", f.summary())],
            },
            other => other,
        }
    }

    fn decide(
        &self,
        title: &str,
        content: &str,
        received_at: DateTime<Utc>,
        prior: &[PriorCase],
    ) -> Decision {
        let finding = |rule: &str, category| Finding {
            category,
            rule: rule.to_string(),
            matched: None,
            context: None,
            referral: None,
            duplicate_of: None,
        };
        if self.substance(content) < self.min_content_chars {
            return self.outcome(finding(NO_CONTENT, RejectCategory::Unfounded));
        }
        // The title heads the first sentence (a title alone is no
        // sentence: it does not escape the question that follows it).
        let text = Indexed::new(normalize(&format!("{title}，{content}")));
        let prepared = self.prepare();
        for (rule, patterns) in self.rules.iter().zip(&prepared.patterns) {
            if let Some((matched, context)) = self.fires(rule, patterns, &prepared, &text) {
                let category =
                    RejectCategory::from_number(rule.category).unwrap_or(RejectCategory::Unfounded);
                return self.outcome(Finding {
                    matched: Some(matched),
                    context: Some(context),
                    referral: rule.referral.clone(),
                    ..finding(&rule.name, category)
                });
            }
        }
        let text = text.text;
        if let Some(dup) = self.find_duplicate(&text, received_at, prior) {
            return self.outcome(Finding {
                duplicate_of: Some(dup),
                ..finding(DUPLICATE, RejectCategory::Unfounded)
            });
        }
        let flags = if contains_any(&text, &prepared.demand) {
            Vec::new()
        } else {
            vec![NO_DEMAND.to_string()]
        };
        Decision::Accept { flags }
    }

    /// Final at once for the `final` class, a proposal otherwise.
    fn outcome(&self, f: Finding) -> Decision {
        if self.final_rules.contains(&f.rule) {
            Decision::Reject(f)
        } else {
            Decision::Propose(f)
        }
    }

    /// How many different Chinese characters the content has once the
    /// filler is out (a character typed forty times counts once).
    fn substance(&self, content: &str) -> usize {
        let mut text = normalize(content);
        for f in &self.filler {
            text = text.replace(&normalize(f), "");
        }
        text.chars()
            .filter(|c| {
                ('\u{4E00}'..='\u{9FFF}').contains(c) || ('\u{3400}'..='\u{4DBF}').contains(c)
            })
            .collect::<HashSet<char>>()
            .len()
    }

    fn find_duplicate(
        &self,
        text: &str,
        received_at: DateTime<Utc>,
        prior: &[PriorCase],
    ) -> Option<CaseId> {
        let since = received_at - Duration::days(i64::from(self.duplicate.window_days));
        let within: Vec<&PriorCase> = prior
            .iter()
            .filter(|p| p.received_at >= since && p.received_at <= received_at)
            .collect();
        if within.is_empty() {
            // A first case: nothing to compare (its shingles not made).
            return None;
        }
        let mine = shingles(&letters(text), self.duplicate.shingle_chars);
        within
            .into_iter()
            .find(|p| {
                let theirs = shingles(&letters(&normalize(&p.text)), self.duplicate.shingle_chars);
                similarity(&mine, &theirs) >= self.duplicate.min_similarity
            })
            .map(|p| p.case_id)
    }
}

/// Only letters and digits (Chinese characters are letters): what two
/// texts are compared on, so punctuation never hides a duplicate.
fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
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
mod tests;

impl RuleFamily for FilterRules {
    const FAMILY: Family = Family::Filter;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        rules::one_text(texts, Self::from_json, Self::defaults)
    }
}

#[cfg(test)]
mod measure;
