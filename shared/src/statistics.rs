//! Statistics (Art. 9) from the database: SQL aggregates over a period of
//! China days (both ends included), per county or per lead unit, each rate
//! with its numerator and denominator and "no data" (`null`) — never 0 or
//! 100 % — when nothing was counted. A unit reads its own row only; no
//! statistic holds personal data. The formulas:
//!
//! - **received**: cases received in the period; a repeat merged into the
//!   case being handled (并单) is counted apart as a **duplicate**;
//! - **accepted** / **rejected** (by Art. 5 category): of those received,
//!   as they stand now (a proposal still waiting counts as **screening**);
//! - **closed**: closings in the period; **on time** when no later than
//!   the finish deadline as routed, extended or recounted (a deadline reset
//!   by a QC failure or a returned review does not excuse lateness);
//! - **overdue**: closed late in the period, or open at its end past that
//!   deadline;
//! - **QC first-pass rate**: first-round QC decisions in the period that
//!   passed ÷ first-round decisions;
//! - **follow-up satisfaction rate**: calls in the period answered
//!   satisfied or basically satisfied ÷ calls that reached the submitter;
//! - **complaints** and **complaint rate** (被投诉率) = complaints received ÷
//!   received; **reviews returned** in the period.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::db::{Db, SqlValue};
use crate::fields::FieldError;
use crate::lifecycle::Role;
use crate::store::StoreError;

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per county.
    County,
    /// One row per lead unit (cases not yet routed are left out).
    Unit,
}

text_enum!(GroupBy {
    County = "county",
    Unit = "unit",
});

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The first day (China time).
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// Rows by county or by unit.
    pub group_by: GroupBy,
    /// Only this county.
    pub county: Option<String>,
    /// Only this unit.
    pub unit: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
}

/// A rate with what it is made of; `value` is `None` with no denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// The numerator.
    pub numerator: i64,
    /// The denominator.
    pub denominator: i64,
    /// numerator ÷ denominator, or `None` ("no data").
    pub value: Option<f64>,
}

impl Rate {
    fn of(numerator: i64, denominator: i64) -> Self {
        Self {
            numerator,
            denominator,
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        }
    }
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The county code or the unit id.
    pub group: String,
    /// Cases received (merged repeats left out).
    pub received: i64,
    /// Repeats merged into the case being handled.
    pub duplicates: i64,
    /// Of those received, accepted.
    pub accepted: i64,
    /// Of those received, waiting for the bureau's screening decision.
    pub screening: i64,
    /// Of those received, not accepted, by Art. 5 category ("1".."4").
    pub rejected: BTreeMap<String, i64>,
    /// Closings in the period.
    pub closed: i64,
    /// Of those, on time.
    pub closed_on_time: i64,
    /// Closed late in the period, or open at its end past the deadline.
    pub overdue: i64,
    /// closed on time ÷ closed (按期办结率).
    pub on_time_rate: Rate,
    /// first-round QC passes ÷ first-round QC decisions.
    pub qc_first_pass_rate: Rate,
    /// satisfied ÷ follow-up calls that reached the submitter (抽查回访满意率).
    pub satisfaction_rate: Rate,
    /// Complaints received.
    pub complaints: i64,
    /// complaints ÷ received (被投诉率).
    pub complaint_rate: Rate,
    /// Reviews that returned a case to its unit.
    pub reviews_returned: i64,
}

/// Why statistics cannot be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatsError {
    /// Agents and the scheduler read no statistics.
    #[error("the {0} role reads no statistics")]
    Role(Role),
    /// Reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::db::DbError> for StatsError {
    fn from(e: crate::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl Query {
    /// Reads `from`, `to` (required, `from` ≤ `to`, at most 3 years),
    /// `group_by` (`county` by default), `county`, `unit`, `channel`,
    /// `kind`; every bad one named.
    pub fn from_query(q: &BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut date = |name: &str| match q.get(name).map(|v| v.parse::<NaiveDate>()) {
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                errors.push(FieldError::new(name, "invalid", "a date, YYYY-MM-DD"));
                None
            }
            None => {
                errors.push(FieldError::new(name, "missing", "a date, YYYY-MM-DD"));
                None
            }
        };
        let (from, to) = (date("from"), date("to"));
        let group_by = match q.get("group_by").map(|g| g.parse::<GroupBy>()) {
            None => Some(GroupBy::County),
            Some(Ok(g)) => Some(g),
            Some(Err(())) => {
                errors.push(FieldError::new("group_by", "invalid", "county or unit"));
                None
            }
        };
        if let (Some(f), Some(t)) = (from, to) {
            if f > t || (t - f).num_days() > 3 * 366 {
                errors.push(FieldError::new(
                    "to",
                    "invalid",
                    "on or after from, within 3 years",
                ));
            }
        }
        let text = |name: &str| q.get(name).filter(|v| !v.trim().is_empty()).cloned();
        match (from, to, group_by) {
            (Some(from), Some(to), Some(group_by)) if errors.is_empty() => Ok(Self {
                from,
                to,
                group_by,
                county: text("county"),
                unit: text("unit"),
                channel: text("channel"),
                kind: text("kind"),
            }),
            _ => Err(errors),
        }
    }
}

/// The statistics `who` may read: the bureau and supervisors all rows, a
/// unit its own row only.
pub fn rows(db: &impl Db, who: &Principal, q: &Query) -> Result<Vec<Row>, StatsError> {
    let mut q = q.clone();
    match who.role {
        Role::Bureau | Role::Supervisor => {}
        Role::Unit => {
            q.group_by = GroupBy::Unit;
            q.unit = who.unit.as_ref().map(|u| u.as_str().to_string());
        }
        role => return Err(StatsError::Role(role)),
    }
    let group = match q.group_by {
        GroupBy::County => "c.county",
        GroupBy::Unit => "c.lead_unit",
    };
    let start = q.from.to_string();
    let end = q.to.succ_opt().unwrap_or(q.to).to_string();
    let mut filter = vec![format!("{group} IS NOT NULL")];
    let mut filter_params: Vec<SqlValue> = Vec::new();
    for (column, value) in [
        ("c.county", &q.county),
        ("c.lead_unit", &q.unit),
        ("c.channel", &q.channel),
        ("c.kind", &q.kind),
    ] {
        if let Some(v) = value {
            filter.push(format!("{column} = ?"));
            filter_params.push(v.as_str().into());
        }
    }
    let filter = filter.join(" AND ");
    // Each case's finish deadline that counts (as routed, extended or
    // recounted) and its events in the period, each read once.
    let due = "due.due_at";
    let in_period = |column: &str| format!("{column} >= ?1 AND {column} < ?2");
    let received = in_period("c.received_at");
    let closed = in_period("c.closed_at");
    let sql = format!(
        "WITH due AS (
            SELECT d.case_id, d.due_at FROM case_deadlines d
            WHERE d.id IN (SELECT MAX(id) FROM case_deadlines WHERE milestone = 'finish'
                             AND reason IN ('routed', 'extension', 'complex', 'calendar')
                           GROUP BY case_id)),
         ev AS (
            SELECT case_id,
              SUM(type IN ('qc_passed', 'qc_failed') AND json_extract(data, '$.round') = 1) AS qc_first,
              SUM(type = 'qc_passed' AND json_extract(data, '$.round') = 1) AS qc_first_pass,
              SUM(type = 'followed_up' AND json_extract(data, '$.result') != 'unreachable') AS reached,
              SUM(type = 'followed_up'
                  AND json_extract(data, '$.result') IN ('satisfied', 'basically_satisfied')) AS satisfied,
              SUM(type = 'review_returned') AS returned
            FROM case_events
            WHERE at >= ?1 AND at < ?2
              AND type IN ('qc_passed', 'qc_failed', 'followed_up', 'review_returned')
            GROUP BY case_id)
         SELECT {group} AS grp,
            SUM({received} AND c.merged_into IS NULL) AS received,
            SUM({received} AND c.merged_into IS NOT NULL) AS duplicates,
            SUM({received} AND c.merged_into IS NULL AND c.status NOT IN ('rejected', 'screening', 'received')) AS accepted,
            SUM({received} AND c.merged_into IS NULL AND c.status = 'screening') AS screening,
            SUM({received} AND c.merged_into IS NULL AND c.status = 'rejected' AND c.rejection_category = 1) AS rejected1,
            SUM({received} AND c.merged_into IS NULL AND c.status = 'rejected' AND c.rejection_category = 2) AS rejected2,
            SUM({received} AND c.merged_into IS NULL AND c.status = 'rejected' AND c.rejection_category = 3) AS rejected3,
            SUM({received} AND c.merged_into IS NULL AND c.status = 'rejected' AND c.rejection_category = 4) AS rejected4,
            SUM({closed}) AS closed,
            SUM({closed} AND ({due} IS NULL OR c.closed_at <= {due})) AS on_time,
            SUM(({closed} AND c.closed_at > {due})
                OR (c.received_at < ?2 AND (c.closed_at IS NULL OR c.closed_at >= ?2)
                    AND c.status NOT IN ('rejected', 'screening') AND {due} < ?2)) AS overdue,
            SUM({received} AND c.merged_into IS NULL AND c.kind = 'complaint') AS complaints,
            SUM(ev.qc_first) AS qc_first,
            SUM(ev.qc_first_pass) AS qc_first_pass,
            SUM(ev.reached) AS reached,
            SUM(ev.satisfied) AS satisfied,
            SUM(ev.returned) AS returned
         FROM cases c LEFT JOIN due ON due.case_id = c.id LEFT JOIN ev ON ev.case_id = c.id
         WHERE {filter}
         GROUP BY {group} ORDER BY {group}"
    );
    let mut params: Vec<SqlValue> = vec![start.into(), end.into()];
    params.extend(filter_params);
    let rows = db.execute(&sql, &params)?;
    rows.iter()
        .map(|r| {
            let n = |c: &str| r.get_opt_integer(c).map(|v| v.unwrap_or(0));
            let (received, closed, on_time) = (n("received")?, n("closed")?, n("on_time")?);
            let complaints = n("complaints")?;
            Ok(Row {
                group: r.text("grp")?.to_string(),
                received,
                duplicates: n("duplicates")?,
                accepted: n("accepted")?,
                screening: n("screening")?,
                rejected: (1..=4)
                    .map(|k| Ok((k.to_string(), n(&format!("rejected{k}"))?)))
                    .collect::<Result<_, crate::db::DbError>>()?,
                closed,
                closed_on_time: on_time,
                overdue: n("overdue")?,
                on_time_rate: Rate::of(on_time, closed),
                qc_first_pass_rate: Rate::of(n("qc_first_pass")?, n("qc_first")?),
                satisfaction_rate: Rate::of(n("satisfied")?, n("reached")?),
                complaints,
                complaint_rate: Rate::of(complaints, received),
                reviews_returned: n("returned")?,
            })
        })
        .collect::<Result<Vec<_>, crate::db::DbError>>()
        .map_err(StatsError::from)
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

/// A unit that needs attention (Art. 9: its head takes hotline shifts),
/// with every threshold it tripped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    /// The unit (or county).
    pub group: String,
    /// The thresholds tripped.
    pub reasons: Vec<&'static str>,
}

/// The groups of `rows` that trip the county's thresholds.
pub fn attention(rows: &[Row], t: &AttentionThresholds) -> Vec<Attention> {
    rows.iter()
        .filter_map(|r| {
            let reasons = t.tripped(
                r.complaints,
                r.satisfaction_rate.value,
                r.overdue,
                r.on_time_rate.value,
            );
            (!reasons.is_empty()).then(|| Attention {
                group: r.group.clone(),
                reasons,
            })
        })
        .collect()
}

/// The groups ranked: on-time rate, then satisfaction rate, best first
/// (no data last), then by name.
pub fn ranking(rows: &[Row]) -> Vec<String> {
    let mut ranked: Vec<&Row> = rows.iter().collect();
    let key = |r: &Rate| r.value.unwrap_or(-1.0);
    ranked.sort_by(|a, b| {
        key(&b.on_time_rate)
            .total_cmp(&key(&a.on_time_rate))
            .then(key(&b.satisfaction_rate).total_cmp(&key(&a.satisfaction_rate)))
            .then(a.group.cmp(&b.group))
    });
    ranked.into_iter().map(|r| r.group.clone()).collect()
}

/// The rows as CSV (UTF-8 with BOM, Chinese headers; "无数据" for no data).
pub fn csv(rows: &[Row]) -> String {
    let rate = |r: &Rate| match r.value {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "无数据".to_string(),
    };
    crate::csv::document(
        &[
            "分组",
            "受理量",
            "重复件",
            "受理",
            "审核中",
            "不予受理(一)",
            "不予受理(二)",
            "不予受理(三)",
            "不予受理(四)",
            "办结",
            "按期办结",
            "超期",
            "按期办结率",
            "质检一次通过率",
            "回访满意率",
            "投诉量",
            "被投诉率",
            "复查退回",
        ],
        rows.iter().map(|r| {
            let cat = |k: &str| r.rejected.get(k).copied().unwrap_or(0).to_string();
            vec![
                r.group.clone(),
                r.received.to_string(),
                r.duplicates.to_string(),
                r.accepted.to_string(),
                r.screening.to_string(),
                cat("1"),
                cat("2"),
                cat("3"),
                cat("4"),
                r.closed.to_string(),
                r.closed_on_time.to_string(),
                r.overdue.to_string(),
                rate(&r.on_time_rate),
                rate(&r.qc_first_pass_rate),
                rate(&r.satisfaction_rate),
                r.complaints.to_string(),
                rate(&r.complaint_rate),
                r.reviews_returned.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
#[path = "statistics_tests.rs"]
mod tests;
