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
//! - **follow-up satisfaction rate** (回访满意率): calls in the period
//!   answered satisfied or basically satisfied ÷ calls that reached the
//!   submitter;
//! - **submitter satisfaction rate** (诉求人评价满意率): ratings the
//!   submitters gave in the period, satisfied or basically satisfied ÷
//!   ratings given — their own word, counted apart from the calls;
//! - **complaints** and **complaint rate** (被投诉率) = complaints received ÷
//!   received; **reviews returned** in the period.
//!
//! Receipts, closings and events are summed from the table the database
//! keeps by day as cases change (`store::daily`: a QC decision, a call or
//! a returned review counts for the unit handling the case at the time);
//! only the cases open past their deadline at a period's end are read
//! from the cases themselves.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::FieldError;
use crate::case::stored::StoreError;
use crate::case::words::Role;

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per county.
    County,
    /// One row per lead unit (cases not yet routed are left out).
    Unit,
    /// One row per week (Monday to Sunday, labelled by its Monday).
    Week,
    /// One row per month (labelled YYYY-MM).
    Month,
}

text_enum!(GroupBy {
    County = "county",
    Unit = "unit",
    Week = "week",
    Month = "month",
});

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
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
pub struct StatsRow {
    /// The county code or the unit id.
    pub group: String,
    /// The unit's name in the directory, for rows by unit.
    pub group_name: Option<String>,
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
    /// satisfied or basically satisfied ÷ ratings the submitters gave
    /// themselves (诉求人评价满意率).
    pub citizen_satisfaction_rate: Rate,
    /// Complaints received.
    pub complaints: i64,
    /// complaints ÷ received (被投诉率).
    pub complaint_rate: Rate,
    /// Reviews that returned a case to its unit.
    pub reviews_returned: i64,
    /// Working days from receipt to closing, over the cases closed: the
    /// average working days to close (numerator: the days, denominator:
    /// the cases).
    pub working_days_to_close_avg: Rate,
    #[serde(skip)]
    working_days_to_close: i64,
    #[serde(skip)]
    qc_first: i64,
    #[serde(skip)]
    qc_first_pass: i64,
    #[serde(skip)]
    reached: i64,
    #[serde(skip)]
    satisfied: i64,
    #[serde(skip)]
    rated: i64,
    #[serde(skip)]
    rated_satisfied: i64,
}

impl StatsRow {
    fn empty(group: &str) -> Self {
        Self {
            group: group.to_string(),
            group_name: None,
            received: 0,
            duplicates: 0,
            accepted: 0,
            screening: 0,
            rejected: (1..=4).map(|k| (k.to_string(), 0)).collect(),
            closed: 0,
            closed_on_time: 0,
            overdue: 0,
            on_time_rate: Rate::of(0, 0),
            qc_first_pass_rate: Rate::of(0, 0),
            satisfaction_rate: Rate::of(0, 0),
            citizen_satisfaction_rate: Rate::of(0, 0),
            complaints: 0,
            complaint_rate: Rate::of(0, 0),
            reviews_returned: 0,
            working_days_to_close_avg: Rate::of(0, 0),
            working_days_to_close: 0,
            qc_first: 0,
            qc_first_pass: 0,
            reached: 0,
            satisfied: 0,
            rated: 0,
            rated_satisfied: 0,
        }
    }

    /// The rates from the counts.
    fn finish(mut self) -> Self {
        self.on_time_rate = Rate::of(self.closed_on_time, self.closed);
        self.qc_first_pass_rate = Rate::of(self.qc_first_pass, self.qc_first);
        self.satisfaction_rate = Rate::of(self.satisfied, self.reached);
        self.citizen_satisfaction_rate = Rate::of(self.rated_satisfied, self.rated);
        self.complaint_rate = Rate::of(self.complaints, self.received);
        self.working_days_to_close_avg = Rate::of(self.working_days_to_close, self.closed);
        self
    }
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

impl From<crate::base::db::DbError> for StatsError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl StatsQuery {
    /// Reads `from`, `to` (required, `from` ≤ `to`, at most 3 years),
    /// `group_by` (`county` by default), `county`, `unit`, `channel`,
    /// `kind`; every bad one named.
    pub fn from_query(q: &BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut date = |name: &str| match q.get(name).map(|v| crate::base::clock::day(v)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
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
                errors.push(FieldError::new(
                    "group_by",
                    "invalid",
                    "county, unit, week or month",
                ));
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

/// One period rows are counted over: a week (from Monday), a month, or
/// the whole query for rows by county or unit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Period {
    /// Its label: the week's Monday, the month (YYYY-MM), or empty.
    key: String,
    /// Its first instant (text, China time), clipped to the query.
    start: String,
    /// The instant after it, clipped to the query.
    end: String,
}

fn day_start(d: NaiveDate) -> String {
    format!("{d}T00:00:00+08:00")
}

/// The periods of a query: one for rows by county or unit; each week
/// (Monday to Sunday) or month touching `[from, to]`, clipped to it.
fn periods(q: &StatsQuery) -> Vec<Period> {
    let end = q.to.succ_opt().unwrap_or(q.to);
    let start_of = |d: NaiveDate| -> NaiveDate {
        match q.group_by {
            GroupBy::Week => {
                d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
            }
            _ => d.with_day(1).unwrap_or(d),
        }
    };
    let next = |d: NaiveDate| -> NaiveDate {
        match q.group_by {
            GroupBy::Week => d + chrono::Duration::days(7),
            _ => d.checked_add_months(chrono::Months::new(1)).unwrap_or(end),
        }
    };
    match q.group_by {
        GroupBy::County | GroupBy::Unit => vec![Period {
            key: String::new(),
            start: day_start(q.from),
            end: day_start(end),
        }],
        GroupBy::Week | GroupBy::Month => {
            let mut out = Vec::new();
            let mut at = start_of(q.from);
            while at < end {
                let after = next(at);
                out.push(Period {
                    key: match q.group_by {
                        GroupBy::Week => at.to_string(),
                        _ => at.format("%Y-%m").to_string(),
                    },
                    start: day_start(at.max(q.from)),
                    end: day_start(after.min(end)),
                });
                at = after;
            }
            out
        }
    }
}

/// The statistics `who` may read: the bureau and supervisors all rows, a
/// unit its own only (by unit, or its own weeks or months). Working days
/// to close are counted on `calendar`.
pub fn rows(
    db: &impl Db,
    who: &Principal,
    q: &StatsQuery,
    calendar: &crate::time::calendar::Calendar,
) -> Result<Vec<StatsRow>, StatsError> {
    let mut q = q.clone();
    match who.role {
        Role::Bureau | Role::Supervisor => {}
        Role::Unit => {
            if q.group_by == GroupBy::County {
                q.group_by = GroupBy::Unit;
            }
            q.unit = who.unit.as_ref().map(|u| u.as_str().to_string());
        }
        role => return Err(StatsError::Role(role)),
    }
    let periods = periods(&q);
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Ok(Vec::new());
    };
    let (start, end) = (first.start.clone(), last.end.clone());
    // Which group a day falls in, in the daily table `s` or on cases `c`.
    let key = |day: &str, table: &str| match q.group_by {
        GroupBy::County => format!("{table}.county"),
        GroupBy::Unit if table == "s" => "s.unit".to_string(),
        GroupBy::Unit => "c.lead_unit".to_string(),
        GroupBy::Month => format!("substr({day}, 1, 7)"),
        GroupBy::Week => format!(
            "date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"
        ),
    };
    // The filters, on the daily table or on cases.
    let filter = |table: &str| -> (String, Vec<SqlValue>) {
        let mut sql = vec!["1".to_string()];
        let mut params = Vec::new();
        if q.group_by == GroupBy::Unit {
            sql.push(match table {
                "s" => "s.unit != ''".to_string(),
                _ => "c.lead_unit IS NOT NULL".to_string(),
            });
        }
        for (column, value) in [
            ("county", &q.county),
            (if table == "s" { "unit" } else { "lead_unit" }, &q.unit),
            ("channel", &q.channel),
            ("kind", &q.kind),
        ] {
            if let Some(v) = value {
                sql.push(format!("{table}.{column} = ?"));
                params.push(v.as_str().into());
            }
        }
        (sql.join(" AND "), params)
    };
    let mut groups: BTreeMap<String, StatsRow> = BTreeMap::new();
    if matches!(q.group_by, GroupBy::Week | GroupBy::Month) {
        // Every period is a row, those with nothing in them too.
        for p in &periods {
            groups.insert(p.key.clone(), StatsRow::empty(&p.key));
        }
    }
    let int = |r: &crate::base::db::Row<'_>, c: &str| r.get_opt_integer(c).map(|v| v.unwrap_or(0));

    // Receipts (as the cases stand now), closings and events, each on its
    // day: summed from the table kept by day.
    let (daily_filter, mut params) = filter("s");
    params.splice(0..0, [q.from.to_string().into(), q.to.to_string().into()]);
    let daily = db.execute(
        &format!(
            "SELECT {g} AS grp,
                SUM(received) AS received, SUM(duplicates) AS duplicates, SUM(accepted) AS accepted,
                SUM(screening) AS screening, SUM(rejected1) AS rejected1, SUM(rejected2) AS rejected2,
                SUM(rejected3) AS rejected3, SUM(rejected4) AS rejected4, SUM(complaints) AS complaints,
                SUM(closed) AS closed, SUM(closed_on_time) AS on_time, SUM(working_days) AS working_days,
                SUM(qc_first) AS qc_first, SUM(qc_first_pass) AS qc_first_pass, SUM(reached) AS reached,
                SUM(satisfied) AS satisfied, SUM(returned) AS returned,
                SUM(rated) AS rated, SUM(rated_satisfied) AS rated_satisfied
             FROM stats_days s
             WHERE s.day >= ? AND s.day <= ? AND {daily_filter}
             GROUP BY grp
             HAVING SUM(received) + SUM(duplicates) + SUM(closed) + SUM(qc_first) + SUM(reached)
                  + SUM(returned) + SUM(rated) > 0",
            g = key("s.day", "s")
        ),
        &params,
    )?;
    for r in daily.iter() {
        let row = group(&mut groups, r.text("grp")?);
        row.received = int(&r, "received")?;
        row.duplicates = int(&r, "duplicates")?;
        row.accepted = int(&r, "accepted")?;
        row.screening = int(&r, "screening")?;
        for k in 1..=4 {
            row.rejected
                .insert(k.to_string(), int(&r, &format!("rejected{k}"))?);
        }
        row.complaints = int(&r, "complaints")?;
        row.closed = int(&r, "closed")?;
        row.closed_on_time = int(&r, "on_time")?;
        row.overdue = row.closed - row.closed_on_time;
        row.working_days_to_close = int(&r, "working_days")?;
        row.qc_first = int(&r, "qc_first")?;
        row.qc_first_pass = int(&r, "qc_first_pass")?;
        row.reached = int(&r, "reached")?;
        row.satisfied = int(&r, "satisfied")?;
        row.reviews_returned = int(&r, "returned")?;
        row.rated = int(&r, "rated")?;
        row.rated_satisfied = int(&r, "rated_satisfied")?;
    }

    let (filter, filter_params) = filter("c");
    let params = |extra: &[SqlValue]| -> Vec<SqlValue> {
        let mut p: Vec<SqlValue> = vec![start.as_str().into(), end.as_str().into()];
        p.extend(extra.iter().cloned());
        p.extend(filter_params.iter().cloned());
        p
    };

    // Closings whose working days are not counted yet (none normally; the
    // scan counts them): counted here on the calendar, by receipt and
    // closing day, so the calendar counts each pair once.
    let uncounted = db.execute(
        &format!(
            "SELECT {g} AS grp, substr(c.received_at, 1, 10) AS rday, substr(c.closed_at, 1, 10) AS cday,
                COUNT(*) AS n
             FROM cases c
             WHERE c.closed_at >= ?1 AND c.closed_at < ?2 AND c.working_days_to_close IS NULL AND {filter}
             GROUP BY grp, rday, cday",
            g = key("substr(c.closed_at, 1, 10)", "c")
        ),
        &params(&[]),
    )?;
    for r in uncounted.iter() {
        let days = match (
            r.text("rday")?.parse::<NaiveDate>(),
            r.text("cday")?.parse::<NaiveDate>(),
        ) {
            (Ok(a), Ok(b)) => i64::from(calendar.working_days_between(a, b)),
            _ => return Err(StoreError::Corrupt("a case instant that is no date".into()).into()),
        };
        group(&mut groups, r.text("grp")?).working_days_to_close += int(&r, "n")? * days;
    }

    // Open at a period's end past the deadline: the cases still open past
    // it, and those closed late after that end. Counted by deadline day
    // and closing day: a period ending (at 00:00) on day E counts a case
    // due before E and not closed before E.
    let g = match q.group_by {
        GroupBy::County => "c.county",
        GroupBy::Unit => "c.lead_unit",
        GroupBy::Week | GroupBy::Month => "''",
    };
    // Each read from the index that holds what it reads (never the unit's
    // index, which would read every case of the unit).
    let late_sql = |index: &str, which: &str| {
        format!(
            "SELECT {g} AS grp, substr(c.finish_due_at, 1, 10) AS dday, substr(c.closed_at, 1, 10) AS cday,
                    COUNT(*) AS n
             FROM cases c INDEXED BY {index}
             WHERE {which} AND c.finish_due_at < ?2
               AND c.status NOT IN ('rejected', 'screening') AND {filter}
             GROUP BY grp, dday, cday"
        )
    };
    let still_open = db.execute(
        &late_sql("cases_open_due", "c.closed_at IS NULL AND ?1 IS NOT NULL"),
        &params(&[]),
    )?;
    let closed_later = db.execute(
        &late_sql(
            "cases_closed_late",
            "c.closed_at > c.finish_due_at AND c.closed_at >= ?3",
        ),
        &params(&[first.end.as_str().into()]),
    )?;
    let ends: Vec<(String, String)> = periods
        .iter()
        .map(|p| (p.key.clone(), p.end[..10].to_string()))
        .collect();
    for r in still_open.iter().chain(closed_later.iter()) {
        let due_day = r.text("dday")?;
        let closed_day = r.opt_text("cday")?;
        let n = int(&r, "n")?;
        for (key, end_day) in &ends {
            if due_day < end_day.as_str() && closed_day.is_none_or(|c| end_day.as_str() <= c) {
                let key = if key.is_empty() {
                    r.text("grp")?
                } else {
                    key.as_str()
                };
                group(&mut groups, key).overdue += n;
            }
        }
    }
    let mut out: Vec<StatsRow> = groups.into_values().map(StatsRow::finish).collect();
    if q.group_by == GroupBy::Unit {
        let names = crate::directory::unit_rows::names(db, out.iter().map(|r| r.group.as_str()))?;
        for row in &mut out {
            row.group_name = names.get(&row.group).cloned();
        }
    }
    Ok(out)
}

/// The row of group `key`, made when first met.
fn group<'a>(groups: &'a mut BTreeMap<String, StatsRow>, key: &str) -> &'a mut StatsRow {
    groups
        .entry(key.to_string())
        .or_insert_with(|| StatsRow::empty(key))
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
pub fn attention(rows: &[StatsRow], t: &AttentionThresholds) -> Vec<Attention> {
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
pub fn ranking(rows: &[StatsRow]) -> Vec<String> {
    let mut ranked: Vec<&StatsRow> = rows.iter().collect();
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
pub fn csv(rows: &[StatsRow]) -> String {
    let rate = |r: &Rate| match r.value {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "无数据".to_string(),
    };
    crate::base::csv::document(
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
            "诉求人评价满意率",
            "投诉量",
            "被投诉率",
            "复查退回",
            "平均办结工作日",
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
                rate(&r.citizen_satisfaction_rate),
                r.complaints.to_string(),
                rate(&r.complaint_rate),
                r.reviews_returned.to_string(),
                match r.working_days_to_close_avg.value {
                    Some(v) => format!("{v:.1}"),
                    None => "无数据".to_string(),
                },
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    //! Statistics against real SQLite: cases with known outcomes counted by
    //! hand, compared with the aggregates.

    use super::*;

    use crate::base::test_support::{migrated_db, store_case};
    use crate::time::working_days;
    use serde_json::json;

    fn who(role: Role, unit: Option<&str>) -> Principal {
        Principal {
            subject: "x".into(),
            name: "测试人员".into(),
            role,
            unit: unit.map(|u| u.parse().expect("unit")),
            leader: false,
        }
    }

    fn cal() -> crate::time::calendar::Calendar {
        crate::time::calendar::Calendar::official()
    }

    fn november(group_by: GroupBy) -> StatsQuery {
        StatsQuery {
            from: "2025-11-01".parse().expect("date"),
            to: "2025-11-30".parse().expect("date"),
            group_by,
            county: None,
            unit: None,
            channel: None,
            kind: None,
        }
    }

    /// A case received at `at`, then set as the test says.
    fn case(db: &crate::base::db::NativeDb, n: u8, kind: &str, at: &str, set: &str) -> i64 {
        let body = json!({"channel": "online_platform", "kind": kind, "title": "路灯不亮",
        "content": format!("第{n}件：九州路路灯已坏一周，请尽快维修。"), "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234{:04}", n)}});
        let id = store_case(db, n, body, at).get();
        if !set.is_empty() {
            db.execute(
                &format!("UPDATE cases SET {set} WHERE id = ?"),
                &[id.into()],
            )
            .expect("set");
        }
        id
    }

    fn due(db: &crate::base::db::NativeDb, case: i64, at: &str) {
        db.execute(
        "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at, verified, reason, set_at)
         VALUES (?, 'finish', 5, substr(?, 1, 10), ?, 1, 'routed', ?)",
        &[case.into(), at.into(), at.into(), at.into()],
    )
    .expect("deadline");
    }

    fn event(
        db: &crate::base::db::NativeDb,
        case: i64,
        at: &str,
        kind: &str,
        data: serde_json::Value,
    ) {
        db.execute(
        "INSERT INTO case_events (case_id, at, actor_role, type, article, data) VALUES (?, ?, 'bureau', ?, 'Art. 6', ?)",
        &[case.into(), at.into(), kind.into(), data.to_string().into()],
    )
    .expect("event");
    }

    #[test]
    fn the_figures_of_a_month_match_the_cases_counted_by_hand() {
        let db = migrated_db();
        let lead = "lead_unit = 'qibin-urban', status = 'closed'";
        let a = case(
            &db,
            1,
            "complaint",
            "2025-11-03T09:00:00+08:00",
            &format!("{lead}, closed_at = '2025-11-05T10:00:00+08:00'"),
        );
        let b = case(
            &db,
            2,
            "complaint",
            "2025-11-03T10:00:00+08:00",
            &format!("{lead}, closed_at = '2025-11-12T10:00:00+08:00'"),
        );
        let c = case(
            &db,
            3,
            "consultation",
            "2025-11-04T09:00:00+08:00",
            "lead_unit = 'qibin-urban', status = 'handling'",
        );
        case(
            &db,
            4,
            "consultation",
            "2025-11-05T09:00:00+08:00",
            "status = 'rejected', rejection_category = 3",
        );
        case(
            &db,
            5,
            "complaint",
            "2025-11-06T09:00:00+08:00",
            &format!("status = 'rejected', rejection_category = 2, merged_into = {a}"),
        );
        case(
            &db,
            6,
            "complaint",
            "2025-10-15T09:00:00+08:00",
            "status = 'handling'",
        );
        due(&db, a, "2025-11-10T23:59:59+08:00");
        due(&db, b, "2025-11-10T23:59:59+08:00");
        due(&db, c, "2025-11-20T23:59:59+08:00");
        event(
            &db,
            a,
            "2025-11-04T09:00:00+08:00",
            "qc_failed",
            json!({"round": 1}),
        );
        event(
            &db,
            a,
            "2025-11-05T09:00:00+08:00",
            "qc_passed",
            json!({"round": 2}),
        );
        event(
            &db,
            b,
            "2025-11-11T09:00:00+08:00",
            "qc_passed",
            json!({"round": 1}),
        );
        event(
            &db,
            a,
            "2025-11-20T09:00:00+08:00",
            "followed_up",
            json!({"result": "satisfied"}),
        );
        event(
            &db,
            b,
            "2025-11-20T09:00:00+08:00",
            "followed_up",
            json!({"result": "unreachable"}),
        );
        // The submitters' own ratings: a satisfied, b not; one given in
        // December counts there.
        for (case, satisfaction, at) in [
            (a, "satisfied", "2025-11-06T09:00:00+08:00"),
            (b, "dissatisfied", "2025-11-13T09:00:00+08:00"),
            (c, "satisfied", "2025-12-01T09:00:00+08:00"),
        ] {
            db.execute(
                "INSERT INTO citizen_feedback (case_id, closure, satisfaction, review_requested, at, comment)
                 VALUES (?, 1, ?, 0, ?, '还行')",
                &[case.into(), satisfaction.into(), at.into()],
            )
            .expect("rated");
        }

        let bureau = who(Role::Bureau, None);
        let county = rows(&db, &bureau, &november(GroupBy::County), &cal()).expect("counts");
        assert_eq!(county.len(), 1);
        let r = &county[0];
        assert_eq!(r.group, "410611000");
        assert_eq!(
            (
                r.received,
                r.duplicates,
                r.accepted,
                r.screening,
                r.rejected["3"],
                r.rejected["2"]
            ),
            (4, 1, 3, 0, 1, 0)
        );
        assert_eq!((r.closed, r.closed_on_time, r.overdue), (2, 1, 2));
        assert_eq!(
            r.on_time_rate,
            Rate {
                numerator: 1,
                denominator: 2,
                value: Some(0.5)
            }
        );
        assert_eq!(
            (
                r.qc_first_pass_rate.numerator,
                r.qc_first_pass_rate.denominator
            ),
            (1, 2)
        );
        assert_eq!(
            (
                r.satisfaction_rate.numerator,
                r.satisfaction_rate.denominator
            ),
            (1, 1)
        );
        assert_eq!(
            r.citizen_satisfaction_rate,
            Rate {
                numerator: 1,
                denominator: 2,
                value: Some(0.5)
            },
            "the submitters' own word, apart from the one follow-up call"
        );
        assert_eq!((r.complaints, r.complaint_rate.value), (2, Some(0.5)));
        // Received Monday 11-03: closed Wednesday 11-05 after 2 working days,
        // the other on 11-12 after 7 (the weekend not counted).
        assert_eq!(
            r.working_days_to_close_avg,
            Rate {
                numerator: 9,
                denominator: 2,
                value: Some(4.5)
            }
        );

        // By week (Monday to Sunday, the first clipped to November) and by
        // month: each measure in the week it happened; open past the deadline
        // at a week's end counts in that week.
        let weeks = rows(&db, &bureau, &november(GroupBy::Week), &cal()).expect("weeks");
        let seen: Vec<(&str, i64, i64, i64)> = weeks
            .iter()
            .map(|w| (w.group.as_str(), w.received, w.closed, w.overdue))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("2025-10-27", 0, 0, 0),
                ("2025-11-03", 4, 1, 0),
                ("2025-11-10", 0, 1, 1),
                ("2025-11-17", 0, 0, 1),
                ("2025-11-24", 0, 0, 1),
            ]
        );
        assert_eq!(
            weeks[0].on_time_rate.value, None,
            "an empty week has no data"
        );
        let months = rows(&db, &bureau, &november(GroupBy::Month), &cal()).expect("months");
        assert_eq!(months.len(), 1);
        assert_eq!(
            (
                months[0].group.as_str(),
                months[0].received,
                months[0].closed,
                months[0].overdue
            ),
            ("2025-11", 4, 2, 2)
        );
        // A unit gets its own weeks.
        let own_weeks = rows(
            &db,
            &who(Role::Unit, Some("qibin-water")),
            &november(GroupBy::Week),
            &cal(),
        )
        .expect("weeks");
        assert!(own_weeks.iter().all(|w| w.received == 0 && w.closed == 0));

        // Per unit: the rejected case has no unit.
        let units = rows(&db, &bureau, &november(GroupBy::Unit), &cal()).expect("counts");
        assert_eq!(
            (units.len(), units[0].group.as_str(), units[0].received),
            (1, "qibin-urban", 3)
        );
        // A unit reads its own row only; another unit has none.
        let own = rows(
            &db,
            &who(Role::Unit, Some("qibin-urban")),
            &november(GroupBy::County),
            &cal(),
        )
        .expect("counts");
        assert_eq!((own.len(), own[0].group.as_str()), (1, "qibin-urban"));
        assert!(rows(
            &db,
            &who(Role::Unit, Some("qibin-water")),
            &november(GroupBy::County),
            &cal()
        )
        .expect("counts")
        .is_empty());
        assert_eq!(
            rows(
                &db,
                &who(Role::Agent, None),
                &november(GroupBy::County),
                &cal()
            ),
            Err(StatsError::Role(Role::Agent))
        );
        // A month with nothing closed: no data, not 0 %.
        let october = StatsQuery {
            from: "2025-10-01".parse().expect("date"),
            to: "2025-10-31".parse().expect("date"),
            ..november(GroupBy::County)
        };
        let r = &rows(&db, &bureau, &october, &cal()).expect("counts")[0];
        assert_eq!((r.received, r.on_time_rate.value), (1, None));
        let doc = csv(&rows(&db, &bureau, &october, &cal()).expect("counts"));
        assert!(doc.starts_with("\u{FEFF}分组,受理量"), "{doc}");
        assert!(doc.contains(",回访满意率,诉求人评价满意率,"), "{doc}");
        assert!(doc.contains("无数据"));
    }

    #[test]
    fn a_bad_period_is_refused_with_the_field_named() {
        let q = |pairs: &[(&str, &str)]| {
            StatsQuery::from_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let fields = |r: Result<StatsQuery, Vec<FieldError>>| {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(q(&[("to", "2025-11-30")])), vec!["from"]);
        assert_eq!(
            fields(q(&[("from", "2025-12-01"), ("to", "2025-11-30")])),
            vec!["to"]
        );
        assert_eq!(
            fields(q(&[
                ("from", "2025-11-01"),
                ("to", "2025-11-30"),
                ("group_by", "fortnight")
            ])),
            vec!["group_by"]
        );
        assert!(q(&[("from", "2025-11-01"), ("to", "2025-11-30")]).is_ok());
    }

    #[test]
    fn groups_tripping_the_countys_thresholds_need_attention_with_every_reason() {
        let rows_of = |complaints: i64, satisfied: i64, reached: i64, overdue: i64| {
            let mut row = StatsRow::empty("qibin-urban");
            row.received = complaints;
            row.accepted = complaints;
            row.complaints = complaints;
            row.overdue = overdue;
            row.satisfied = satisfied;
            row.reached = reached;
            row.finish()
        };
        let t = AttentionThresholds {
            max_complaints: 4,
            min_satisfaction_rate: 0.8,
            max_overdue: 3,
            min_on_time_rate: 0.9,
        };
        let list = attention(&[rows_of(4, 0, 1, 3)], &t);
        assert_eq!(
            list,
            vec![Attention {
                group: "qibin-urban".into(),
                reasons: vec![
                    "concentrated_complaints",
                    "low_satisfaction",
                    "many_overdue"
                ],
            }]
        );
        // No follow-up reached anyone and nothing closed: no data trips nothing.
        assert_eq!(attention(&[rows_of(3, 0, 0, 2)], &t), vec![]);
    }

    /// The non-empty rows of the table kept by day.
    fn daily(db: &crate::base::db::NativeDb) -> Vec<String> {
        db.execute(
        "SELECT day || ' ' || county || ' ' || unit || ' ' || channel || ' ' || kind || ': '
            || received || ' ' || duplicates || ' ' || accepted || ' ' || screening || ' '
            || rejected1 || rejected2 || rejected3 || rejected4 || ' ' || complaints || ' | '
            || closed || ' ' || closed_on_time || ' ' || working_days || ' | '
            || qc_first || ' ' || qc_first_pass || ' ' || reached || ' ' || satisfied || ' ' || returned
            || ' | ' || rated || ' ' || rated_satisfied AS line
         FROM stats_days
         WHERE received + duplicates + accepted + screening + rejected1 + rejected2 + rejected3
             + rejected4 + complaints + closed + closed_on_time + working_days + qc_first
             + qc_first_pass + reached + satisfied + returned + rated + rated_satisfied != 0
         ORDER BY line",
        &[],
    )
    .expect("reads")
    .iter()
    .map(|r| r.text("line").expect("line").to_string())
    .collect()
    }

    #[test]
    fn the_table_kept_by_day_equals_one_counted_afresh_after_every_kind_of_change() {
        let db = migrated_db();
        let set = |case: i64, set: &str| {
            db.execute(
                &format!("UPDATE cases SET {set} WHERE id = ?"),
                &[case.into()],
            )
            .expect("set");
        };
        let a = case(&db, 1, "complaint", "2025-11-03T09:00:00+08:00", "");
        let b = case(&db, 2, "consultation", "2025-11-03T10:00:00+08:00", "");
        let c = case(&db, 3, "complaint", "2025-11-04T09:00:00+08:00", "");
        // Screened, accepted, routed, reassigned; a proposal; a rejection; a
        // merged repeat.
        set(a, "status = 'accepted'");
        set(a, "status = 'handling', lead_unit = 'qibin-urban'");
        set(a, "lead_unit = 'qibin-water'");
        set(b, "status = 'screening'");
        set(b, "status = 'rejected', rejection_category = 3");
        set(
            c,
            &format!("status = 'rejected', rejection_category = 2, merged_into = {a}"),
        );
        // Closed late, given a later deadline (now on time), reopened by a
        // review, closed again on another day with its working days counted.
        set(
            a,
            "status = 'closed', closed_at = '2025-11-12T10:00:00+08:00'",
        );
        due(&db, a, "2025-11-10T23:59:59+08:00");
        due(&db, a, "2025-11-14T23:59:59+08:00");
        event(
            &db,
            a,
            "2025-11-11T09:00:00+08:00",
            "qc_passed",
            json!({"round": 1}),
        );
        set(a, "status = 'under_review', closed_at = NULL");
        event(
            &db,
            a,
            "2025-11-13T09:00:00+08:00",
            "review_returned",
            json!({}),
        );
        set(
            a,
            "status = 'closed', closed_at = '2025-11-17T10:00:00+08:00'",
        );
        working_days::count_working_days_to_close(&db, &cal(), None, 10).expect("counts");
        event(
            &db,
            a,
            "2025-11-20T09:00:00+08:00",
            "followed_up",
            json!({"result": "satisfied"}),
        );
        // The submitter's own ratings: one per closure, counted on their day.
        for (closure, satisfaction, at) in [
            (1, "dissatisfied", "2025-11-12T12:00:00+08:00"),
            (2, "basically_satisfied", "2025-11-18T12:00:00+08:00"),
        ] {
            db.execute(
                "INSERT INTO citizen_feedback (case_id, closure, satisfaction, review_requested, at)
                 VALUES (?, ?, ?, 0, ?)",
                &[a.into(), closure.into(), satisfaction.into(), at.into()],
            )
            .expect("rated");
        }
        let kept = daily(&db);
        assert!(
            kept.iter()
                .any(|l| l.starts_with("2025-11-18 410611000 qibin-water") && l.ends_with("| 1 1")),
            "a basically satisfied rating on 11-18 for the unit: {kept:#?}"
        );
        assert!(
            kept.iter().any(|l| {
                l.starts_with(
            "2025-11-17 410611000 qibin-water online_platform complaint: 0 0 0 0 0000 0 | 1 0 10 |"
        )
            }),
            "closed on 11-17 after 10 working days, late: {kept:#?}"
        );

        db.execute("DELETE FROM stats_days", &[]).expect("empties");
        for sql in &crate::base::schema::stats_days::MIGRATION[3..6] {
            db.execute(sql, &[]).expect("counts afresh");
        }
        db.execute(crate::base::schema::citizen_ratings::COUNT_RATINGS, &[])
            .expect("counts the ratings afresh");
        assert_eq!(daily(&db), kept);
    }

    #[test]
    fn working_days_to_close_are_kept_when_a_case_closes_and_counted_again_when_its_year_is_loaded()
    {
        let db = migrated_db();
        let a = case(
            &db,
            1,
            "complaint",
            "2025-11-03T09:00:00+08:00",
            "status = 'closed', lead_unit = 'qibin-urban', closed_at = '2025-11-12T10:00:00+08:00'",
        );
        let kept = |db: &crate::base::db::NativeDb| {
            db.execute(
                "SELECT working_days_to_close AS n FROM cases WHERE id = ?",
                &[a.into()],
            )
            .expect("reads")
            .row(0)
            .and_then(|r| r.get_opt_integer("n").expect("n"))
        };
        // The working days November's closings took, as the statistics say.
        let november_days = |db: &crate::base::db::NativeDb| {
            rows(
                db,
                &who(Role::Bureau, None),
                &november(GroupBy::County),
                &cal(),
            )
            .expect("counts")[0]
                .working_days_to_close_avg
                .numerator
        };
        assert_eq!(kept(&db), None, "closed by a path that did not count");
        assert_eq!(november_days(&db), 7, "counted when read");
        assert_eq!(
            working_days::count_working_days_to_close(&db, &cal(), None, 10),
            Ok(1)
        );
        assert_eq!(kept(&db), Some(7));
        assert_eq!(
            working_days::count_working_days_to_close(&db, &cal(), None, 10),
            Ok(0),
            "once"
        );
        // Loading 2026 leaves a 2025 closing alone; loading 2025 forgets it.
        working_days::forget_working_days_over(&db, 2026).expect("forgets");
        assert_eq!(kept(&db), Some(7));
        working_days::forget_working_days_over(&db, 2025).expect("forgets");
        assert_eq!(kept(&db), None);
        assert_eq!(november_days(&db), 7, "still counted when read");
    }
}
