//! Work lists (Art. 10): a unit's inbox — the cases it leads or co-handles,
//! soonest deadline first (the contact milestone is not chased until
//! contact can be recorded, as in the deadline scan), each open counted as the unit's daily look — and
//! the bureau's queues (`triage`, `stuck`, `qc`, `overdue`, `rejected`,
//! `review`), oldest first, read by the bureau and supervisors. Filters by
//! county, unit, channel and kind; pages of at most 200.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::access::Principal;
use crate::clock;
use crate::db::{Db, SqlValue};
use crate::ids::{CaseId, CountyCode, TrackingCode};
use crate::intake::{Channel, Kind};
use crate::lifecycle::{Role, Status};
use crate::store::StoreError;
use crate::units::UnitId;

/// A bureau queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Accepted, no unit: the bureau routes it.
    Triage,
    /// Received or accepted, no stage took it on for a few minutes.
    Stuck,
    /// A reply waits for the bureau's check.
    Qc,
    /// Open with a deadline past due.
    Overdue,
    /// Not accepted: to confirm or override.
    Rejected,
    /// The submitter asked for a review.
    Review,
}

text_enum!(Queue {
    Triage = "triage",
    Stuck = "stuck",
    Qc = "qc",
    Overdue = "overdue",
    Rejected = "rejected",
    Review = "review",
});

/// The most cases one page holds, and how many it holds by default.
pub const MAX_LIMIT: u32 = 200;
/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The bureau's queue (units have their own inbox).
    pub queue: Option<Queue>,
    /// Only cases of this county.
    pub county: Option<CountyCode>,
    /// Only cases this unit leads.
    pub unit: Option<UnitId>,
    /// Only cases from this channel.
    pub channel: Option<Channel>,
    /// Only cases of this kind.
    pub kind: Option<Kind>,
    /// At most this many (1 to [`MAX_LIMIT`]).
    pub limit: u32,
    /// Where the previous page ended.
    pub cursor: Option<u32>,
}

/// One case in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxItem {
    /// The case.
    pub case_id: CaseId,
    /// Its tracking code.
    pub tracking_code: TrackingCode,
    /// Its title.
    pub title: String,
    /// Where it stands.
    pub status: Status,
    /// The unit handling it.
    pub lead_unit: Option<UnitId>,
    /// The day its soonest running deadline falls due.
    pub next_due: Option<NaiveDate>,
    /// Whether a running deadline is past due.
    pub overdue: bool,
    /// Urge notices not acknowledged (warnings need none).
    pub urge_notices: i64,
}

/// One page of a list; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// The cases.
    pub cases: Vec<InboxItem>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// Why a list cannot be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InboxError {
    /// The role has no work list.
    #[error("the {0} role has no work list")]
    Role(Role),
    /// Units have their own inbox, not the bureau's queues.
    #[error("queues are the bureau's; a unit's inbox needs no queue")]
    QueueForUnit,
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::db::DbError> for InboxError {
    fn from(e: crate::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl Filter {
    /// Reads the query's `queue`, `county`, `unit`, `channel`, `kind`,
    /// `limit` (default 50, at most 200) and `cursor`; every bad one named.
    pub fn from_query(
        query: &std::collections::BTreeMap<String, String>,
    ) -> Result<Self, Vec<crate::fields::FieldError>> {
        use crate::fields::FieldError;
        let mut errors = Vec::new();
        let mut one = |name: &str, allowed: &str| {
            errors.push(FieldError::new(name, "invalid", allowed));
        };
        let mut filter = Filter {
            limit: DEFAULT_LIMIT,
            ..Filter::default()
        };
        for (name, value) in query {
            match name.as_str() {
                "queue" => match value.parse() {
                    Ok(q) => filter.queue = Some(q),
                    Err(()) => one("queue", &format!("one of: {}", Queue::ALL.join(", "))),
                },
                "county" => match value.parse() {
                    Ok(c) => filter.county = Some(c),
                    Err(_) => one("county", "a 9-digit county code"),
                },
                "unit" => match value.parse() {
                    Ok(u) => filter.unit = Some(u),
                    Err(_) => one("unit", "a unit id"),
                },
                "channel" => match value.parse() {
                    Ok(c) => filter.channel = Some(c),
                    Err(()) => one("channel", &format!("one of: {}", Channel::ALL.join(", "))),
                },
                "kind" => match value.parse() {
                    Ok(k) => filter.kind = Some(k),
                    Err(()) => one("kind", &format!("one of: {}", Kind::ALL.join(", "))),
                },
                "limit" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => filter.limit = n,
                    _ => one("limit", &format!("a whole number from 1 to {MAX_LIMIT}")),
                },
                "cursor" => match value.parse::<u32>() {
                    Ok(n) => filter.cursor = Some(n),
                    Err(_) => one("cursor", "the `next` of the previous page"),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }
}

const ITEM: &str = "SELECT c.id, c.tracking_code, c.title, c.status, c.lead_unit,
    (SELECT MIN(d.due_at) FROM case_deadlines d
      WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
        AND d.milestone != 'contact') AS next_due_at,
    (SELECT COUNT(*) FROM urge_notices u
      WHERE u.case_id = c.id AND u.acknowledged_at IS NULL AND u.level != 'warning') AS urges
    FROM cases c WHERE ";

/// The work list `who` asks for at `now`: a unit's inbox (recording the
/// unit's look today), or a bureau queue (`triage` by default) for the
/// bureau and supervisors. `stuck_after` is the scan's stuck delay.
pub fn list(
    db: &impl Db,
    who: &Principal,
    filter: &Filter,
    stuck_after: Duration,
    now: DateTime<Utc>,
) -> Result<Page, InboxError> {
    let at = clock::in_china(now);
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let order = match (who.role, filter.queue) {
        (Role::Unit, Some(_)) => return Err(InboxError::QueueForUnit),
        (Role::Unit, None) => {
            let unit = who.unit.as_ref().ok_or(InboxError::Role(Role::Unit))?;
            record_look(db, unit, &who.subject, at)?;
            clauses.push(
                "(c.lead_unit = ? OR c.id IN (SELECT case_id FROM case_co_units WHERE unit_id = ?))
                 AND c.status NOT IN ('closed', 'rejected')",
            );
            params.extend([unit.as_str().into(), unit.as_str().into()]);
            "next_due_at IS NULL, next_due_at, c.id"
        }
        (Role::Bureau | Role::Supervisor, queue) => {
            let (clause, extra) = queue_clause(queue.unwrap_or(Queue::Triage), at, stuck_after);
            clauses.push(clause);
            params.extend(extra);
            "c.received_at, c.id"
        }
        (role, _) => return Err(InboxError::Role(role)),
    };
    if let Some(county) = &filter.county {
        clauses.push("c.county = ?");
        params.push(county.as_str().into());
    }
    if let Some(unit) = &filter.unit {
        clauses.push("c.lead_unit = ?");
        params.push(unit.as_str().into());
    }
    if let Some(channel) = filter.channel {
        clauses.push("c.channel = ?");
        params.push(channel.as_str().into());
    }
    if let Some(kind) = filter.kind {
        clauses.push("c.kind = ?");
        params.push(kind.as_str().into());
    }
    let limit = filter.limit.clamp(1, MAX_LIMIT);
    let offset = filter.cursor.unwrap_or(0);
    // One more than the page, to know whether another follows.
    params.extend([i64::from(limit + 1).into(), i64::from(offset).into()]);
    let sql = format!(
        "{ITEM}{} ORDER BY {order} LIMIT ? OFFSET ?",
        clauses.join(" AND ")
    );
    let rows = db.execute(&sql, &params)?;
    let mut cases = rows
        .iter()
        .map(|r| item(r, now))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let next = (cases.len() > limit as usize).then(|| (offset + limit).to_string());
    cases.truncate(limit as usize);
    Ok(Page { cases, next })
}

fn queue_clause(
    queue: Queue,
    at: DateTime<FixedOffset>,
    stuck_after: Duration,
) -> (&'static str, Vec<SqlValue>) {
    match queue {
        Queue::Triage => ("c.status = 'accepted' AND c.lead_unit IS NULL AND c.dispatch_tried_at IS NOT NULL", vec![]),
        Queue::Stuck => (
            "c.routed_before = 0 AND c.dispatch_tried_at IS NULL AND c.status IN ('received', 'accepted')
             AND c.received_at < ? AND (c.mode IS NULL OR c.mode NOT IN ('immediate', 'direct'))",
            vec![clock::format(at - stuck_after).into()],
        ),
        Queue::Qc => ("c.status = 'awaiting_qc'", vec![]),
        Queue::Overdue => (
            "c.status NOT IN ('closed', 'rejected') AND EXISTS (SELECT 1 FROM case_deadlines d
               WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
                 AND d.milestone != 'contact' AND d.due_at < ?)",
            vec![clock::format(at).into()],
        ),
        Queue::Rejected => ("c.status = 'rejected'", vec![]),
        Queue::Review => ("c.status = 'under_review'", vec![]),
    }
}

fn item(r: crate::db::Row<'_>, now: DateTime<Utc>) -> Result<InboxItem, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("inbox: {w}"));
    let next_due_at = r
        .opt_text("next_due_at")?
        .map(|t| clock::parse(t).ok_or_else(|| corrupt("next_due_at")))
        .transpose()?;
    Ok(InboxItem {
        case_id: CaseId::new(r.integer("id")?).map_err(|_| corrupt("id"))?,
        tracking_code: r
            .text("tracking_code")?
            .parse()
            .map_err(|_| corrupt("tracking_code"))?,
        title: r.text("title")?.to_string(),
        status: r.text("status")?.parse().map_err(|_| corrupt("status"))?,
        lead_unit: r
            .opt_text("lead_unit")?
            .map(str::parse)
            .transpose()
            .map_err(|_| corrupt("lead_unit"))?,
        next_due: next_due_at.map(|t| t.date_naive()),
        overdue: next_due_at.is_some_and(|t| t.with_timezone(&Utc) < now),
        urge_notices: r.integer("urges")?,
    })
}

/// Records that `unit` opened its inbox today (the first time counts).
fn record_look(
    db: &impl Db,
    unit: &UnitId,
    subject: &str,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO unit_inbox_views (unit_id, day, first_at, subject) VALUES (?, ?, ?, ?)
         ON CONFLICT (unit_id, day) DO NOTHING",
        &[
            unit.as_str().into(),
            at.date_naive().to_string().into(),
            clock::format(at).into(),
            subject.into(),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
