//! The submitter's side of the loop (Art. 6(二).3): once the bureau's
//! check released the reply, the submitter — by tracking code and the last
//! four digits of their phone — rates it, once per closure, and may ask for
//! a review (复查、复核), which puts the case before the bureau again.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::base::db::Db;
use crate::base::fields::{parsed_text, FieldError, FieldValue, Fields, Issue};
use crate::base::ids::TrackingCode;
use crate::case::contact::PhoneLast4;
use crate::case::personal::Keys;
use crate::case::stored::StoreError;
use crate::case::words::Status;
use crate::lifecycle::history;
use crate::lifecycle::{transition, Action, Actor, Satisfaction, TransitionError};
use crate::record::cases;

/// How satisfied the submitter is with the released reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意.
    Satisfied,
    /// 基本满意.
    BasicallySatisfied,
    /// 不满意.
    Dissatisfied,
}

text_enum!(Rating {
    Satisfied = "satisfied",
    BasicallySatisfied = "basically_satisfied",
    Dissatisfied = "dissatisfied",
});

impl From<Rating> for Satisfaction {
    fn from(r: Rating) -> Self {
        match r {
            Rating::Satisfied => Satisfaction::Satisfied,
            Rating::BasicallySatisfied => Satisfaction::BasicallySatisfied,
            Rating::Dissatisfied => Satisfaction::Dissatisfied,
        }
    }
}

impl FieldValue for Rating {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        crate::base::fields::one_of(value, Rating::ALL)
    }
}

impl FieldValue for PhoneLast4 {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        parsed_text(value)
    }
}

/// A rating as the submitter gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The second factor: the last four digits of the submitter's phone.
    pub phone_last4: PhoneLast4,
    /// How satisfied they are.
    pub satisfaction: Rating,
    /// Whether they ask for a review, and why.
    pub review: Option<String>,
}

impl Feedback {
    /// Parses `{"phone_last4", "satisfaction", "request_review", "reason"}`;
    /// `reason` is required when `request_review` is true.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(body)?;
        f.only(
            &["phone_last4", "satisfaction", "request_review", "reason"],
            "a rating",
        );
        let phone_last4 = f.get::<PhoneLast4>("phone_last4");
        let satisfaction = f.get::<Rating>("satisfaction");
        let request_review = f.get::<Option<bool>>("request_review").flatten();
        let reason = f.get::<Option<String>>("reason").flatten();
        let review = match (request_review.unwrap_or(false), reason) {
            (true, None) => {
                if f.raw("reason").is_none() {
                    f.error("reason", "missing", "say why a review is asked for");
                }
                None
            }
            (true, Some(reason)) => Some(reason),
            (false, _) => None,
        };
        let feedback = (|| {
            Some(Self {
                phone_last4: phone_last4?,
                satisfaction: satisfaction?,
                review,
            })
        })();
        f.finish(feedback)
    }
}

/// Why a rating is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedbackError {
    /// No case has this tracking code and phone.
    #[error("no case has this tracking code and phone")]
    NotFound,
    /// The case has no released reply to rate now.
    #[error("the case is {0}: a reply can be rated once it is closed")]
    NotClosed(Status),
    /// The case closed without a reply released by the bureau's check
    /// (answered at once, or on the city government's instruction).
    #[error("the case closed without a released reply to rate")]
    NoReleasedReply,
    /// This closure was rated already.
    #[error("this reply was rated already")]
    AlreadyRated,
    /// The review could not be requested.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for FeedbackError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

/// What the submitter is told after rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rated {
    /// Where the case stands now (`under_review` if a review was asked for).
    pub status: Status,
    /// The rating recorded.
    pub satisfaction: Rating,
    /// Whether a review was asked for.
    pub review_requested: bool,
}

/// Records the submitter's rating of the case `code` names, once per
/// closure, and the review request if any, in one transaction.
pub fn rate(
    db: &impl Db,
    keys: &Keys,
    code: &TrackingCode,
    feedback: &Feedback,
    at: DateTime<FixedOffset>,
) -> Result<Rated, FeedbackError> {
    let case = cases::case_for_submitter(db, keys, code, &feedback.phone_last4)?
        .ok_or(FeedbackError::NotFound)?;
    db.transaction(|db| {
        let current = history::load_lifecycle(db, case)?;
        if current.lifecycle.status != Status::Closed {
            return Err(FeedbackError::NotClosed(current.lifecycle.status));
        }
        if cases::released_reply(db, case)?.is_none() {
            return Err(FeedbackError::NoReleasedReply);
        }
        let closures = db.execute(
            "SELECT COUNT(*) AS n FROM case_events WHERE case_id = ? AND type = 'closed'",
            &[case.get().into()],
        )?;
        let closure = closures
            .row(0)
            .map(|r| r.integer("n"))
            .transpose()?
            .unwrap_or(0);
        let inserted = db.execute(
            "INSERT INTO citizen_feedback (case_id, closure, satisfaction, review_requested, at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, closure) DO NOTHING RETURNING id",
            &[
                case.get().into(),
                closure.into(),
                feedback.satisfaction.as_str().into(),
                i64::from(feedback.review.is_some()).into(),
                crate::base::clock::format(at).into(),
            ],
        )?;
        if inserted.rows.is_empty() {
            return Err(FeedbackError::AlreadyRated);
        }
        let mut status = Status::Closed;
        if let Some(reason) = &feedback.review {
            let t = transition(
                &current.lifecycle,
                Action::RequestReview {
                    reason: reason.clone(),
                },
                &Actor::citizen(),
            )?;
            history::record_move(db, case, current.version, &t, &Actor::citizen(), at)?;
            status = t.lifecycle.status;
        }
        Ok(Rated {
            status,
            satisfaction: feedback.satisfaction,
            review_requested: feedback.review.is_some(),
        })
    })
}

#[cfg(test)]
#[path = "feedback_tests.rs"]
mod tests;
