//! Work lists (Art. 10): a unit's inbox — the cases it leads or co-handles,
//! soonest deadline first (the contact milestone is not chased until
//! contact can be recorded, as in the deadline scan), each open counted as the unit's daily look — and
//! the bureau's queues (`triage`, `stuck`, `qc`, `overdue`, `rejected`,
//! `follow_up`, `review`), oldest first, read by the bureau and
//! supervisors, and the units that did not look on a working day
//! (`unseen`). Filters by county, unit, channel and kind; pages of at most
//! 200, continued by a keyset cursor (a page never repeats or skips a case
//! when cases before it change).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::access::Principal;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::ids::UnitId;
use crate::base::ids::{CaseId, CountyCode, TrackingCode};
use crate::case::stored::StoreError;
use crate::case::words::{Channel, Kind};
use crate::case::words::{Role, Status};
use crate::oversight::reminder::ScanRules;
use crate::time::calendar::Calendar;

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
    /// Screening proposed not to accept: a person decides.
    Screening,
    /// The submitter asked for a review.
    Review,
    /// Closed cases drawn for a follow-up call at the county's rate, not
    /// yet called (Art. 6(一).3, 6(二).3).
    FollowUp,
    /// Units that did not open their inbox on a working day (`date`).
    Unseen,
}

text_enum!(Queue {
    Triage = "triage",
    Stuck = "stuck",
    Qc = "qc",
    Overdue = "overdue",
    Rejected = "rejected",
    Screening = "screening",
    Review = "review",
    FollowUp = "follow_up",
    Unseen = "unseen",
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
    pub cursor: Option<Cursor>,
    /// The day asked about (`unseen`).
    pub date: Option<NaiveDate>,
}

/// Where a page ended: the last case's sort key and id, sent as an opaque
/// (hex) string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    key: String,
    id: i64,
}

impl Cursor {
    fn encode(&self) -> String {
        crate::base::cursor::encode(&format!("{}|{}", self.key, self.id))
    }

    fn decode(text: &str) -> Option<Self> {
        let text = crate::base::cursor::decode(text)?;
        let (key, id) = text.rsplit_once('|')?;
        Some(Self {
            key: key.to_string(),
            id: id.parse().ok()?,
        })
    }
}

/// What the county's rules say about the lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// After how long a case no stage took on is stuck.
    pub stuck_after: Duration,
    /// The share of closed cases drawn for a follow-up call (0 to 1).
    pub follow_up_rate: f64,
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
pub struct InboxPage {
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
    /// `unseen` lists units, not cases ([`unseen`]).
    #[error("the unseen queue lists units: ask for it with a date")]
    NotCases,
    /// `unseen` needs the day asked about.
    #[error("give the working day to check as date=YYYY-MM-DD")]
    DateRequired,
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The county's rules could not be read.
    #[error(transparent)]
    Rules(#[from] crate::base::rules::RulesError),
}

impl From<crate::base::db::DbError> for InboxError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl Filter {
    /// Reads the query's `queue`, `county`, `unit`, `channel`, `kind`,
    /// `limit` (default 50, at most 200) and `cursor`; every bad one named.
    pub fn from_query(
        query: &std::collections::BTreeMap<String, String>,
    ) -> Result<Self, Vec<crate::base::fields::FieldError>> {
        use crate::base::fields::FieldError;
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
                "cursor" => match Cursor::decode(value) {
                    Some(c) => filter.cursor = Some(c),
                    None => one("cursor", "the `next` of the previous page"),
                },
                "date" => match crate::base::clock::day(value) {
                    Some(d) => filter.date = Some(d),
                    None => one("date", "a date, YYYY-MM-DD"),
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

const ITEM: &str = "SELECT c.id, c.tracking_code, c.title, c.status, c.lead_unit, c.county,
    c.received_at, c.closed_at,
    (SELECT MIN(d.due_at) FROM case_deadlines d
      WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
        AND d.milestone != 'contact') AS next_due_at,
    (SELECT COUNT(*) FROM urge_notices u
      WHERE u.case_id = c.id AND u.acknowledged_at IS NULL AND u.level != 'warning') AS urges
    FROM cases c WHERE ";

/// The work list `who` asks for at `now`: a unit's inbox (recording the
/// unit's look today), or a bureau queue (`triage` by default) for the
/// bureau and supervisors.
pub fn list(
    db: &impl Db,
    who: &Principal,
    filter: &Filter,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<InboxPage, InboxError> {
    let at = clock::in_china(now);
    let mut clauses: Vec<&str> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let queue = match (who.role, filter.queue) {
        (Role::Unit, Some(_)) => return Err(InboxError::QueueForUnit),
        (Role::Unit, None) => {
            let unit = who.unit.as_ref().ok_or(InboxError::Role(Role::Unit))?;
            record_look(db, unit, &who.subject, at)?;
            clauses.push(
                "(c.lead_unit = ? OR c.id IN (SELECT case_id FROM case_co_units WHERE unit_id = ?))
                 AND c.status NOT IN ('closed', 'rejected')",
            );
            params.extend([unit.as_str().into(), unit.as_str().into()]);
            None
        }
        (Role::Bureau | Role::Supervisor, Some(Queue::Unseen)) => return Err(InboxError::NotCases),
        (Role::Bureau | Role::Supervisor, queue) => {
            let queue = queue.unwrap_or(Queue::Triage);
            let (clause, extra) = queue_clause(queue, at, settings.stuck_after);
            clauses.push(clause);
            params.extend(extra);
            Some(queue)
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
    // A unit's inbox: soonest deadline first, none last; queues: oldest
    // first (follow-up: closed longest ago).
    let key = match queue {
        None => "COALESCE(x.next_due_at, '~')",
        Some(Queue::FollowUp) => "x.closed_at",
        Some(_) => "x.received_at",
    };
    let inner = format!("{ITEM}{}", clauses.join(" AND "));
    let limit = filter.limit.clamp(1, MAX_LIMIT) as usize;
    let drawn = |row: &Listed| match queue {
        Some(Queue::FollowUp) => drawn_for_follow_up(row, settings.follow_up_rate),
        _ => true,
    };
    // One more than the page, to know whether another follows; the sample
    // is drawn as rows are read, so read on until the page is full.
    let mut cases: Vec<Listed> = Vec::new();
    let mut after = filter.cursor.clone();
    let batch = if queue == Some(Queue::FollowUp) {
        500
    } else {
        limit + 1
    };
    loop {
        let mut p = params.clone();
        let cursor = match &after {
            Some(c) => {
                p.extend([c.key.clone().into(), c.id.into()]);
                format!("WHERE ({key}, x.id) > (?, ?)")
            }
            None => String::new(),
        };
        p.push(i64::try_from(batch).unwrap_or(i64::MAX).into());
        let sql = format!(
            "SELECT x.*, {key} AS sort_key FROM ({inner}) AS x {cursor} ORDER BY {key}, x.id LIMIT ?"
        );
        let rows = db.execute(&sql, &p)?;
        let read = rows
            .iter()
            .map(|r| listed(r, now))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let exhausted = read.len() < batch;
        after = read.last().map(|l| l.cursor.clone());
        cases.extend(read.into_iter().filter(drawn));
        if exhausted || cases.len() > limit {
            break;
        }
    }
    let next = (cases.len() > limit).then(|| cases[limit - 1].cursor.encode());
    cases.truncate(limit);
    Ok(InboxPage {
        cases: cases.into_iter().map(|l| l.item).collect(),
        next,
    })
}

/// What `GET /api/inbox` answers: a page of cases, or (`unseen`) the
/// units that did not look on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Listing {
    /// A page of cases.
    Cases(InboxPage),
    /// The units that did not look.
    Units(UnseenDay),
}

/// The work list `who` asks for, by the county's rules in force.
pub fn answer(
    db: &impl Db,
    who: &Principal,
    filter: &Filter,
    rules: &crate::base::rules::Rules,
    now: DateTime<Utc>,
) -> Result<Listing, InboxError> {
    if filter.queue == Some(Queue::Unseen) {
        return Ok(Listing::Units(unseen(
            db,
            who,
            filter,
            rules.get::<Calendar>()?,
        )?));
    }
    let scan = rules.get::<ScanRules>()?;
    let settings = Settings {
        stuck_after: Duration::minutes(i64::from(scan.stuck_after_minutes)),
        follow_up_rate: scan.follow_up_rate,
    };
    Ok(Listing::Cases(list(db, who, filter, &settings, now)?))
}

/// A unit that did not open its inbox on a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitNotSeen {
    /// The unit.
    pub unit_id: UnitId,
    /// Its name.
    pub name: String,
    /// Its county.
    pub county: String,
}

/// The units that did not look on `date` (Art. 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnseenDay {
    /// The day asked about.
    pub date: NaiveDate,
    /// Whether it is a working day (on other days no one must look, and
    /// the list is empty).
    pub working_day: bool,
    /// The units, by id.
    pub units: Vec<UnitNotSeen>,
}

/// The units (of the filter's county, or the one unit asked about) that
/// did not open their inbox on the filter's `date`; for the bureau and
/// supervisors.
pub fn unseen(
    db: &impl Db,
    who: &Principal,
    filter: &Filter,
    calendar: &crate::time::calendar::Calendar,
) -> Result<UnseenDay, InboxError> {
    if !matches!(who.role, Role::Bureau | Role::Supervisor) {
        return Err(if who.role == Role::Unit {
            InboxError::QueueForUnit
        } else {
            InboxError::Role(who.role)
        });
    }
    let date = filter.date.ok_or(InboxError::DateRequired)?;
    let working_day = calendar.is_working_day(date);
    let mut units = Vec::new();
    if working_day {
        let rows = db.execute(
            "SELECT u.id, u.name, u.county FROM units u
             WHERE (? IS NULL OR u.county = ?) AND (? IS NULL OR u.id = ?)
               AND NOT EXISTS (SELECT 1 FROM unit_inbox_views v WHERE v.unit_id = u.id AND v.day = ?)
             ORDER BY u.id",
            &[
                SqlValue::from(filter.county.as_ref().map(|c| c.as_str())),
                SqlValue::from(filter.county.as_ref().map(|c| c.as_str())),
                SqlValue::from(filter.unit.as_ref().map(|u| u.as_str())),
                SqlValue::from(filter.unit.as_ref().map(|u| u.as_str())),
                date.to_string().into(),
            ],
        )?;
        for r in rows.iter() {
            units.push(UnitNotSeen {
                unit_id: r
                    .text("id")?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("inbox: unit id".into()))?,
                name: r.text("name")?.to_string(),
                county: r.text("county")?.to_string(),
            });
        }
    }
    Ok(UnseenDay {
        date,
        working_day,
        units,
    })
}

/// A listed case with what decides its place and whether it is drawn.
struct Listed {
    item: InboxItem,
    cursor: Cursor,
    county: String,
    closed_at: Option<DateTime<FixedOffset>>,
}

/// Whether a closed case is drawn for a follow-up call: reproducibly, by
/// its county and the month it closed (an auditor redraws the same cases).
fn drawn_for_follow_up(row: &Listed, rate: f64) -> bool {
    let month = row
        .closed_at
        .map(|t| t.format("%Y-%m").to_string())
        .unwrap_or_default();
    crate::oversight::sampling::is_sampled(
        &format!("follow-up:{}:{month}", row.county),
        rate,
        row.item.case_id,
    )
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
        Queue::Screening => ("c.status = 'screening'", vec![]),
        Queue::Review => ("c.status = 'under_review'", vec![]),
        Queue::FollowUp => (
            "c.status = 'closed' AND c.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_events e
               WHERE e.case_id = c.id AND e.type = 'followed_up')",
            vec![],
        ),
        // Not a list of cases ([`unseen`]).
        Queue::Unseen => ("0", vec![]),
    }
}

fn listed(r: crate::base::db::Row<'_>, now: DateTime<Utc>) -> Result<Listed, StoreError> {
    let item = item(&r, now)?;
    Ok(Listed {
        cursor: Cursor {
            key: r.text("sort_key")?.to_string(),
            id: item.case_id.get(),
        },
        county: r.text("county")?.to_string(),
        closed_at: r.opt_text("closed_at")?.and_then(clock::parse),
        item,
    })
}

fn item(r: &crate::base::db::Row<'_>, now: DateTime<Utc>) -> Result<InboxItem, StoreError> {
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
