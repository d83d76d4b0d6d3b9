//! The audit trail (Art. 11, 12), for the bureau: who read a submitter's
//! personal data in the clear, when, on which case and why, every change
//! of the county's rules and directories, with who made it, and every
//! sign-in, failure and sign-out with the client's address —
//! newest first, filtered, paged by a keyset cursor, or as CSV.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::access::Principal;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::FieldError;
use crate::case::stored::StoreError;
use crate::case::words::Role;

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A submitter's personal data read in the clear.
    PersonalData,
    /// Cases searched for by a submitter's personal field (the phone):
    /// which field, why, how many found — never the value.
    PersonalSearch,
    /// A change of the county's rules or calendar.
    Rules,
    /// A change of the unit directory.
    Units,
    /// A change of the staff directory.
    Staff,
    /// A sign-in, a failed one, a bootstrap or a sign-out, with the
    /// client's address.
    SignIn,
}

text_enum!(EntryKind {
    PersonalData = "personal_data",
    PersonalSearch = "personal_search",
    Rules = "rules",
    Units = "units",
    Staff = "staff",
    SignIn = "sign_in",
});

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// When, China time.
    pub at: String,
    /// What it is about.
    pub kind: EntryKind,
    /// Who: the person's id in the staff directory (or `seed`,
    /// `bootstrap`, `development`, a username).
    pub subject: String,
    /// Their name, where the directory has them.
    pub name: Option<String>,
    /// Their role, where recorded.
    pub role: Option<String>,
    /// Their unit, for unit staff.
    pub unit: Option<String>,
    /// That unit's name in the directory.
    pub unit_name: Option<String>,
    /// The case, for a read of personal data.
    pub case_id: Option<i64>,
    /// Why (the purpose given) or what changed.
    pub what: String,
    #[serde(skip)]
    id: i64,
}

/// One page of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<Entry>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// What to list: `kind`, `from`/`to` (China dates, both included),
/// `case`, `subject`, `limit` (default 50, at most 500) and `cursor`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    kind: Option<EntryKind>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    case: Option<i64>,
    subject: Option<String>,
    limit: u32,
    cursor: Option<(String, String, i64)>,
}

/// Why the trail cannot be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuditError {
    /// Only the bureau reads the trail.
    #[error("only the bureau reads the audit trail, not the {0} role")]
    Role(Role),
    /// Reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for AuditError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl AuditQuery {
    /// Reads the query string; every bad parameter named.
    pub fn from_query(query: &BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut q = AuditQuery {
            limit: 50,
            ..AuditQuery::default()
        };
        for (name, value) in query {
            let mut bad = |what: &str| errors.push(FieldError::new(name, "invalid", what));
            match name.as_str() {
                "kind" => match value.parse() {
                    Ok(k) => q.kind = Some(k),
                    Err(()) => bad(&format!("one of: {}", EntryKind::ALL.join(", "))),
                },
                "from" | "to" => match crate::base::clock::day(value) {
                    Some(d) if name == "from" => q.from = Some(d),
                    Some(d) => q.to = Some(d),
                    None => bad("a date, YYYY-MM-DD"),
                },
                "case" => match value.parse::<i64>() {
                    Ok(n) if n > 0 => q.case = Some(n),
                    _ => bad("a case id"),
                },
                "subject" if !value.trim().is_empty() => q.subject = Some(value.trim().into()),
                "limit" => match value.parse::<u32>() {
                    Ok(n) if (1..=500).contains(&n) => q.limit = n,
                    _ => bad("a whole number from 1 to 500"),
                },
                "cursor" => match decode(value) {
                    Some(c) => q.cursor = Some(c),
                    None => bad("the `next` of the previous page"),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }
}

fn encode(at: &str, kind: &str, id: i64) -> String {
    crate::base::cursor::encode(&format!("{at}|{kind}|{id}"))
}

fn decode(text: &str) -> Option<(String, String, i64)> {
    let text = crate::base::cursor::decode(text)?;
    let mut parts = text.rsplitn(3, '|');
    let id = parts.next()?.parse().ok()?;
    let kind = parts.next()?.to_string();
    let at = parts.next()?.to_string();
    Some((at, kind, id))
}

/// The six sources as one table: at, kind, id, subject, role, unit,
/// case, what.
const TRAIL: &str = "
    SELECT at, 'personal_data' AS kind, id, actor_subject AS subject, actor_role AS role,
           actor_unit AS unit, case_id, purpose AS what FROM personal_data_reads
    UNION ALL
    SELECT at, 'personal_search', id, actor_subject, actor_role, actor_unit, NULL,
           purpose || '：按' || CASE field WHEN 'phone' THEN '来电号码' ELSE field END
             || '查询，找到 ' || found || ' 件'
      FROM personal_searches
    UNION ALL
    SELECT set_at, 'rules', id, set_by, NULL, NULL, NULL,
           CASE family WHEN 'deadlines' THEN '办理时限' WHEN 'filter' THEN '受理审核规则'
                WHEN 'routing' THEN '分办规则' WHEN 'intake' THEN '受理与查询限制'
                WHEN 'calendar' THEN '节假日安排' WHEN 'reminder' THEN '催办与回访规则' ELSE family END
             || CASE WHEN key = '' THEN '' ELSE '（' || key || '年）' END || '：第 ' || version || ' 版'
      FROM county_rules
    UNION ALL
    SELECT set_at, 'units', id, set_by, NULL, NULL, NULL,
           CASE change WHEN 'added' THEN '新增单位' WHEN 'seeded' THEN '部署时新增单位'
                ELSE CASE json_extract(body, '$.retired') WHEN 1 THEN '撤销单位' WHEN 0 THEN '恢复单位' ELSE '修改单位' END END
             || '：' || COALESCE(json_extract(body, '$.name'),
                                (SELECT name FROM units WHERE units.id = unit_id), unit_id)
      FROM unit_changes
    UNION ALL
    SELECT set_at, 'staff', id, set_by, NULL, NULL, NULL,
           CASE change WHEN 'added' THEN '新增人员' WHEN 'seeded' THEN '部署时新增人员' ELSE '修改人员' END
             || '：' || COALESCE(json_extract(body, '$.display_name'),
                                (SELECT display_name FROM staff WHERE staff.id = person_id), person_id)
             || COALESCE('，' || CASE json_extract(body, '$.role') WHEN 'bureau' THEN '管理部门'
                  WHEN 'unit' THEN '承办单位' WHEN 'agent' THEN '话务/窗口' WHEN 'supervisor' THEN '监督'
                  WHEN 'scheduler' THEN '定时任务' END, '')
             || COALESCE('，' || (SELECT name FROM units WHERE units.id = COALESCE(
                  json_extract(body, '$.unit'), json_extract(body, '$.unit_id'))), '')
             || CASE json_extract(body, '$.leader') WHEN 1 THEN '，负责人' ELSE '' END
             || CASE json_extract(body, '$.active') WHEN 0 THEN '，停用' ELSE '' END
      FROM staff_changes
    UNION ALL
    SELECT at, 'sign_in', id, COALESCE(person_id, username), NULL, NULL, NULL,
           CASE event WHEN 'signed_in' THEN '登录' WHEN 'failed' THEN '登录失败' WHEN 'signed_out' THEN '退出'
                WHEN 'signed_out_everywhere' THEN '退出全部会话' WHEN 'bootstrapped' THEN '设立首位管理员'
                WHEN 'first_sign_in' THEN '首次登录' ELSE event END
             || '（' || REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(method,
                  'one_time_password', '临时密码'), 'password', '密码'), 'totp', '动态口令'),
                  'oidc', '统一身份认证'), 'oauth2', '统一身份认证（授权码）'), 'cas', '统一身份认证（票据）'),
                  'bootstrap', '初始化口令'), '+', '＋')
             || '），来自 ' || client
      FROM sign_ins";

/// The trail as `who` may read it (the bureau only), newest first.
pub fn entries(db: &impl Db, who: &Principal, q: &AuditQuery) -> Result<AuditPage, AuditError> {
    if who.role != Role::Bureau {
        return Err(AuditError::Role(who.role));
    }
    let mut clauses = vec!["1 = 1".to_string()];
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(kind) = q.kind {
        clauses.push("kind = ?".into());
        params.push(kind.as_str().into());
    }
    if let Some(from) = q.from {
        clauses.push("at >= ?".into());
        params.push(from.to_string().into());
    }
    if let Some(to) = q.to.and_then(|d| d.succ_opt()) {
        clauses.push("at < ?".into());
        params.push(to.to_string().into());
    }
    if let Some(case) = q.case {
        clauses.push("case_id = ?".into());
        params.push(case.into());
    }
    if let Some(subject) = &q.subject {
        clauses.push("subject = ?".into());
        params.push(subject.as_str().into());
    }
    if let Some((at, kind, id)) = &q.cursor {
        clauses.push("(at, kind, id) < (?, ?, ?)".into());
        params.extend([at.as_str().into(), kind.as_str().into(), (*id).into()]);
    }
    params.push(i64::from(q.limit + 1).into());
    let sql = format!(
        "SELECT * FROM (SELECT t.*, s.display_name AS name, u.name AS unit_name
                        FROM ({TRAIL}) t LEFT JOIN staff s ON s.id = t.subject
                        LEFT JOIN units u ON u.id = t.unit)
         WHERE {} ORDER BY at DESC, kind DESC, id DESC LIMIT ?",
        clauses.join(" AND ")
    );
    let rows = db.execute(&sql, &params)?;
    let mut entries = rows
        .iter()
        .map(|r| {
            Ok(Entry {
                at: r.text("at")?.to_string(),
                kind: r
                    .text("kind")?
                    .parse()
                    .map_err(|()| StoreError::Corrupt("audit kind".into()))?,
                subject: r.text("subject")?.to_string(),
                name: r.opt_text("name")?.map(str::to_string),
                role: r.opt_text("role")?.map(str::to_string),
                unit: r.opt_text("unit")?.map(str::to_string),
                unit_name: r.opt_text("unit_name")?.map(str::to_string),
                case_id: r.get_opt_integer("case_id")?,
                what: r.text("what")?.to_string(),
                id: r.integer("id")?,
            })
        })
        .collect::<Result<Vec<_>, AuditError>>()?;
    let limit = q.limit as usize;
    let next = (entries.len() > limit).then(|| {
        let last = &entries[limit - 1];
        encode(&last.at, last.kind.as_str(), last.id)
    });
    entries.truncate(limit);
    Ok(AuditPage { entries, next })
}

/// The page as CSV (UTF-8 with BOM, Chinese headers).
pub fn csv(page: &AuditPage) -> String {
    crate::base::csv::document(
        &["时间", "类别", "操作人", "角色", "单位", "案件", "内容"],
        page.entries.iter().map(|e| {
            vec![
                e.at.clone(),
                e.kind.as_str().to_string(),
                match &e.name {
                    Some(name) => format!("{name}（{}）", e.subject),
                    None => e.subject.clone(),
                },
                e.role.clone().unwrap_or_default(),
                e.unit.clone().unwrap_or_default(),
                e.case_id.map(|c| c.to_string()).unwrap_or_default(),
                e.what.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    //! The audit trail against real SQLite: reads of personal data and admin
    //! changes, newest first, filtered, paged; the bureau's alone.

    use super::*;
    use crate::base::test_support::{migrated_db, store_case, t};
    use serde_json::json;

    fn who(role: Role, subject: &str) -> Principal {
        Principal {
            subject: subject.into(),
            name: "测试人员".into(),
            role,
            unit: (role == Role::Unit).then(|| "qibin-urban".parse().expect("unit")),
            leader: false,
        }
    }

    fn query(pairs: &[(&str, &str)]) -> AuditQuery {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuditQuery::from_query(&map).expect("a valid query")
    }

    #[test]
    fn the_trail_lists_clear_reads_and_admin_changes_newest_first_with_who_and_why() {
        let db = migrated_db();
        let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
        let case = store_case(&db, 1, body, "2026-11-18T09:00:00+08:00");
        db.execute(
        "INSERT INTO personal_data_reads (case_id, at, actor_role, actor_unit, actor_subject, purpose)
         VALUES (?, '2026-11-18T10:00:00+08:00', 'unit', 'qibin-urban', 'li.clerk', '电话联系投诉人')",
        &[case.get().into()],
    )
    .expect("read recorded");
        let bureau = who(Role::Bureau, "zhang.wei");
        crate::county::admin::put(
            &db,
            &bureau,
            crate::county::admin::Target::Family(crate::base::rules::Family::Reminder),
            &json!({"warning_working_days": 2, "stuck_after_minutes": 5, "batch": 100}),
            t("2026-11-19T10:00:00+08:00"),
        )
        .expect("rules set");
        crate::directory::add(
        &db,
        &bureau,
        &json!({"id": "qibin-culture", "name": "淇滨区文化和旅游局", "county": "410611000", "unit_type": "culture"}),
        t("2026-11-20T10:00:00+08:00"),
    )
    .expect("unit added");

        let page = entries(&db, &bureau, &query(&[])).expect("lists");
        let kinds: Vec<EntryKind> = page.entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![EntryKind::Units, EntryKind::Rules, EntryKind::PersonalData]
        );
        let read = &page.entries[2];
        assert_eq!(
            (read.subject.as_str(), read.case_id, read.what.as_str()),
            ("li.clerk", Some(case.get()), "电话联系投诉人")
        );
        assert_eq!(page.entries[1].what, "催办与回访规则：第 1 版");
        // Filters and pages.
        let reads = entries(&db, &bureau, &query(&[("kind", "personal_data")])).expect("lists");
        assert_eq!(reads.entries.len(), 1);
        let day = entries(
            &db,
            &bureau,
            &query(&[("from", "2026-11-19"), ("to", "2026-11-19")]),
        )
        .expect("lists");
        assert_eq!(
            day.entries.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![EntryKind::Rules]
        );
        let first = entries(&db, &bureau, &query(&[("limit", "2")])).expect("lists");
        let next = first.next.clone().expect("a next page");
        let rest =
            entries(&db, &bureau, &query(&[("limit", "2"), ("cursor", &next)])).expect("lists");
        assert_eq!(
            (rest.entries.len(), rest.entries[0].kind, rest.next),
            (1, EntryKind::PersonalData, None)
        );
        // CSV with the BOM and Chinese headers.
        assert!(csv(&page).starts_with("\u{FEFF}时间,类别,操作人"));
        // The bureau's alone.
        for role in [Role::Supervisor, Role::Unit, Role::Agent] {
            assert_eq!(
                entries(&db, &who(role, "x"), &query(&[])),
                Err(AuditError::Role(role))
            );
        }
        assert!(
            AuditQuery::from_query(&[("kind".to_string(), "weather".to_string())].into()).is_err()
        );
    }
}
