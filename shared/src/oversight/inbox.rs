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
use crate::oversight::desk_state::{self, DeskState, Handling};
pub use crate::oversight::queues::Queue;
use crate::oversight::reminder::ScanRules;
use crate::time::calendar::Calendar;

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
    /// That unit's name in the directory.
    pub lead_unit_name: Option<String>,
    /// The day its soonest running deadline falls due.
    pub next_due: Option<NaiveDate>,
    /// Whether a running deadline is past due.
    pub overdue: bool,
    /// Urge notices not acknowledged (warnings need none).
    pub urge_notices: i64,
    /// Who returned it as not theirs, and why, while it waits to be sent
    /// on (the `returned` queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returned: Option<ReturnedBy>,
    /// Where it stands at the desk (待签收, 重办, …), while a unit has it.
    pub state: Option<DeskState>,
    /// Working days from today to `next_due` on the county's calendar
    /// (negative when late).
    pub working_days_left: Option<i64>,
    /// Its version: the `ETag` a move (or a batch) sends as `If-Match`.
    pub version: i64,
}

/// A unit's return of a case as not its own (退回).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnedBy {
    /// The unit that returned it.
    pub unit: UnitId,
    /// Its name in the directory.
    pub unit_name: Option<String>,
    /// Why it is not theirs, in the unit's words.
    pub reason: String,
    /// When, China time.
    pub at: String,
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

/// The columns of a listed case ([`item`] reads them), on `cases c`.
pub(crate) const ITEM_COLUMNS: &str =
    "c.id, c.tracking_code, c.title, c.status, c.lead_unit, c.county,
    c.received_at, c.closed_at, c.signed, c.extension_pending, c.round, c.version,
    (SELECT MIN(d.due_at) FROM case_deadlines d
      WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
        AND d.milestone != 'contact') AS next_due_at,
    (SELECT COUNT(*) FROM urge_notices u
      WHERE u.case_id = c.id AND u.acknowledged_at IS NULL AND u.level != 'warning') AS urges,
    (SELECT n.name FROM units n WHERE n.id = c.lead_unit) AS lead_unit_name,
    CASE WHEN c.status = 'accepted' AND c.lead_unit IS NULL AND c.routed_before = 1 THEN
      (SELECT e.at || '|' || COALESCE((SELECT n.name FROM units n WHERE n.id = e.actor_unit), '')
              || '|' || e.data FROM case_events e
        WHERE e.case_id = c.id AND e.type = 'returned_misrouted' ORDER BY e.id DESC LIMIT 1)
    END AS returned";

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
            let (clause, extra) = crate::oversight::queues::clause(queue, at, settings.stuck_after);
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
    let inner = format!(
        "SELECT {ITEM_COLUMNS} FROM cases c WHERE {}",
        clauses.join(" AND ")
    );
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
    let mut page = list(db, who, filter, &settings, now)?;
    let (calendar, today) = (rules.get::<Calendar>()?, clock::in_china(now).date_naive());
    for item in &mut page.cases {
        item.working_days_left = item
            .next_due
            .map(|due| desk_state::working_days_left(calendar, today, due));
    }
    Ok(Listing::Cases(page))
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

/// A listed case from a row of [`ITEM_COLUMNS`], its deadline's state at `now`.
pub(crate) fn item(
    r: &crate::base::db::Row<'_>,
    now: DateTime<Utc>,
) -> Result<InboxItem, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("inbox: {w}"));
    let next_due_at = r
        .opt_text("next_due_at")?
        .map(|t| clock::parse(t).ok_or_else(|| corrupt("next_due_at")))
        .transpose()?;
    let status: Status = r.text("status")?.parse().map_err(|_| corrupt("status"))?;
    Ok(InboxItem {
        case_id: CaseId::new(r.integer("id")?).map_err(|_| corrupt("id"))?,
        tracking_code: r
            .text("tracking_code")?
            .parse()
            .map_err(|_| corrupt("tracking_code"))?,
        title: r.text("title")?.to_string(),
        status,
        lead_unit: r
            .opt_text("lead_unit")?
            .map(str::parse)
            .transpose()
            .map_err(|_| corrupt("lead_unit"))?,
        next_due: next_due_at.map(|t| t.date_naive()),
        overdue: next_due_at.is_some_and(|t| t.with_timezone(&Utc) < now),
        urge_notices: r.integer("urges")?,
        state: DeskState::of(Handling {
            status,
            signed: r.integer("signed")? != 0,
            extension_pending: r.integer("extension_pending")? != 0,
            round: u32::try_from(r.integer("round")?).map_err(|_| corrupt("round"))?,
            urges: r.integer("urges")?,
        }),
        working_days_left: None,
        version: r.integer("version")?,
        lead_unit_name: r.opt_text("lead_unit_name")?.map(str::to_string),
        returned: r
            .opt_text("returned")?
            .map(|t| returned_by(t).ok_or_else(|| corrupt("returned")))
            .transpose()?,
    })
}

/// The return recorded as `at|unit name|{event}`.
fn returned_by(text: &str) -> Option<ReturnedBy> {
    let mut parts = text.splitn(3, '|');
    let (at, name, data) = (parts.next()?, parts.next()?, parts.next()?);
    let event: serde_json::Value = serde_json::from_str(data).ok()?;
    Some(ReturnedBy {
        unit: event.get("unit")?.as_str()?.parse().ok()?,
        unit_name: (!name.is_empty()).then(|| name.to_string()),
        reason: event.get("reason")?.as_str()?.to_string(),
        at: at.to_string(),
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
mod tests {
    //! Work lists against real SQLite: a unit sees what it leads or co-handles,
    //! soonest deadline first, pages continue, its look is recorded; the bureau's
    //! queues hold what they say.

    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::rules::Rules;
    use crate::base::test_support::{migrated_db, store_case, t};
    use crate::desk::actions::{apply, TimeRules as ActionRules};
    use crate::lifecycle::history;
    use crate::lifecycle::{Action, Actor};
    use crate::time::calendar::Calendar;
    use crate::time::deadlines::DeadlineRules;

    const AT: &str = "2025-09-30T10:00:00+08:00";

    fn submit(db: &NativeDb, n: u8, channel: &str, title: &str, content: &str) -> CaseId {
        let body = serde_json::json!({
            "channel": channel, "kind": "complaint", "title": title, "content": content,
            "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234560{n}")}
        });
        let id = store_case(db, n, body, AT);
        let rules = Rules::defaults();
        crate::triage::pipeline::screen_case(db, id, &rules, t(AT)).expect("screens");
        crate::triage::pipeline::dispatch_case(db, id, &rules, t(AT)).expect("dispatches");
        id
    }

    fn who(role: Role, unit: Option<&str>) -> Principal {
        Principal {
            subject: "someone".into(),
            name: "测试人员".into(),
            role,
            unit: unit.map(|u| u.parse().expect("unit")),
            leader: false,
        }
    }

    fn ids(page: &InboxPage) -> Vec<i64> {
        page.cases.iter().map(|c| c.case_id.get()).collect()
    }

    fn filter() -> Filter {
        Filter {
            limit: DEFAULT_LIMIT,
            ..Filter::default()
        }
    }

    fn settings() -> Settings {
        Settings {
            stuck_after: Duration::minutes(5),
            follow_up_rate: 0.2,
        }
    }

    fn now(s: &str) -> DateTime<Utc> {
        t(s).with_timezone(&Utc)
    }

    fn setup() -> (NativeDb, [CaseId; 4]) {
        let db = migrated_db();
        crate::base::test_support::seed_demo(&db);
        // Online platform: finish within 5 working days (14 October; its
        // contact milestone is not chased).
        let lamp = submit(
            &db,
            1,
            "online_platform",
            "路灯不亮",
            "九州路路灯已坏一周，请尽快维修。",
        );
        // Hotline, made joint handling below: 15 working days, due 28 October.
        let noise = submit(
            &db,
            2,
            "hotline_web",
            "小区噪音",
            "小区物业管理混乱，夜间噪音扰民，请处理。",
        );
        let triage = submit(
            &db,
            3,
            "hotline_web",
            "其他问题",
            "请问这个问题应该找哪个部门解决？",
        );
        let rejected = submit(
            &db,
            4,
            "hotline_web",
            "撤销判决",
            "法院判决不公，请撤销法院判决，重新审理。",
        );
        let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
        let version = history::load_lifecycle(&db, noise).expect("loads").version;
        apply(
            &db,
            noise,
            version,
            Action::Reassign {
                lead: "qibin-housing".parse().expect("unit"),
                co_units: vec!["qibin-urban".parse().expect("unit")],
                reason: "物业问题".into(),
            },
            &Actor::bureau(),
            &ActionRules {
                calendar: &calendar,
                deadlines: &deadlines,
            },
            t(AT),
        )
        .expect("reassigned");
        (db, [lamp, noise, triage, rejected])
    }

    #[test]
    fn a_unit_sees_what_it_leads_or_co_handles_soonest_deadline_first_page_by_page() {
        let (db, [lamp, noise, _, _]) = setup();
        let urban = who(Role::Unit, Some("qibin-urban"));
        let page = list(
            &db,
            &urban,
            &filter(),
            &settings(),
            now("2025-10-10T09:00:00+08:00"),
        )
        .expect("lists");
        assert_eq!(ids(&page), vec![lamp.get(), noise.get()]);
        assert_eq!(page.next, None);
        let first = &page.cases[0];
        assert_eq!(
            (
                first.next_due,
                first.overdue,
                first.lead_unit.as_ref().map(UnitId::as_str)
            ),
            (
                NaiveDate::from_ymd_opt(2025, 10, 14),
                false,
                Some("qibin-urban")
            )
        );
        // One a page.
        let one = Filter {
            limit: 1,
            ..filter()
        };
        let p1 = list(
            &db,
            &urban,
            &one,
            &settings(),
            now("2025-10-15T09:00:00+08:00"),
        )
        .expect("lists");
        assert_eq!(ids(&p1), vec![lamp.get()]);
        let next = p1.next.clone().expect("a next page");
        assert!(p1.cases[0].overdue, "due 14 October, now the 15th");
        let p2 = list(
            &db,
            &urban,
            &Filter {
                cursor: Cursor::decode(&next),
                ..one
            },
            &settings(),
            now("2025-10-15T09:00:00+08:00"),
        )
        .expect("lists");
        assert_eq!((ids(&p2), p2.next), (vec![noise.get()], None));
        // Each working day's first look is recorded once.
        let looks = db
        .execute(
            "SELECT day, first_at FROM unit_inbox_views WHERE unit_id = 'qibin-urban' ORDER BY day",
            &[],
        )
        .expect("looks");
        let days: Vec<(String, String)> = looks
            .iter()
            .map(|r| {
                (
                    r.text("day").expect("day").into(),
                    r.text("first_at").expect("at").into(),
                )
            })
            .collect();
        assert_eq!(
            days,
            vec![
                ("2025-10-10".into(), "2025-10-10T09:00:00+08:00".into()),
                ("2025-10-15".into(), "2025-10-15T09:00:00+08:00".into())
            ]
        );
        // Another unit sees none of them.
        let water = who(Role::Unit, Some("qibin-water"));
        assert!(list(&db, &water, &filter(), &settings(), now(AT))
            .expect("lists")
            .cases
            .is_empty());
    }

    #[test]
    fn the_bureaus_queues_hold_what_they_say_and_others_have_none() {
        let (db, [lamp, noise, triage, rejected]) = setup();
        let bureau = who(Role::Bureau, None);
        let queue = |q: Option<Queue>, at: &str| {
            ids(&list(
                &db,
                &bureau,
                &Filter {
                    queue: q,
                    ..filter()
                },
                &settings(),
                now(at),
            )
            .expect("lists"))
        };
        assert_eq!(queue(None, AT), vec![triage.get()]);
        assert_eq!(queue(Some(Queue::Screening), AT), vec![rejected.get()]);
        assert!(queue(Some(Queue::Rejected), AT).is_empty());
        // The bureau's own decision on the proposal was due 9 October.
        assert_eq!(
            queue(Some(Queue::Overdue), "2025-10-15T09:00:00+08:00"),
            vec![lamp.get(), rejected.get()]
        );
        assert_eq!(
            queue(Some(Queue::Overdue), "2025-10-29T09:00:00+08:00"),
            vec![lamp.get(), noise.get(), rejected.get()]
        );
        assert!(queue(Some(Queue::Qc), AT).is_empty());
        let supervisor = who(Role::Supervisor, None);
        assert_eq!(
            ids(&list(&db, &supervisor, &filter(), &settings(), now(AT)).expect("lists")),
            vec![triage.get()]
        );
        let urban = who(Role::Unit, Some("qibin-urban"));
        assert_eq!(
            list(
                &db,
                &urban,
                &Filter {
                    queue: Some(Queue::Triage),
                    ..filter()
                },
                &settings(),
                now(AT)
            ),
            Err(InboxError::QueueForUnit)
        );
        for role in [Role::Agent, Role::Scheduler] {
            assert_eq!(
                list(&db, &who(role, None), &filter(), &settings(), now(AT)),
                Err(InboxError::Role(role))
            );
        }
        // Filters narrow a queue.
        let by_unit = Filter {
            queue: Some(Queue::Overdue),
            unit: Some("qibin-housing".parse().expect("unit")),
            ..filter()
        };
        assert_eq!(
            ids(&list(
                &db,
                &bureau,
                &by_unit,
                &settings(),
                now("2025-10-29T09:00:00+08:00")
            )
            .expect("lists")),
            vec![noise.get()]
        );
    }

    /// `n` cases closed on 2025-10-20, the first `n` ids.
    fn closed_cases(db: &NativeDb, n: u8) -> Vec<CaseId> {
        (1..=n)
        .map(|i| {
            let body = serde_json::json!({
                "channel": "hotline_web", "kind": "consultation", "title": "咨询",
                "content": format!("第{i}号咨询：社保卡如何办理？"), "county": "410611000",
                "submitter": {"type": "individual", "name": "张三",
                              "phone": format!("138{:08}", u32::from(i))}
            });
            let id = store_case(db, i, body, AT);
            db.execute(
                "UPDATE cases SET status = 'closed', closed_at = '2025-10-20T10:00:00+08:00' WHERE id = ?",
                &[id.get().into()],
            )
            .expect("closes");
            id
        })
        .collect()
    }

    #[test]
    fn the_follow_up_queue_is_the_reproducible_sample_at_the_countys_rate_until_called() {
        let db = migrated_db();
        let closed = closed_cases(&db, 60);
        let bureau = who(Role::Bureau, None);
        let follow_up = |rate: f64, limit: u32| -> Vec<i64> {
            let mut all = Vec::new();
            let mut cursor = None;
            loop {
                let page = list(
                    &db,
                    &bureau,
                    &Filter {
                        queue: Some(Queue::FollowUp),
                        limit,
                        cursor: cursor.clone(),
                        ..filter()
                    },
                    &Settings {
                        follow_up_rate: rate,
                        ..settings()
                    },
                    now("2025-10-21T09:00:00+08:00"),
                )
                .expect("lists");
                all.extend(ids(&page));
                match page.next {
                    Some(next) => cursor = Cursor::decode(&next),
                    None => return all,
                }
            }
        };
        assert!(follow_up(0.0, 50).is_empty());
        assert_eq!(follow_up(1.0, 50).len(), 60);
        // The draw an auditor can redo: county and month of closing as seed.
        let expected: Vec<i64> =
            crate::oversight::sampling::sample("follow-up:410611000:2025-10", 0.2, &closed)
                .iter()
                .map(|c| c.get())
                .collect();
        assert!(!expected.is_empty() && expected.len() < 60, "{expected:?}");
        assert_eq!(follow_up(0.2, 50), expected);
        // Paged three at a time: the same cases, none twice.
        assert_eq!(follow_up(0.2, 3), expected);
        // A case called back leaves the queue.
        db.execute(
            "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
         VALUES (?, '2025-10-21T10:00:00+08:00', 'bureau', 'followed_up', 'Art. 6', '{}')",
            &[expected[0].into()],
        )
        .expect("followed up");
        assert_eq!(follow_up(0.2, 50), expected[1..].to_vec());
    }

    #[test]
    fn a_cursor_continues_after_the_last_case_seen_even_when_earlier_ones_leave_the_queue() {
        let db = migrated_db();
        crate::base::test_support::seed_demo(&db);
        let first = submit(
            &db,
            1,
            "hotline_web",
            "撤销判决",
            "法院判决不公，请撤销法院判决，重新审理。",
        );
        let second = submit(
            &db,
            2,
            "hotline_web",
            "再审",
            "交通事故赔偿案件判完了，我不服，要求转办再审申请。",
        );
        let bureau = who(Role::Bureau, None);
        let rejected = Filter {
            queue: Some(Queue::Screening),
            limit: 1,
            ..filter()
        };
        let p1 = list(&db, &bureau, &rejected, &settings(), now(AT)).expect("lists");
        assert_eq!(ids(&p1), vec![first.get()]);
        // The bureau accepts the first before turning the page.
        db.execute(
            "UPDATE cases SET status = 'accepted' WHERE id = ?",
            &[first.get().into()],
        )
        .expect("overridden");
        let p2 = list(
            &db,
            &bureau,
            &Filter {
                cursor: Cursor::decode(&p1.next.expect("a next page")),
                ..rejected
            },
            &settings(),
            now(AT),
        )
        .expect("lists");
        assert_eq!((ids(&p2), p2.next), (vec![second.get()], None));
        // A cursor that is not one is refused by name.
        let bad = Filter::from_query(&[("cursor".to_string(), "zz".to_string())].into());
        assert_eq!(
            bad.map_err(|e| e[0].field.clone()),
            Err("cursor".to_string())
        );
    }

    #[test]
    fn units_that_did_not_open_their_inbox_on_a_working_day_are_listed_for_the_bureau() {
        let (db, _) = setup();
        let calendar = Calendar::official();
        // Only qibin-urban looked on 2025-09-30.
        list(
            &db,
            &who(Role::Unit, Some("qibin-urban")),
            &filter(),
            &settings(),
            now(AT),
        )
        .expect("looks");
        let day = |date: &str, who: &Principal| {
            unseen(
                &db,
                who,
                &Filter {
                    queue: Some(Queue::Unseen),
                    date: date.parse().ok(),
                    ..filter()
                },
                &calendar,
            )
        };
        let bureau = who(Role::Bureau, None);
        let tuesday = day("2025-09-30", &bureau).expect("lists");
        assert!(tuesday.working_day);
        let units: Vec<&str> = tuesday.units.iter().map(|u| u.unit_id.as_str()).collect();
        assert!(!units.contains(&"qibin-urban"), "{units:?}");
        assert!(units.contains(&"qibin-housing"), "{units:?}");
        // National Day: no one must look.
        let holiday = day("2025-10-01", &bureau).expect("lists");
        assert_eq!((holiday.working_day, holiday.units.len()), (false, 0));
        // The make-up Saturday is a working day: nobody looked.
        let saturday = day("2025-10-11", &bureau).expect("lists");
        assert!(saturday.working_day);
        assert!(saturday.units.len() > units.len());
        assert!(day("2025-10-11", &who(Role::Supervisor, None)).is_ok());
        assert_eq!(
            day("2025-10-11", &who(Role::Unit, Some("qibin-urban"))),
            Err(InboxError::QueueForUnit)
        );
        assert_eq!(
            unseen(
                &db,
                &bureau,
                &Filter {
                    queue: Some(Queue::Unseen),
                    ..filter()
                },
                &calendar
            ),
            Err(InboxError::DateRequired)
        );
    }
}
