//! Statistics (Art. 9) and hotspots (Art. 7).
//!
//! Computed from one [`CaseSummary`] per case, for a period `[from, to)` of
//! instants, per county and per lead unit. The formulas, as published to
//! the bureau:
//!
//! - **received**: cases whose receipt falls in the period; a repeat merged
//!   into the case being handled (并单) counts once, as that case, and is
//!   counted apart as a **duplicate**.
//! - **accepted** / **rejected**: of those received, the ones not / the ones
//!   currently not accepted (Art. 5; an override counts as it stands now).
//! - **closed**: cases whose closing (办结) falls in the period.
//! - **closed on time**: of those closed, the ones closed no later than their
//!   finish deadline as set when routed and moved by approved extensions
//!   (a deadline reset by a QC failure or a returned review does not excuse
//!   lateness).
//! - **overdue**: cases closed late in the period, plus cases still open at
//!   the end of the period whose finish deadline had passed by then.
//! - **on-time completion rate** (按期办结率) = closed on time ÷ closed.
//! - **QC pass rate** = QC passes ÷ QC decisions, decisions made in the period.
//! - **follow-up satisfaction rate** (抽查回访满意率) = (satisfied + basically
//!   satisfied) ÷ follow-ups that reached the submitter (unreachable calls are
//!   left out), calls made in the period.
//! - **complaint count**: complaints (kind `complaint`) received in the period.
//! - **complaint rate** (被投诉率) = complaint count ÷ received.
//!
//! A rate with a zero denominator is `None` ("no data"), never 0 or 100 %.
//! Per unit, a case counts for its lead unit; cases not yet routed count
//! only in the county figures.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::filter::{shingles, similarity};
use crate::ids::{CaseId, CountyCode};
use crate::intake::Kind;
use crate::lifecycle::Satisfaction;
use crate::units::UnitId;

/// What statistics need to know of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSummary {
    /// The case these facts are of.
    pub case_id: CaseId,
    /// The county the case belongs to; its county figures count it there.
    pub county: CountyCode,
    /// The lead unit, once the case is routed; with `None` the case counts
    /// only for its county.
    pub lead: Option<UnitId>,
    /// Consultation, complaint or suggestion; only complaints make the
    /// complaint count and hotspots.
    pub kind: Kind,
    /// When the case was received.
    pub received_at: DateTime<Utc>,
    /// Whether the case is not accepted now (Art. 5), an override counting as it stands.
    pub rejected: bool,
    /// When the case was closed (办结), if it has been.
    pub closed_at: Option<DateTime<Utc>>,
    /// The finish deadline as routed, moved by approved extensions.
    pub finish_due: Option<DateTime<Utc>>,
    /// The bureau's quality-check decisions on the replies: when, and whether
    /// the reply passed.
    pub qc_decisions: Vec<(DateTime<Utc>, bool)>,
    /// The follow-up calls (回访): when, and what the submitter answered.
    pub follow_ups: Vec<(DateTime<Utc>, Satisfaction)>,
    /// Subject or title and content, for hotspots.
    pub text: String,
    /// The case a repeat was merged into (并单): the matter counts once.
    pub merged_into: Option<CaseId>,
}

/// The figures of one group (a county, or a unit) over one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Cases received in the period (repeats merged into another left out).
    pub received: u32,
    /// Repeats received in the period and merged into the case being
    /// handled.
    pub duplicates: u32,
    /// Of those received, the ones accepted (Art. 5).
    pub accepted: u32,
    /// Of those received, the ones not accepted now (Art. 5).
    pub rejected: u32,
    /// Cases closed (办结) in the period.
    pub closed: u32,
    /// Of those closed, the ones closed no later than their finish deadline.
    pub closed_on_time: u32,
    /// Cases closed late in the period, plus cases still open at its end whose
    /// finish deadline had passed by then.
    pub overdue: u32,
    /// Quality-check decisions made in the period.
    pub qc_decisions: u32,
    /// Of those decisions, the ones that passed the reply.
    pub qc_passes: u32,
    /// Follow-up calls made in the period that reached the submitter.
    pub follow_ups_reached: u32,
    /// Of those calls, the ones where the submitter was satisfied or basically
    /// satisfied.
    pub follow_ups_satisfied: u32,
    /// Complaints received in the period.
    pub complaints: u32,
    /// On-time completion rate (按期办结率), 0 to 1: closed on time ÷ closed;
    /// `None` when nothing was closed.
    pub on_time_rate: Option<f64>,
    /// QC pass rate, 0 to 1: passes ÷ decisions; `None` when no decision was made.
    pub qc_pass_rate: Option<f64>,
    /// Follow-up satisfaction rate (抽查回访满意率), 0 to 1: satisfied ÷
    /// reached; `None` when no call reached a submitter.
    pub satisfaction_rate: Option<f64>,
    /// Complaint rate (被投诉率), 0 to 1: complaints ÷ received; `None` when
    /// nothing was received.
    pub complaint_rate: Option<f64>,
}

fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

impl Figures {
    fn add(&mut self, c: &CaseSummary, from: DateTime<Utc>, to: DateTime<Utc>) {
        let within = |t: DateTime<Utc>| t >= from && t < to;
        if c.merged_into.is_some() {
            // The matter is the original's; the repeat counts apart.
            self.duplicates += u32::from(within(c.received_at));
            return;
        }
        if within(c.received_at) {
            self.received += 1;
            if c.rejected {
                self.rejected += 1;
            } else {
                self.accepted += 1;
            }
            if c.kind == Kind::Complaint {
                self.complaints += 1;
            }
        }
        match (c.closed_at, c.finish_due) {
            (Some(closed), due) if within(closed) => {
                self.closed += 1;
                if due.is_none_or(|d| closed <= d) {
                    self.closed_on_time += 1;
                } else {
                    self.overdue += 1;
                }
            }
            (closed, Some(due)) if !c.rejected && c.received_at < to => {
                let open_at_end = closed.is_none_or(|t| t >= to);
                if open_at_end && due < to {
                    self.overdue += 1;
                }
            }
            _ => {}
        }
        for (at, passed) in &c.qc_decisions {
            if within(*at) {
                self.qc_decisions += 1;
                self.qc_passes += u32::from(*passed);
            }
        }
        for (at, result) in &c.follow_ups {
            if within(*at) && *result != Satisfaction::Unreachable {
                self.follow_ups_reached += 1;
                if matches!(
                    result,
                    Satisfaction::Satisfied | Satisfaction::BasicallySatisfied
                ) {
                    self.follow_ups_satisfied += 1;
                }
            }
        }
    }

    fn finish(mut self) -> Self {
        self.on_time_rate = ratio(self.closed_on_time, self.closed);
        self.qc_pass_rate = ratio(self.qc_passes, self.qc_decisions);
        self.satisfaction_rate = ratio(self.follow_ups_satisfied, self.follow_ups_reached);
        self.complaint_rate = ratio(self.complaints, self.received);
        self
    }
}

/// Statistics of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The figures of each county, every case counted in its own county.
    pub counties: BTreeMap<CountyCode, Figures>,
    /// The figures of each lead unit; cases not yet routed are left out.
    pub units: BTreeMap<UnitId, Figures>,
}

/// The statistics (Art. 9) of `cases` for the period from `from` (included)
/// to `to` (excluded), per county and per lead unit, by the formulas of this module.
pub fn report(cases: &[CaseSummary], from: DateTime<Utc>, to: DateTime<Utc>) -> Report {
    let mut counties: BTreeMap<CountyCode, Figures> = BTreeMap::new();
    let mut units: BTreeMap<UnitId, Figures> = BTreeMap::new();
    for c in cases {
        counties
            .entry(c.county.clone())
            .or_default()
            .add(c, from, to);
        if let Some(lead) = &c.lead {
            units.entry(lead.clone()).or_default().add(c, from, to);
        }
    }
    Report {
        counties: counties.into_iter().map(|(k, f)| (k, f.finish())).collect(),
        units: units.into_iter().map(|(k, f)| (k, f.finish())).collect(),
    }
}

/// Art. 9's shift list: thresholds a unit must not trip (county config).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttentionThresholds {
    /// A unit with at least this many complaints in the period.
    pub max_complaints: u32,
    /// A unit whose satisfaction rate is below this (0–1).
    pub min_satisfaction_rate: f64,
    /// A unit with at least this many overdue cases.
    pub max_overdue: u32,
    /// A unit whose on-time completion rate is below this (0–1).
    pub min_on_time_rate: f64,
}

impl Default for AttentionThresholds {
    fn default() -> Self {
        Self {
            max_complaints: 20,
            min_satisfaction_rate: 0.8,
            max_overdue: 3,
            min_on_time_rate: 0.9,
        }
    }
}

/// One unit that needs attention, and every threshold it tripped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attention {
    /// The unit that needs attention.
    pub unit: UnitId,
    /// Every threshold it tripped: `concentrated_complaints`, `low_satisfaction`,
    /// `many_overdue`, `low_on_time_rate`.
    pub reasons: Vec<&'static str>,
}

/// The units of `report` that trip any of the thresholds (Art. 9's shift
/// list), each with the thresholds it tripped.
pub fn needs_attention(report: &Report, t: &AttentionThresholds) -> Vec<Attention> {
    report
        .units
        .iter()
        .filter_map(|(unit, f)| {
            let reasons = t.tripped(
                i64::from(f.complaints),
                f.satisfaction_rate,
                i64::from(f.overdue),
                f.on_time_rate,
            );
            (!reasons.is_empty()).then(|| Attention {
                unit: unit.clone(),
                reasons,
            })
        })
        .collect()
}

impl AttentionThresholds {
    /// The thresholds a unit's figures trip: `concentrated_complaints`,
    /// `low_satisfaction`, `many_overdue`, `low_on_time_rate` (a rate with
    /// no data trips nothing).
    pub fn tripped(
        &self,
        complaints: i64,
        satisfaction_rate: Option<f64>,
        overdue: i64,
        on_time_rate: Option<f64>,
    ) -> Vec<&'static str> {
        let mut reasons = Vec::new();
        if complaints >= i64::from(self.max_complaints) {
            reasons.push("concentrated_complaints");
        }
        if satisfaction_rate.is_some_and(|r| r < self.min_satisfaction_rate) {
            reasons.push("low_satisfaction");
        }
        if overdue >= i64::from(self.max_overdue) {
            reasons.push("many_overdue");
        }
        if on_time_rate.is_some_and(|r| r < self.min_on_time_rate) {
            reasons.push("low_on_time_rate");
        }
        reasons
    }
}

/// Hotspot settings (Art. 7), county config.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HotspotRules {
    /// How far back from now complaints are looked at, in calendar days.
    pub window_days: u32,
    /// How many similar complaints make a hotspot.
    pub min_cases: usize,
    /// Shingle (Jaccard) similarity, 0 to 1, at or above which a complaint joins
    /// a cluster.
    pub min_similarity: f64,
    /// Characters per shingle when two texts are compared.
    pub shingle_chars: usize,
}

impl Default for HotspotRules {
    fn default() -> Self {
        Self {
            window_days: 30,
            min_cases: 3,
            min_similarity: 0.35,
            shingle_chars: 2,
        }
    }
}

/// A cluster of similar complaints about one unit in one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hotspot {
    /// The county the complaints come from.
    pub county: CountyCode,
    /// The lead unit they concern; `None` for complaints not yet routed.
    pub unit: Option<UnitId>,
    /// The complaints in the cluster.
    pub cases: Vec<CaseId>,
    /// The text of the case the cluster formed around.
    pub sample: String,
}

/// Complaints received in the `window_days` before `now`, grouped by county
/// and lead unit, then clustered greedily: each case joins the first cluster
/// whose first case it resembles (shingle similarity at least
/// `min_similarity`), else starts one. Clusters of `min_cases` or more are
/// hotspots, largest first.
pub fn hotspots(cases: &[CaseSummary], now: DateTime<Utc>, rules: &HotspotRules) -> Vec<Hotspot> {
    let since = now - Duration::days(i64::from(rules.window_days));
    let mut groups: BTreeMap<(CountyCode, Option<UnitId>), Vec<&CaseSummary>> = BTreeMap::new();
    for c in cases.iter().filter(|c| {
        c.kind == Kind::Complaint && !c.rejected && c.received_at >= since && c.received_at <= now
    }) {
        groups
            .entry((c.county.clone(), c.lead.clone()))
            .or_default()
            .push(c);
    }
    let mut found = Vec::new();
    for ((county, unit), members) in groups {
        let mut clusters: Vec<(std::collections::HashSet<String>, Vec<&CaseSummary>)> = Vec::new();
        for c in members {
            let sh = shingles(&crate::filter::normalize(&c.text), rules.shingle_chars);
            match clusters
                .iter_mut()
                .find(|(seed, _)| similarity(seed, &sh) >= rules.min_similarity)
            {
                Some((_, list)) => list.push(c),
                None => clusters.push((sh, vec![c])),
            }
        }
        for (_, list) in clusters {
            if list.len() >= rules.min_cases {
                found.push(Hotspot {
                    county: county.clone(),
                    unit: unit.clone(),
                    sample: list[0].text.clone(),
                    cases: list.iter().map(|c| c.case_id).collect(),
                });
            }
        }
    }
    found.sort_by_key(|h| std::cmp::Reverse(h.cases.len()));
    found
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
