//! Rectification items (整改事项, Art. 7): the bureau opens one from a
//! hotspot — an owner unit, a due date, the hotspot's complaints linked —
//! and follows it to done; the owner unit reports progress. An item shows
//! the complaints of its cluster before it was opened and since, so the
//! bureau sees whether the rectification worked.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::access::Principal;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::{FieldError, FieldValue, Fields, Issue};
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::case::stored::StoreError;
use crate::case::words::Role;
use crate::directory::unit_rows;
use crate::oversight::hotspots::{self, Complaint, HotspotError, HotspotRules, Member};

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    /// Opened, not yet taken up (待整改).
    Open,
    /// The owner is working on it (整改中).
    InProgress,
    /// Reported done (已整改).
    Done,
}

text_enum!(ItemStatus {
    Open = "open",
    InProgress = "in_progress",
    Done = "done",
});

impl FieldValue for ItemStatus {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        crate::base::fields::one_of(value, Self::ALL)
    }
}

/// How far before its opening an item looks for complaints of its
/// cluster, in days.
const LOOK_BACK_DAYS: i64 = 90;

/// The most complaints one item links.
const MAX_CASES: usize = 500;

/// One note on an item's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// When.
    pub at: String,
    /// Who (the token subject).
    pub by: String,
    /// The status set, if it changed.
    pub status: Option<String>,
    /// The due date set, if it changed.
    pub due_date: Option<String>,
    /// What they wrote.
    pub note: Option<String>,
}

/// Complaints of a cluster in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// How many.
    pub count: usize,
    /// Which, in order of receipt.
    pub cases: Vec<Member>,
}

/// A rectification item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Its number.
    pub id: i64,
    /// What is to be rectified.
    pub title: String,
    /// The unit that rectifies.
    pub owner: String,
    /// By when.
    pub due_date: String,
    /// Where it stands.
    pub status: String,
    /// Who opened it and when.
    pub opened_by: String,
    /// When it was opened.
    pub opened_at: String,
    /// The complaints it was opened from.
    pub cases: Vec<i64>,
    /// Its record: who changed what, with notes.
    pub history: Vec<Note>,
    /// The cluster's complaints received before the item was opened, or in
    /// the same second (linked ones always, and alike ones, up to 90 days
    /// back).
    pub before: Option<Period>,
    /// Alike complaints received since it was opened.
    pub after: Option<Period>,
}

/// Why an item cannot be read or changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RectificationError {
    /// The role (or unit) may not do this.
    #[error("not allowed for the {0} role")]
    Role(Role),
    /// The body's fields, each problem named.
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    /// Well-formed fields that name what does not exist (a unit, a case)
    /// or a due date already past (HTTP 422), each named.
    #[error("fields naming what does not exist or is past")]
    Unprocessable(Vec<FieldError>),
    /// Only the bureau moves a due date or reopens an item.
    #[error("{0}")]
    BureauOnly(&'static str),
    /// No such item.
    #[error("no rectification item {0}")]
    NotFound(i64),
    /// Clustering failed.
    #[error(transparent)]
    Hotspots(#[from] HotspotError),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for RectificationError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

fn corrupt(what: &str) -> RectificationError {
    RectificationError::Store(StoreError::Corrupt(what.into()))
}

/// Opens an item: `title`, `owner` (a unit), `due_date` (YYYY-MM-DD, not
/// before today), `cases` (the hotspot's case ids, 1 to 500), `note`
/// optional. The bureau only.
pub fn open(
    db: &impl Db,
    who: &Principal,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Item, RectificationError> {
    if who.role != Role::Bureau {
        return Err(RectificationError::Role(who.role));
    }
    let mut f = Fields::of(body).map_err(RectificationError::Fields)?;
    f.only(&["title", "owner", "due_date", "cases", "note"], "an item");
    let title = f.get::<crate::base::fields::Bounded<200>>("title");
    let owner = f.get::<UnitId>("owner");
    let due = due_date(&mut f);
    let note = f
        .raw("note")
        .and_then(|_| f.get::<crate::base::fields::Bounded<2000>>("note"));
    let cases = case_ids(&mut f);
    let (title, owner, due, cases) = f
        .finish(
            title
                .zip(owner)
                .zip(due)
                .zip(cases)
                .map(|(((t, o), d), c)| (t, o, d, c)),
        )
        .map_err(RectificationError::Fields)?;
    let mut unprocessable = Vec::new();
    if !unit_rows::unit_exists(db, &owner)? {
        unprocessable.push(FieldError::new(
            "owner",
            "unknown_unit",
            "a unit of the directory, not retired",
        ));
    }
    for (i, id) in cases.iter().enumerate() {
        let found = db.execute("SELECT 1 AS x FROM cases WHERE id = ?", &[(*id).into()])?;
        if found.rows.is_empty() {
            unprocessable.push(FieldError::new(
                &format!("cases[{i}]"),
                "unknown_case",
                "no such case",
            ));
        }
    }
    unprocessable.extend(past(due, at));
    if !unprocessable.is_empty() {
        return Err(RectificationError::Unprocessable(unprocessable));
    }
    let id = db.transaction(|db| -> Result<i64, RectificationError> {
        let rows = db.execute(
            "INSERT INTO rectifications (title, owner, due_date, status, opened_by, opened_at)
             VALUES (?, ?, ?, 'open', ?, ?) RETURNING id",
            &[
                title.0.as_str().into(),
                owner.as_str().into(),
                due.to_string().into(),
                who.subject.as_str().into(),
                clock::format(at).into(),
            ],
        )?;
        let id = rows
            .row(0)
            .map(|r| r.integer("id"))
            .transpose()?
            .ok_or_else(|| corrupt("no item id"))?;
        for case in &cases {
            db.execute(
                "INSERT OR IGNORE INTO rectification_cases (item_id, case_id) VALUES (?, ?)",
                &[id.into(), (*case).into()],
            )?;
        }
        note_on(
            db,
            id,
            who,
            at,
            Some(ItemStatus::Open),
            Some(due),
            note.map(|n| n.0),
        )?;
        Ok(id)
    })?;
    one(db, id)
}

fn due_date(f: &mut Fields<'_>) -> Option<NaiveDate> {
    let due = f.get::<crate::base::fields::Bounded<10>>("due_date")?;
    match crate::base::clock::day(&due.0) {
        Some(d) => Some(d),
        None => {
            f.error("due_date", "invalid", "a date, YYYY-MM-DD");
            None
        }
    }
}

/// A due date must be today or later (China time).
fn past(due: NaiveDate, at: DateTime<FixedOffset>) -> Option<FieldError> {
    (due < clock::china_day(at)).then(|| FieldError::new("due_date", "past", "today or later"))
}

fn case_ids(f: &mut Fields<'_>) -> Option<Vec<i64>> {
    let Some(raw) = f.raw("cases") else {
        f.error("cases", "missing", "the hotspot's case ids");
        return None;
    };
    let ids: Option<Vec<i64>> = raw
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| crate::base::fields::whole_number(v).filter(|n| *n > 0))
                .collect()
        })
        .unwrap_or(None);
    match ids {
        Some(ids) if !ids.is_empty() && ids.len() <= MAX_CASES => Some(ids),
        _ => {
            f.error(
                "cases",
                "invalid",
                format!("a list of 1 to {MAX_CASES} case ids"),
            );
            None
        }
    }
}

fn note_on(
    db: &impl Db,
    id: i64,
    who: &Principal,
    at: DateTime<FixedOffset>,
    status: Option<ItemStatus>,
    due: Option<NaiveDate>,
    note: Option<String>,
) -> Result<(), RectificationError> {
    db.execute(
        "INSERT INTO rectification_notes (item_id, at, by, status, due_date, note)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            id.into(),
            clock::format(at).into(),
            who.subject.as_str().into(),
            SqlValue::from(status.map(|s| s.as_str())),
            SqlValue::from(due.map(|d| d.to_string())),
            SqlValue::from(note),
        ],
    )?;
    Ok(())
}

/// Whether `who` may read the item owned by `owner`: the bureau and
/// supervisors every item, a unit the items it owns.
fn may_read(who: &Principal, owner: &str) -> bool {
    match who.role {
        Role::Bureau | Role::Supervisor => true,
        Role::Unit => who.unit.as_ref().is_some_and(|u| u.as_str() == owner),
        _ => false,
    }
}

/// Changes an item: `status`, `due_date` (the bureau only), `note`; the
/// owner unit may set `in_progress` or `done` and write notes.
pub fn update(
    db: &impl Db,
    who: &Principal,
    id: i64,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Item, RectificationError> {
    let item = one(db, id)?;
    if !may_read(who, &item.owner) || who.role == Role::Supervisor {
        return Err(RectificationError::Role(who.role));
    }
    let mut f = Fields::of(body).map_err(RectificationError::Fields)?;
    f.only(&["status", "due_date", "note"], "a change of an item");
    let status = f.raw("status").and_then(|_| f.get::<ItemStatus>("status"));
    let due = f.raw("due_date").and_then(|_| due_date(&mut f));
    let note = f
        .raw("note")
        .and_then(|_| f.get::<crate::base::fields::Bounded<2000>>("note"));
    if f.is_clean() && status.is_none() && due.is_none() && note.is_none() {
        f.error("note", "missing", "give status, due_date or note");
    }
    f.finish(Some(())).map_err(RectificationError::Fields)?;
    if due.is_some() && who.role != Role::Bureau {
        return Err(RectificationError::BureauOnly(
            "only the bureau moves the due date",
        ));
    }
    if status == Some(ItemStatus::Open) && who.role != Role::Bureau {
        return Err(RectificationError::BureauOnly(
            "only the bureau reopens an item",
        ));
    }
    if let Some(e) = due.and_then(|d| past(d, at)) {
        return Err(RectificationError::Unprocessable(vec![e]));
    }
    db.transaction(|db| -> Result<(), RectificationError> {
        if let Some(s) = status {
            db.execute(
                "UPDATE rectifications SET status = ? WHERE id = ?",
                &[s.as_str().into(), id.into()],
            )?;
        }
        if let Some(d) = due {
            db.execute(
                "UPDATE rectifications SET due_date = ? WHERE id = ?",
                &[d.to_string().into(), id.into()],
            )?;
        }
        note_on(db, id, who, at, status, due, note.map(|n| n.0))
    })?;
    one(db, id)
}

/// The items `who` may read, newest first, optionally of one status.
pub fn list(
    db: &impl Db,
    who: &Principal,
    status: Option<ItemStatus>,
) -> Result<Vec<Item>, RectificationError> {
    let unit = match who.role {
        Role::Bureau | Role::Supervisor => None,
        Role::Unit => who.unit.as_ref().map(|u| u.as_str().to_string()),
        role => return Err(RectificationError::Role(role)),
    };
    let rows = db.execute(
        "SELECT id FROM rectifications
         WHERE (?1 IS NULL OR owner = ?1) AND (?2 IS NULL OR status = ?2)
         ORDER BY id DESC LIMIT 500",
        &[
            SqlValue::from(unit),
            SqlValue::from(status.map(|s| s.as_str())),
        ],
    )?;
    rows.iter().map(|r| one(db, r.integer("id")?)).collect()
}

/// One item as `who` may read it, with its cluster's complaints before
/// it was opened and since (up to `now`).
pub fn read(
    db: &impl Db,
    who: &Principal,
    id: i64,
    rules: &HotspotRules,
    now: DateTime<FixedOffset>,
) -> Result<Item, RectificationError> {
    let mut item = one(db, id)?;
    if !may_read(who, &item.owner) {
        return Err(RectificationError::Role(who.role));
    }
    let opened = DateTime::parse_from_rfc3339(&item.opened_at).map_err(|_| corrupt("opened_at"))?;
    let opened_day = clock::china_day(opened);
    let today = clock::china_day(now);
    let from = opened_day - chrono::Duration::days(LOOK_BACK_DAYS);
    let window = hotspots::complaints(db, from, today.max(opened_day), None, rules.max_complaints)?;
    let linked: Vec<Complaint> = window
        .iter()
        .filter(|c| item.cases.contains(&c.case_id.get()))
        .cloned()
        .collect();
    // Instants compare as instants, not as text, and one received in the
    // second the item was opened counts as before it: the bureau opened it
    // on what it could see then. A case the item links was in view by
    // definition.
    let received_before =
        |c: &Complaint| received_at(db, c.case_id).map(|r| r.is_some_and(|r| r <= opened));
    let mut before = Vec::new();
    let mut after = Vec::new();
    let alike: Vec<&Complaint> = hotspots::joining(&linked, &window, rules);
    for (c, is_linked) in linked
        .iter()
        .map(|c| (c, true))
        .chain(alike.into_iter().map(|c| (c, false)))
    {
        if is_linked || received_before(c)? {
            before.push(member(c));
        } else {
            after.push(member(c));
        }
    }
    before.sort_by_key(|m| (m.received_on, m.case_id));
    after.sort_by_key(|m| (m.received_on, m.case_id));
    item.before = Some(Period {
        count: before.len(),
        cases: before,
    });
    item.after = Some(Period {
        count: after.len(),
        cases: after,
    });
    Ok(item)
}

fn member(c: &Complaint) -> Member {
    Member {
        case_id: c.case_id,
        title: c.title.clone(),
        unit: c.unit.clone(),
        received_on: c.day,
    }
}

fn received_at(
    db: &impl Db,
    case: CaseId,
) -> Result<Option<DateTime<FixedOffset>>, RectificationError> {
    let rows = db.execute(
        "SELECT received_at FROM cases WHERE id = ?",
        &[case.get().into()],
    )?;
    rows.row(0)
        .map(|r| {
            let text = r.text("received_at")?;
            DateTime::parse_from_rfc3339(text).map_err(|_| corrupt("received_at"))
        })
        .transpose()
}

fn one(db: &impl Db, id: i64) -> Result<Item, RectificationError> {
    let rows = db.execute(
        "SELECT id, title, owner, due_date, status, opened_by, opened_at FROM rectifications WHERE id = ?",
        &[id.into()],
    )?;
    let r = rows.row(0).ok_or(RectificationError::NotFound(id))?;
    let cases = db
        .execute(
            "SELECT case_id FROM rectification_cases WHERE item_id = ? ORDER BY case_id",
            &[id.into()],
        )?
        .iter()
        .map(|r| r.integer("case_id"))
        .collect::<Result<_, _>>()?;
    let history = db
        .execute(
            "SELECT at, by, status, due_date, note FROM rectification_notes WHERE item_id = ? ORDER BY id",
            &[id.into()],
        )?
        .iter()
        .map(|r| {
            Ok(Note {
                at: r.text("at")?.to_string(),
                by: r.text("by")?.to_string(),
                status: r.opt_text("status")?.map(str::to_string),
                due_date: r.opt_text("due_date")?.map(str::to_string),
                note: r.opt_text("note")?.map(str::to_string),
            })
        })
        .collect::<Result<_, crate::base::db::DbError>>()?;
    Ok(Item {
        id: r.integer("id")?,
        title: r.text("title")?.to_string(),
        owner: r.text("owner")?.to_string(),
        due_date: r.text("due_date")?.to_string(),
        status: r.text("status")?.to_string(),
        opened_by: r.text("opened_by")?.to_string(),
        opened_at: r.text("opened_at")?.to_string(),
        cases,
        history,
        before: None,
        after: None,
    })
}

#[cfg(test)]
mod tests {
    //! Rectification items against real SQLite: opened by the bureau from a
    //! hotspot's complaints, followed by the owner unit, the cluster's
    //! complaints shown before and after.

    use super::*;
    use crate::base::test_support::{seeded_db, store_case, t};
    use serde_json::json;

    fn who(role: Role, unit: Option<&str>, subject: &str) -> Principal {
        Principal {
            subject: subject.into(),
            name: "测试人员".into(),
            role,
            unit: unit.map(|u| u.parse().expect("unit")),
            leader: false,
        }
    }

    fn bureau() -> Principal {
        who(Role::Bureau, None, "zhang.wei")
    }

    /// A complaint about night building work on 九州路, accepted.
    fn noise(db: &crate::base::db::NativeDb, n: u8, at: &str) -> i64 {
        let id = store_case(
            db,
            n,
            json!({"channel": "hotline_web", "kind": "complaint", "title": "九州路工地夜间施工噪音扰民",
               "content": format!("九州路工地每天夜里施工到凌晨，噪音很大，影响休息（第{n}次反映）。"),
               "county": "410611000",
               "submitter": {"type": "individual", "name": "张三", "phone": format!("138123456{n:02}")}}),
            at,
        );
        db.execute(
            "UPDATE cases SET status = 'handling', lead_unit = 'qibin-urban' WHERE id = ?",
            &[id.get().into()],
        )
        .expect("accepted");
        id.get()
    }

    const OPENED: &str = "2026-11-10T09:00:00+08:00";

    #[test]
    fn the_bureau_opens_an_item_and_it_shows_the_clusters_complaints_before_and_after() {
        let db = seeded_db();
        let a = noise(&db, 1, "2026-11-02T10:00:00+08:00");
        let b = noise(&db, 2, "2026-11-03T10:00:00+08:00");
        let c = noise(&db, 3, "2026-11-05T10:00:00+08:00");
        let item = open(
            &db,
            &bureau(),
            &json!({"title": "九州路工地夜间施工扰民整改", "owner": "qibin-urban",
                "due_date": "2026-11-30", "cases": [a, b], "note": "限期整改"}),
            t(OPENED),
        )
        .expect("opened");
        assert_eq!(item.status, "open");
        assert_eq!(item.cases, vec![a, b]);
        assert_eq!(item.opened_by, "zhang.wei");
        assert_eq!(item.history[0].note.as_deref(), Some("限期整改"));
        let later = noise(&db, 4, "2026-11-20T10:00:00+08:00");
        let read = read(
            &db,
            &bureau(),
            item.id,
            &HotspotRules::default(),
            t("2026-11-28T10:00:00+08:00"),
        )
        .expect("read");
        let ids = |p: &Option<Period>| -> Vec<i64> {
            p.as_ref()
                .expect("period")
                .cases
                .iter()
                .map(|m| m.case_id.get())
                .collect()
        };
        assert_eq!(
            ids(&read.before),
            vec![a, b, c],
            "the linked two and one alike"
        );
        assert_eq!(ids(&read.after), vec![later]);
        assert_eq!(read.after.as_ref().map(|p| p.count), Some(1));
    }

    #[test]
    fn a_complaint_received_in_the_second_the_item_is_opened_counts_as_before_and_one_a_second_later_as_after(
    ) {
        let db = seeded_db();
        let linked = noise(&db, 1, OPENED);
        let same_second = noise(&db, 2, OPENED);
        let next_second = noise(&db, 3, "2026-11-10T09:00:01+08:00");
        let item = open(
            &db,
            &bureau(),
            &json!({"title": "九州路工地夜间施工扰民整改", "owner": "qibin-urban",
                "due_date": "2026-11-30", "cases": [linked]}),
            t(OPENED),
        )
        .expect("opened");
        let read = read(
            &db,
            &bureau(),
            item.id,
            &HotspotRules::default(),
            t("2026-11-10T10:00:00+08:00"),
        )
        .expect("read");
        let ids = |p: &Option<Period>| -> Vec<i64> {
            p.as_ref()
                .expect("period")
                .cases
                .iter()
                .map(|m| m.case_id.get())
                .collect()
        };
        assert_eq!(ids(&read.before), vec![linked, same_second]);
        assert_eq!(ids(&read.after), vec![next_second]);
    }

    #[test]
    fn the_owner_unit_reports_progress_and_done_but_only_the_bureau_moves_the_due_date() {
        let db = seeded_db();
        let a = noise(&db, 1, "2026-11-02T10:00:00+08:00");
        let item = open(
        &db,
        &bureau(),
        &json!({"title": "整改", "owner": "qibin-urban", "due_date": "2026-11-30", "cases": [a]}),
        t(OPENED),
    )
    .expect("opened");
        let clerk = who(Role::Unit, Some("qibin-urban"), "li.na");
        let at = t("2026-11-12T09:00:00+08:00");
        let moved = update(&db, &clerk, item.id, &json!({"due_date": "2026-12-31"}), at);
        assert!(matches!(moved, Err(RectificationError::BureauOnly(_))));
        let done = update(
            &db,
            &clerk,
            item.id,
            &json!({"status": "done", "note": "已要求工地22点后停止施工"}),
            at,
        )
        .expect("done");
        assert_eq!(done.status, "done");
        let last = done.history.last().expect("note");
        assert_eq!(
            (last.by.as_str(), last.status.as_deref()),
            ("li.na", Some("done"))
        );
        // Another unit neither reads nor changes it; a supervisor reads only.
        let other = who(Role::Unit, Some("qibin-housing"), "wang");
        assert_eq!(
            update(&db, &other, item.id, &json!({"note": "x"}), at),
            Err(RectificationError::Role(Role::Unit))
        );
        let rules = HotspotRules::default();
        assert!(matches!(
            read(&db, &other, item.id, &rules, at),
            Err(RectificationError::Role(_))
        ));
        let supervisor = who(Role::Supervisor, None, "sun");
        assert!(read(&db, &supervisor, item.id, &rules, at).is_ok());
        assert!(update(&db, &supervisor, item.id, &json!({"note": "x"}), at).is_err());
        assert_eq!(list(&db, &other, None).map(|l| l.len()), Ok(0));
        assert_eq!(
            list(&db, &clerk, Some(ItemStatus::Done)).map(|l| l.len()),
            Ok(1)
        );
        // The bureau moves the due date.
        let moved = update(
            &db,
            &bureau(),
            item.id,
            &json!({"due_date": "2026-12-31"}),
            at,
        )
        .expect("moved");
        assert_eq!(moved.due_date, "2026-12-31");
    }

    #[test]
    fn a_bad_item_is_refused_with_every_field_named_and_only_the_bureau_opens_one() {
        let db = seeded_db();
        let refused = open(
            &db,
            &bureau(),
            &json!({"title": "", "owner": "Nobody", "due_date": "2026-11-31", "cases": [0]}),
            t(OPENED),
        );
        let Err(RectificationError::Fields(errors)) = refused else {
            panic!("refused: {refused:?}");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["title", "owner", "due_date", "cases"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        // Well-formed, but naming what does not exist or a day gone by.
        let unprocessable = open(
            &db,
            &bureau(),
            &json!({"title": "整改", "owner": "nobody-here", "due_date": "2026-11-01", "cases": [999]}),
            t(OPENED),
        );
        let Err(RectificationError::Unprocessable(errors)) = unprocessable else {
            panic!("unprocessable: {unprocessable:?}");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["owner", "cases[0]", "due_date"]);
        let clerk = who(Role::Unit, Some("qibin-urban"), "li.na");
        assert_eq!(
            open(&db, &clerk, &json!({}), t(OPENED)),
            Err(RectificationError::Role(Role::Unit))
        );
        assert_eq!(
            read(&db, &bureau(), 42, &HotspotRules::default(), t(OPENED)),
            Err(RectificationError::NotFound(42))
        );
    }
}
