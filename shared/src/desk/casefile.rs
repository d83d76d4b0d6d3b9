//! The case as staff need it to work it: every deadline with its state
//! (earlier ones kept, marked superseded), the history of moves (who — the
//! token's subject, role, unit — when, which action, the article, the
//! details), the current reply with its leader review and release, and the
//! quality-check rounds. Read from the store, decided here.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::base::clock;
use crate::base::db::Db;
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::case::stored::StoreError;
use crate::case::words::Role;
use crate::lifecycle::history;
use crate::lifecycle::history::StoredEvent;
use crate::lifecycle::{allowed_actions, ActionKind, Actor, Event};
use crate::oversight::reminder_rows;
use crate::oversight::reminder_rows::UrgeNotice;
use crate::record::cases;
use crate::record::cases::PublicRejection;
use crate::time::deadline_rows;
use crate::time::deadline_rows::StoredDeadline;
use crate::time::deadlines::Milestone;

/// One deadline and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineState {
    /// What it is for.
    pub milestone: Milestone,
    /// The last day, China time.
    pub due: NaiveDate,
    /// The end of that day.
    #[serde(serialize_with = "clock::serialize")]
    pub due_at: DateTime<FixedOffset>,
    /// When it was met, if it was.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub met_at: Option<DateTime<FixedOffset>>,
    /// Running and not met in time: past due now, or met after it.
    pub overdue: bool,
    /// Whether every day counted came from a loaded calendar notice.
    pub verified: bool,
    /// Replaced by a later deadline of the same milestone (kept on record).
    pub superseded: bool,
}

impl DeadlineState {
    /// A stored deadline's state at `now`.
    pub fn of(d: &StoredDeadline, now: DateTime<Utc>) -> Self {
        let superseded = !d.active;
        let reached = d.met_at.map(|m| m.with_timezone(&Utc)).unwrap_or(now);
        Self {
            milestone: d.milestone,
            due: d.due_date,
            due_at: d.due_at,
            met_at: d.met_at,
            overdue: !superseded && reached > d.due_at.with_timezone(&Utc),
            verified: d.verified,
            superseded,
        }
    }
}

/// Who made a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    /// The token's subject, or the stage acting for the bureau.
    pub subject: Option<String>,
    /// Their role.
    pub role: Role,
    /// Their unit, for unit staff.
    pub unit: Option<UnitId>,
}

/// One recorded event of a move.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// When, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
    /// Who.
    pub actor: Who,
    /// The action that made the move.
    pub action: Option<ActionKind>,
    /// What was recorded (`routed`, `qc_failed`, ...).
    pub event: String,
    /// The articles that allowed it.
    pub article: String,
    /// The event's fields.
    pub details: serde_json::Value,
}

impl From<StoredEvent> for HistoryEntry {
    fn from(e: StoredEvent) -> Self {
        let mut details = e.data;
        if let Some(fields) = details.as_object_mut() {
            fields.remove("type");
        }
        Self {
            at: e.at,
            actor: Who {
                subject: e.actor_subject,
                role: e.actor_role,
                unit: e.actor_unit,
            },
            action: e.action,
            event: e.kind,
            article: e.article,
            details,
        }
    }
}

/// The unit leader's review of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderReview {
    /// The reviewing leader.
    pub leader: String,
    /// Whether the draft went on to QC.
    pub approved: bool,
    /// The leader's note.
    pub note: String,
    /// When.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// The reply of the current round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The reply round.
    pub round: u32,
    /// The draft's text.
    pub text: String,
    /// For a suggestion: whether it is taken up, and why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<crate::lifecycle::Adoption>,
    /// Why a suggestion is not (wholly) taken up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption_reason: Option<String>,
    /// Whether the reply is issued in writing.
    pub written_reply: bool,
    /// When it was drafted.
    #[serde(serialize_with = "clock::serialize")]
    pub drafted_at: DateTime<FixedOffset>,
    /// The leader's review, once given.
    pub leader_review: Option<LeaderReview>,
    /// When the bureau's check released it to the submitter.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub released_at: Option<DateTime<FixedOffset>>,
}

/// One quality check of a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QcRound {
    /// The reply round checked.
    pub round: u32,
    /// Whether it passed.
    pub passed: bool,
    /// What must be redone, when it failed.
    pub reasons: Option<String>,
    /// When.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// Everything staff need to work a case, beside its view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFile {
    /// What the reader may do to the case now (the staff actions the table
    /// of moves allows them).
    pub allowed_actions: Vec<ActionKind>,
    /// Every deadline, oldest first.
    pub deadlines: Vec<DeadlineState>,
    /// Every recorded move, oldest first.
    pub events: Vec<HistoryEntry>,
    /// The current round's reply, once drafted.
    pub reply: Option<Reply>,
    /// Every quality check, oldest first.
    pub qc_rounds: Vec<QcRound>,
    /// Why the case is not accepted, while it is rejected.
    pub rejection: Option<PublicRejection>,
    /// Every urge notice (催办单) and warning the case had, oldest first.
    pub urge_notices: Vec<UrgeNotice>,
}

/// The reply and the QC rounds, as the events record them.
fn replies(events: &[StoredEvent]) -> (Option<Reply>, Vec<QcRound>) {
    let mut reply: Option<Reply> = None;
    let mut rounds = Vec::new();
    for e in events {
        let Ok(event) = serde_json::from_value::<Event>(e.data.clone()) else {
            continue;
        };
        match event {
            Event::ReplyDrafted {
                round,
                text,
                adoption,
                adoption_reason,
                written_reply,
            } => {
                reply = Some(Reply {
                    round,
                    text,
                    adoption,
                    adoption_reason,
                    written_reply,
                    drafted_at: e.at,
                    leader_review: None,
                    released_at: None,
                })
            }
            Event::LeaderReviewed {
                round,
                leader,
                approved,
                note,
            } => {
                if let Some(r) = reply.as_mut().filter(|r| r.round == round) {
                    r.leader_review = Some(LeaderReview {
                        leader,
                        approved,
                        note,
                        at: e.at,
                    });
                }
            }
            Event::QcPassed { round } => {
                if let Some(r) = reply.as_mut().filter(|r| r.round == round) {
                    r.released_at = Some(e.at);
                }
                rounds.push(QcRound {
                    round,
                    passed: true,
                    reasons: None,
                    at: e.at,
                });
            }
            Event::QcFailed { round, reasons } => rounds.push(QcRound {
                round,
                passed: false,
                reasons: Some(reasons),
                at: e.at,
            }),
            _ => {}
        }
    }
    (reply, rounds)
}

/// The case file of `case` as `reader` sees it at `now`.
pub fn case_file(
    db: &impl Db,
    case: CaseId,
    reader: &Actor,
    now: DateTime<Utc>,
) -> Result<CaseFile, StoreError> {
    let lifecycle = history::load_lifecycle(db, case)?.lifecycle;
    let deadlines = deadline_rows::deadline_history(db, case)?
        .iter()
        .map(|d| DeadlineState::of(d, now))
        .collect();
    let stored = history::events(db, case)?;
    let (reply, qc_rounds) = replies(&stored);
    Ok(CaseFile {
        allowed_actions: allowed_actions(&lifecycle, reader),
        deadlines,
        events: stored.into_iter().map(HistoryEntry::from).collect(),
        reply,
        qc_rounds,
        rejection: lifecycle
            .rejection
            .map(|category| cases::rejection_of(db, case, category))
            .transpose()?,
        urge_notices: reminder_rows::urge_notices(db, case)?,
    })
}

#[cfg(test)]
#[path = "casefile_tests.rs"]
mod tests;
