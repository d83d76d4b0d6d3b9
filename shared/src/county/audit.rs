//! The audit trail (Art. 11, 12), for the bureau: who read a submitter's
//! personal data in the clear, when, on which case and why, and every
//! change of the county's rules and unit directory, with who made it —
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
    /// A change of the county's rules or calendar.
    Rules,
    /// A change of the unit directory.
    Units,
}

text_enum!(EntryKind {
    PersonalData = "personal_data",
    Rules = "rules",
    Units = "units",
});

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// When, China time.
    pub at: String,
    /// What it is about.
    pub kind: EntryKind,
    /// Who (the token subject).
    pub subject: String,
    /// Their role, where recorded.
    pub role: Option<String>,
    /// Their unit, for unit staff.
    pub unit: Option<String>,
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

/// The three sources as one table: at, kind, id, subject, role, unit,
/// case, what.
const TRAIL: &str = "
    SELECT at, 'personal_data' AS kind, id, actor_subject AS subject, actor_role AS role,
           actor_unit AS unit, case_id, purpose AS what FROM personal_data_reads
    UNION ALL
    SELECT set_at, 'rules', id, set_by, NULL, NULL, NULL,
           family || CASE WHEN key = '' THEN '' ELSE ' ' || key END || ' (version ' || version || ')'
      FROM county_rules
    UNION ALL
    SELECT set_at, 'units', id, set_by, NULL, NULL, NULL, unit_id || ' ' || change || ': ' || body
      FROM unit_changes";

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
        "SELECT * FROM ({TRAIL}) WHERE {} ORDER BY at DESC, kind DESC, id DESC LIMIT ?",
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
                role: r.opt_text("role")?.map(str::to_string),
                unit: r.opt_text("unit")?.map(str::to_string),
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
                e.subject.clone(),
                e.role.clone().unwrap_or_default(),
                e.unit.clone().unwrap_or_default(),
                e.case_id.map(|c| c.to_string()).unwrap_or_default(),
                e.what.clone(),
            ]
        }),
    )
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
