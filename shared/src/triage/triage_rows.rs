//! What screening and dispatch read and write of a case: its texts and
//! county, the same submitter's earlier cases (by the keyed hash of the
//! phone), a repeat merged into its original, and dispatch tried.

use chrono::{DateTime, FixedOffset, Utc};

use crate::base::clock;
use crate::base::db::Db;
use crate::base::ids::{CaseId, CountyCode};
use crate::case::stored::{Column, StoreError};
use crate::lifecycle::history::{lifecycle_columns, versioned, Versioned};
use crate::time::deadline_rows;
use crate::triage::filter::PriorCase;

/// What screening and dispatch read of a case.
pub struct Texts {
    /// The title.
    pub title: String,
    /// The content.
    pub content: String,
    /// Where the matter is.
    pub county: CountyCode,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// The keyed hash of the submitter's phone.
    pub submitter_key: Option<String>,
    /// Where it came in, the handling mode an agent chose, and the rest of
    /// what decides its time limits.
    pub facts: crate::time::deadlines::CaseFacts,
}

/// The columns [`Texts`] are read from (`cases c`, `case_submitters s`),
/// beside `lifecycle_columns!` (which gives `complex`).
macro_rules! texts_columns {
    () => {
        "c.title, c.content, c.county, c.received_at, c.channel, c.mode, s.submitter_key,
         c.kind, c.hall_form, c.urgent"
    };
}

/// A case's lifecycle and what screening and dispatch read of it, in one
/// statement: where each of those stages starts.
pub fn load_with_texts(db: &impl Db, case: CaseId) -> Result<(Versioned, Texts), StoreError> {
    let rows = db.execute(
        concat!(
            "SELECT ",
            lifecycle_columns!(),
            ", ",
            texts_columns!(),
            " FROM cases c LEFT JOIN case_submitters s ON s.case_id = c.id WHERE c.id = ?"
        ),
        &[case.get().into()],
    )?;
    let row = rows.row(0).ok_or(StoreError::NotFound(case))?;
    Ok((versioned(row)?, texts_of(row)?))
}

fn texts_of(row: crate::base::db::Row<'_>) -> Result<Texts, StoreError> {
    Ok(Texts {
        title: row.text("title")?.to_string(),
        content: row.text("content")?.to_string(),
        county: row.parsed("county")?,
        received_at: row.instant("received_at")?.with_timezone(&Utc),
        submitter_key: row.opt_text("submitter_key")?.map(str::to_string),
        facts: deadline_rows::case_facts_of(row)?,
    })
}

/// Merges `repeat` into `original` (并单): the repeat links to it, and
/// the original's history records the repeat (its version moves on).
pub fn merge_repeat(
    db: &impl Db,
    repeat: CaseId,
    original: CaseId,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), StoreError> {
    let rows = db.execute(
        "UPDATE cases SET merged_into = ? WHERE id = ? RETURNING tracking_code",
        &[original.get().into(), repeat.get().into()],
    )?;
    let code = rows
        .row(0)
        .ok_or(StoreError::NotFound(repeat))?
        .text("tracking_code")?
        .to_string();
    let event = crate::lifecycle::Event::RepeatMerged {
        repeat: repeat.get(),
        tracking_code: code,
    };
    let data = serde_json::to_value(&event).map_err(crate::case::stored::corrupt)?;
    db.execute(
        "UPDATE cases SET version = version + 1 WHERE id = ?",
        &[original.get().into()],
    )?;
    db.execute(
        "INSERT INTO case_events (case_id, at, actor_role, actor_subject, type, article, data)
         VALUES (?, ?, 'bureau', 'stage:screening', 'repeat_merged', ?, ?)",
        &[
            original.get().into(),
            crate::base::clock::format(at).into(),
            crate::lifecycle::Citation(&[crate::lifecycle::Article::Screening])
                .to_string()
                .into(),
            data.to_string().into(),
        ],
    )?;
    Ok(())
}

/// The same submitter's earlier cases still open (at most 50, newest
/// first): a repeat of one of them is a duplicate.
pub fn prior_cases(db: &impl Db, case: CaseId, key: &str) -> Result<Vec<PriorCase>, StoreError> {
    let rows = db.execute(
        "SELECT c.id, c.received_at, c.title, c.content FROM cases c
         JOIN case_submitters s ON s.case_id = c.id
         WHERE s.submitter_key = ? AND c.id < ? AND c.status NOT IN ('closed', 'rejected')
         ORDER BY c.id DESC LIMIT 50",
        &[key.into(), case.get().into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(PriorCase {
                case_id: CaseId::new(r.integer("id")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                received_at: r.instant("received_at")?.with_timezone(&Utc),
                text: format!("{}{}", r.text("title")?, r.text("content")?),
            })
        })
        .collect()
}

/// Records that dispatch ran without a unit, or that the bureau took the
/// case into its own hands: the scan leaves it to the bureau.
pub fn mark_dispatch_tried(
    db: &impl Db,
    case: CaseId,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE cases SET dispatch_tried_at = COALESCE(dispatch_tried_at, ?) WHERE id = ?",
        &[clock::format(at).into(), case.get().into()],
    )?;
    Ok(())
}
