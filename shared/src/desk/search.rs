//! Case search (工单查询) within the reader's access: by a word of the title
//! or content (two Chinese characters are enough: the word index of
//! [`crate::record::search_index`]), by tracking code, by the submitter's
//! phone (exactly, through the keyed hash under every key in use — never
//! the number in an index or a log — and on the audit trail), by status,
//! unit, county, channel, kind, dates received and overdue; newest first,
//! paged by a keyset cursor. Results carry no personal data.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::access::Principal;
use crate::base::bigrams;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::FieldError;
use crate::base::ids::{CountyCode, TrackingCode, UnitId};
use crate::case::contact::PhoneNumber;
use crate::case::personal::Keys;
use crate::case::stored::StoreError;
use crate::case::words::{Channel, Kind, Role, Status};
use crate::oversight::inbox::{self, InboxItem};

/// The most cases one page holds.
pub const MAX_LIMIT: u32 = 200;
/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;

/// What to search for; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The FTS5 expression of the words typed (`q`).
    words: Option<String>,
    code: Option<TrackingCode>,
    phone: Option<PhoneNumber>,
    status: Option<Status>,
    unit: Option<UnitId>,
    county: Option<CountyCode>,
    channel: Option<Channel>,
    kind: Option<Kind>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    overdue: Option<bool>,
    /// Only open cases (`Some(true)`) or only closed and not accepted ones.
    open: Option<bool>,
    /// The id of the last case of the previous page.
    cursor: Option<i64>,
    limit: u32,
}

/// One case found: as in a work list, and when and how it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// The case as a work list shows it.
    #[serde(flatten)]
    pub item: InboxItem,
    /// When it was received, China time.
    pub received_at: String,
    /// How it came in.
    pub channel: Channel,
    /// Consultation, complaint or suggestion.
    pub kind: Kind,
    /// Its county.
    pub county: String,
}

/// One page of results; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    /// The cases, newest first.
    pub cases: Vec<Found>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// Why a search by a personal field was made, as the audit trail says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// 工单查询: staff looking for a case.
    Search,
    /// 来电历史: an agent or the bureau looking at a caller's earlier cases.
    CallerHistory,
}

impl Purpose {
    /// As the audit trail records it.
    pub fn in_chinese(self) -> &'static str {
        match self {
            Self::Search => "工单查询",
            Self::CallerHistory => "来电历史",
        }
    }
}

/// Why a search cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    /// The role searches no cases.
    #[error("the {0} role searches no cases")]
    Role(Role),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for SearchError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl SearchQuery {
    /// Reads `q`, `code`, `phone`, `status`, `unit`, `county`, `channel`,
    /// `kind`, `from`, `to` (China dates, both included), `overdue`
    /// (`true`/`false`), `limit` and `cursor`; every bad one named.
    pub fn from_query(query: &BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |name: &str, allowed: &str| {
            errors.push(FieldError::new(name, "invalid", allowed));
        };
        let mut s = SearchQuery {
            limit: DEFAULT_LIMIT,
            ..SearchQuery::default()
        };
        // An empty parameter is a bad one (the portal leaves out what is
        // empty; the API's description allows no empty value).
        for (name, value) in query {
            let value = value.trim();
            match name.as_str() {
                "q" => match bigrams::match_expression(value) {
                    Ok(e) => s.words = Some(e),
                    // Nothing in it can match: no case is found.
                    Err(bigrams::QueryError::NoWord) => s.words = Some(String::new()),
                    Err(e) => bad("q", &e.to_string()),
                },
                "code" => match value.parse() {
                    Ok(c) => s.code = Some(c),
                    Err(_) => bad("code", "a tracking code"),
                },
                "phone" => match value.parse() {
                    Ok(p) => s.phone = Some(p),
                    Err(_) => bad("phone", "a mobile or landline number"),
                },
                "status" => match value.parse() {
                    Ok(v) => s.status = Some(v),
                    Err(()) => bad("status", &format!("one of: {}", Status::ALL.join(", "))),
                },
                "unit" => match value.parse() {
                    Ok(u) => s.unit = Some(u),
                    Err(_) => bad("unit", "a unit id"),
                },
                "county" => match value.parse() {
                    Ok(c) => s.county = Some(c),
                    Err(_) => bad("county", "a 9-digit county code"),
                },
                "channel" => match value.parse() {
                    Ok(c) => s.channel = Some(c),
                    Err(()) => bad("channel", &format!("one of: {}", Channel::ALL.join(", "))),
                },
                "kind" => match value.parse() {
                    Ok(k) => s.kind = Some(k),
                    Err(()) => bad("kind", &format!("one of: {}", Kind::ALL.join(", "))),
                },
                "from" | "to" => match clock::day(value) {
                    Some(d) if name == "from" => s.from = Some(d),
                    Some(d) => s.to = Some(d),
                    None => bad(name, "a date, YYYY-MM-DD"),
                },
                "overdue" => match value {
                    "true" => s.overdue = Some(true),
                    "false" => s.overdue = Some(false),
                    _ => bad("overdue", "true or false"),
                },
                "limit" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => s.limit = n,
                    _ => bad("limit", &format!("a whole number from 1 to {MAX_LIMIT}")),
                },
                "cursor" => match crate::base::cursor::decode(value).and_then(|t| t.parse().ok()) {
                    Some(id) => s.cursor = Some(id),
                    None => bad("cursor", "the `next` of the previous page"),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// Whether the search is by a personal field (the phone), which goes
    /// on the audit trail.
    pub fn is_personal(&self) -> bool {
        self.phone.is_some()
    }

    /// A search by phone alone, for open cases or the others (a caller's
    /// history).
    pub(crate) fn by_phone(phone: &PhoneNumber, open: bool, limit: u32) -> Self {
        Self {
            phone: Some(phone.clone()),
            open: Some(open),
            limit: limit.clamp(1, MAX_LIMIT),
            ..Self::default()
        }
    }
}

/// The condition on `cases c` of what `who` may read: the bureau,
/// supervisors and agents every case; a unit those it leads or co-handles.
pub(crate) fn readable(who: &Principal) -> Result<(&'static str, Vec<SqlValue>), SearchError> {
    match who.role {
        Role::Bureau | Role::Supervisor | Role::Agent => Ok(("1 = 1", Vec::new())),
        Role::Unit => {
            let unit = who.unit.as_ref().ok_or(SearchError::Role(Role::Unit))?;
            Ok((
                "(c.lead_unit = ? OR c.id IN (SELECT case_id FROM case_co_units WHERE unit_id = ?))",
                vec![unit.as_str().into(), unit.as_str().into()],
            ))
        }
        role @ (Role::Scheduler | Role::Citizen) => Err(SearchError::Role(role)),
    }
}

/// The cases `who` may read that `q` finds, newest first; a search by
/// phone is recorded (who, when, why, how many found) in the same
/// transaction.
pub fn search(
    db: &impl Db,
    keys: &Keys,
    who: &Principal,
    q: &SearchQuery,
    now: DateTime<Utc>,
) -> Result<SearchPage, SearchError> {
    db.transaction(|db| {
        let page = find(db, keys, who, q, now)?;
        if q.is_personal() {
            record_personal_search(db, who, "phone", Purpose::Search, page.cases.len(), now)?;
        }
        Ok(page)
    })
}

/// The cases `who` may read that `q` finds, newest first, not recorded.
pub(crate) fn find(
    db: &impl Db,
    keys: &Keys,
    who: &Principal,
    q: &SearchQuery,
    now: DateTime<Utc>,
) -> Result<SearchPage, SearchError> {
    let (access, mut params) = readable(who)?;
    if q.words.as_deref() == Some("") {
        return Ok(SearchPage {
            cases: Vec::new(),
            next: None,
        });
    }
    let mut clauses = vec![access.to_string()];
    let (mut from, mut key) = ("FROM cases c", "c.id");
    if let Some(words) = &q.words {
        // The index drives: its matches newest first, each case by its key.
        (from, key) = (
            "FROM case_search s JOIN cases c ON c.id = s.rowid",
            "s.rowid",
        );
        clauses.push("s.case_search MATCH ?".into());
        params.push(words.as_str().into());
    }
    if let Some(code) = &q.code {
        clauses.push("c.tracking_code = ?".into());
        params.push(code.as_str().into());
    }
    if let Some(phone) = &q.phone {
        let hashes = keys.submitter_keys(phone);
        clauses.push(format!(
            "c.id IN (SELECT case_id FROM case_submitters WHERE submitter_key IN ({}))",
            vec!["?"; hashes.len()].join(", ")
        ));
        params.extend(hashes.into_iter().map(SqlValue::from));
    }
    let mut equal = |column: &str, value: Option<&str>| {
        if let Some(v) = value {
            clauses.push(format!("c.{column} = ?"));
            params.push(v.into());
        }
    };
    equal("status", q.status.map(|s| s.as_str()));
    equal("lead_unit", q.unit.as_ref().map(UnitId::as_str));
    equal("county", q.county.as_ref().map(CountyCode::as_str));
    equal("channel", q.channel.map(|c| c.as_str()));
    equal("kind", q.kind.map(|k| k.as_str()));
    if let Some(from) = q.from {
        clauses.push("c.received_at >= ?".into());
        params.push(from.to_string().into());
    }
    if let Some(to) = q.to.and_then(|d| d.succ_opt()) {
        clauses.push("c.received_at < ?".into());
        params.push(to.to_string().into());
    }
    if let Some(overdue) = q.overdue {
        clauses.push(format!(
            "c.status NOT IN ('closed', 'rejected') AND {} EXISTS (SELECT 1 FROM case_deadlines d
               WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
                 AND d.milestone != 'contact' AND d.due_at < ?)",
            if overdue { "" } else { "NOT" }
        ));
        params.push(clock::format(clock::in_china(now)).into());
    }
    if let Some(open) = q.open {
        clauses.push(format!(
            "c.status {} IN ('closed', 'rejected')",
            if open { "NOT" } else { "" }
        ));
    }
    if let Some(after) = q.cursor {
        clauses.push(format!("{key} < ?"));
        params.push(after.into());
    }
    let limit = q.limit.clamp(1, MAX_LIMIT);
    params.push(i64::from(limit + 1).into());
    let sql = format!(
        "SELECT {}, c.channel, c.kind {from} WHERE {} ORDER BY {key} DESC LIMIT ?",
        inbox::ITEM_COLUMNS,
        clauses.join(" AND ")
    );
    let rows = db.execute(&sql, &params)?;
    let mut cases = rows
        .iter()
        .map(|r| found(&r, now))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let next = (cases.len() > limit as usize)
        .then(|| crate::base::cursor::encode(&cases[limit as usize - 1].item.case_id.to_string()));
    cases.truncate(limit as usize);
    Ok(SearchPage { cases, next })
}

/// The page as CSV (UTF-8 with BOM, Chinese headers and words).
pub fn csv(page: &SearchPage) -> String {
    crate::base::csv::document(
        &[
            "受理编号",
            "标题",
            "状态",
            "主办单位",
            "受理时间",
            "渠道",
            "类型",
            "县区",
            "办理期限",
            "是否超期",
        ],
        page.cases.iter().map(|f| {
            vec![
                f.item.tracking_code.as_str().to_string(),
                f.item.title.clone(),
                f.item.status.in_chinese().to_string(),
                f.item
                    .lead_unit_name
                    .clone()
                    .or_else(|| f.item.lead_unit.as_ref().map(|u| u.as_str().to_string()))
                    .unwrap_or_default(),
                f.received_at.clone(),
                f.channel.in_chinese().to_string(),
                f.kind.in_chinese().to_string(),
                f.county.clone(),
                f.item.next_due.map(|d| d.to_string()).unwrap_or_default(),
                if f.item.overdue { "是" } else { "否" }.to_string(),
            ]
        }),
    )
}

fn found(r: &crate::base::db::Row<'_>, now: DateTime<Utc>) -> Result<Found, StoreError> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("search: {w}"));
    Ok(Found {
        item: inbox::item(r, now)?,
        received_at: r.text("received_at")?.to_string(),
        channel: r
            .text("channel")?
            .parse()
            .map_err(|()| corrupt("channel"))?,
        kind: r.text("kind")?.parse().map_err(|()| corrupt("kind"))?,
        county: r.text("county")?.to_string(),
    })
}

/// Puts a search by a personal field on the audit trail: who, when, the
/// field's name and the purpose, how many cases — never the value.
pub(crate) fn record_personal_search(
    db: &impl Db,
    who: &Principal,
    field: &str,
    purpose: Purpose,
    found: usize,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO personal_searches (at, actor_role, actor_unit, actor_subject, field, purpose, found)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            clock::format(clock::in_china(now)).into(),
            who.role.as_str().into(),
            SqlValue::from(who.unit.as_ref().map(UnitId::as_str)),
            who.subject.as_str().into(),
            field.into(),
            purpose.in_chinese().into(),
            i64::try_from(found).unwrap_or(i64::MAX).into(),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::rules::Rules;
    use crate::base::test_support::{keys, migrated_db, seed_demo, staff_member, store_case, t};

    const AT: &str = "2025-09-30T10:00:00+08:00";

    fn submit(db: &NativeDb, n: u8, phone: &str, title: &str, content: &str, at: &str) -> i64 {
        let body = serde_json::json!({
            "channel": "online_platform", "kind": "complaint", "title": title,
            "content": content, "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": phone}
        });
        let id = store_case(db, n, body, at);
        let rules = Rules::defaults();
        crate::triage::pipeline::screen_case(db, id, &rules, t(at)).expect("screens");
        crate::triage::pipeline::dispatch_case(db, id, &rules, t(at)).expect("dispatches");
        id.get()
    }

    /// Three cases: a lamp (城管), a noise complaint (住建) by the same
    /// caller a week later, water (水利) by another.
    fn setup() -> (NativeDb, [i64; 3]) {
        let db = migrated_db();
        seed_demo(&db);
        let lamp = submit(
            &db,
            1,
            "13812345678",
            "路灯不亮",
            "九州路路灯已坏一周，请尽快维修。",
            AT,
        );
        let noise = submit(
            &db,
            2,
            "138 1234 5678",
            "小区噪音",
            "小区物业管理混乱，夜间施工噪音扰民。",
            "2025-10-09T10:00:00+08:00",
        );
        let water = submit(
            &db,
            3,
            "13900001111",
            "停水",
            "淇滨大道停水两天，何时恢复供水？",
            AT,
        );
        (db, [lamp, noise, water])
    }

    fn query(pairs: &[(&str, &str)]) -> Result<SearchQuery, Vec<FieldError>> {
        SearchQuery::from_query(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn ids(db: &NativeDb, who: &Principal, pairs: &[(&str, &str)]) -> Vec<i64> {
        let q = query(pairs).expect("a valid query");
        search(
            db,
            &keys(),
            who,
            &q,
            t("2025-10-10T09:00:00+08:00").with_timezone(&Utc),
        )
        .expect("searched")
        .cases
        .iter()
        .map(|c| c.item.case_id.get())
        .collect()
    }

    #[test]
    fn staff_find_a_case_by_a_two_character_word_its_code_its_callers_phone_and_its_facts() {
        let (db, [lamp, noise, water]) = setup();
        let bureau = staff_member(Role::Bureau);
        assert_eq!(ids(&db, &bureau, &[("q", "路灯")]), vec![lamp]);
        assert_eq!(ids(&db, &bureau, &[("q", "噪音 物业")]), vec![noise]);
        assert_eq!(ids(&db, &bureau, &[("q", "停电")]), Vec::<i64>::new());
        // Nothing a word can be made of finds nothing; so do days the wrong
        // way round (neither is an error).
        assert_eq!(ids(&db, &bureau, &[("q", "路 灯")]), Vec::<i64>::new());
        assert_eq!(
            ids(
                &db,
                &bureau,
                &[("from", "2025-10-09"), ("to", "2025-10-01")]
            ),
            Vec::<i64>::new()
        );
        let code: String = db
            .execute(
                "SELECT tracking_code FROM cases WHERE id = ?",
                &[water.into()],
            )
            .expect("code")
            .row(0)
            .expect("row")
            .text("tracking_code")
            .expect("text")
            .into();
        assert_eq!(ids(&db, &bureau, &[("code", &code)]), vec![water]);
        // The phone as the caller says it, newest first.
        assert_eq!(
            ids(&db, &bureau, &[("phone", "+86 13812345678")]),
            vec![noise, lamp]
        );
        assert_eq!(
            ids(&db, &bureau, &[("phone", "13812345678"), ("q", "路灯")]),
            vec![lamp]
        );
        // Dates received, both included; the unit; the status.
        assert_eq!(ids(&db, &bureau, &[("from", "2025-10-09")]), vec![noise]);
        assert_eq!(
            ids(&db, &bureau, &[("to", "2025-09-30")]),
            vec![water, lamp]
        );
        assert_eq!(ids(&db, &bureau, &[("unit", "qibin-urban")]), vec![lamp]);
        assert_eq!(
            ids(&db, &bureau, &[("status", "handling"), ("q", "停水")]),
            vec![water]
        );
        // Online cases finish in 5 working days: the two of 30 September
        // were due on 14 October.
        let later = |pairs: &[(&str, &str)]| -> Vec<i64> {
            search(
                &db,
                &keys(),
                &bureau,
                &query(pairs).expect("q"),
                t("2025-10-15T09:00:00+08:00").with_timezone(&Utc),
            )
            .expect("searched")
            .cases
            .iter()
            .map(|c| c.item.case_id.get())
            .collect()
        };
        assert_eq!(later(&[("overdue", "true")]), vec![water, lamp]);
        assert_eq!(later(&[("overdue", "false")]), vec![noise]);
    }

    #[test]
    fn the_csv_names_status_channel_kind_and_unit_in_chinese() {
        let (db, _) = setup();
        let q = query(&[("q", "路灯")]).expect("q");
        let page = search(&db, &keys(), &staff_member(Role::Bureau), &q, Utc::now()).expect("page");
        let text = csv(&page);
        assert!(
            text.starts_with("\u{feff}受理编号,标题,状态,主办单位"),
            "{text}"
        );
        assert!(text.contains("路灯不亮,办理中,淇滨区城市管理局,2025-09-30T10:00:00+08:00,网上平台,投诉,410611000,2025-10-14,"), "{text}");
    }

    #[test]
    fn a_unit_finds_only_its_own_cases_and_a_citizen_none() {
        let (db, [lamp, _, _]) = setup();
        let urban = staff_member(Role::Unit);
        assert_eq!(ids(&db, &urban, &[]), vec![lamp]);
        assert_eq!(ids(&db, &urban, &[("q", "噪音")]), Vec::<i64>::new());
        assert_eq!(
            ids(&db, &staff_member(Role::Agent), &[("q", "噪音")]).len(),
            1
        );
        assert_eq!(ids(&db, &staff_member(Role::Supervisor), &[]).len(), 3);
        let q = query(&[]).expect("q");
        for role in [Role::Citizen, Role::Scheduler] {
            assert_eq!(
                search(&db, &keys(), &staff_member(role), &q, Utc::now()),
                Err(SearchError::Role(role))
            );
        }
    }

    #[test]
    fn pages_continue_newest_first_without_repeating_or_skipping() {
        let db = migrated_db();
        let all: Vec<i64> = (1..=7u8)
            .map(|n| {
                store_case(
                    &db,
                    n,
                    crate::base::test_support::complaint(&format!("1381234560{n}")),
                    AT,
                )
                .get()
            })
            .collect();
        let bureau = staff_member(Role::Bureau);
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut pairs = vec![("q", "路灯".to_string()), ("limit", "3".to_string())];
            if let Some(c) = &cursor {
                pairs.push(("cursor", c.clone()));
            }
            let q = SearchQuery::from_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
            .expect("q");
            let page = search(&db, &keys(), &bureau, &q, Utc::now()).expect("page");
            seen.extend(page.cases.iter().map(|c| c.item.case_id.get()));
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, all.iter().rev().copied().collect::<Vec<_>>());
    }

    #[test]
    fn a_bad_query_is_refused_field_by_field() {
        let fields = |pairs: &[(&str, &str)]| -> Vec<String> {
            query(pairs).map_or_else(|e| e.into_iter().map(|f| f.field).collect(), |_| vec![])
        };
        assert_eq!(fields(&[("q", "路")]), vec!["q"]);
        assert_eq!(fields(&[("q", "")]), vec!["q"]);
        assert_eq!(fields(&[("phone", "12345")]), vec!["phone"]);
        assert_eq!(
            fields(&[
                ("status", "open"),
                ("from", "2025-13-01"),
                ("overdue", "yes")
            ]),
            vec!["from", "overdue", "status"]
        );
        assert_eq!(
            fields(&[("limit", "0"), ("cursor", "zz")]),
            vec!["cursor", "limit"]
        );
        // An empty parameter is a bad one.
        assert_eq!(
            fields(&[("unit", ""), ("phone", " ")]),
            vec!["phone", "unit"]
        );
    }

    #[test]
    fn a_search_by_phone_is_on_the_audit_trail_without_the_number_and_finds_cases_under_an_older_key(
    ) {
        let (db, [lamp, noise, _]) = setup();
        let bureau = staff_member(Role::Bureau);
        ids(&db, &bureau, &[("q", "路灯")]);
        ids(&db, &bureau, &[("phone", "13812345678")]);
        let rows = db
            .execute("SELECT * FROM personal_searches", &[])
            .expect("audit");
        assert_eq!(rows.rows.len(), 1, "only the phone search is recorded");
        let r = rows.row(0).expect("row");
        assert_eq!(
            (
                r.text("actor_subject"),
                r.text("field"),
                r.text("purpose"),
                r.integer("found")
            ),
            (Ok("zhang.wei"), Ok("phone"), Ok("工单查询"), Ok(2))
        );
        let everything = format!("{:?}", rows.rows);
        assert!(!everything.contains("5678"), "{everything}");
        // After the secret changed, the records not yet re-sealed carry
        // the old key's hash: found with the old key among the previous.
        let rotated = Keys::with_previous("a new deployment secret", ["test deployment secret"])
            .expect("keys");
        let q = query(&[("phone", "13812345678")]).expect("q");
        let found: Vec<i64> = search(&db, &rotated, &bureau, &q, Utc::now())
            .expect("searched")
            .cases
            .iter()
            .map(|c| c.item.case_id.get())
            .collect();
        assert_eq!(found, vec![noise, lamp]);
        let only_new = Keys::from_secret("a new deployment secret").expect("keys");
        assert!(search(&db, &only_new, &bureau, &q, Utc::now())
            .expect("searched")
            .cases
            .is_empty());
    }
}
