//! The submitter's side of the loop (Art. 6(二).3): once the bureau's
//! check released the reply, the submitter — by tracking code and the last
//! four digits of their phone — rates it, once per closure, and may ask for
//! a review (复查、复核), which puts the case before the bureau again.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::base::db::{Db, SqlValue};
use crate::base::fields::{parsed_text, FieldError, FieldValue, Fields, Issue};
use crate::base::ids::TrackingCode;
use crate::case::contact::PhoneLast4;
use crate::case::personal::Keys;
use crate::case::stored::{Column, StoreError};
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
    /// What they say of the reply (`comment`, else the `reason` given, with
    /// or without asking for a review): kept with the rating, never
    /// discarded.
    pub comment: Option<String>,
}

impl Feedback {
    /// Parses `{"phone_last4", "satisfaction", "comment", "request_review",
    /// "reason"}`; `reason` is required when `request_review` is true.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(body)?;
        f.only(
            &[
                "phone_last4",
                "satisfaction",
                "comment",
                "request_review",
                "reason",
            ],
            "a rating",
        );
        let phone_last4 = f.get::<PhoneLast4>("phone_last4");
        let satisfaction = f.get::<Rating>("satisfaction");
        let request_review = f.get::<Option<bool>>("request_review").flatten();
        let reason = f.get::<Option<String>>("reason").flatten();
        let comment = f
            .get::<Option<String>>("comment")
            .flatten()
            .or_else(|| reason.clone());
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
                comment,
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
    /// The comment kept with it.
    pub comment: Option<String>,
}

/// A rating the submitter gave, as the case file shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CitizenRating {
    /// Which closure it rates (1 for the first reply, 2 after a review…).
    pub closure: i64,
    /// How satisfied they were.
    pub satisfaction: Rating,
    /// What they said, if anything.
    pub comment: Option<String>,
    /// Whether they asked for a review with it.
    pub review_requested: bool,
    /// When.
    #[serde(serialize_with = "crate::base::clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// Every rating of `case`, oldest first.
pub fn ratings(
    db: &impl Db,
    case: crate::base::ids::CaseId,
) -> Result<Vec<CitizenRating>, StoreError> {
    let rows = db.execute(
        "SELECT closure, satisfaction, comment, review_requested, at
         FROM citizen_feedback WHERE case_id = ? ORDER BY id",
        &[case.get().into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(CitizenRating {
                closure: r.integer("closure")?,
                satisfaction: r.parsed("satisfaction")?,
                comment: r.opt_text("comment")?.map(str::to_string),
                review_requested: r.integer("review_requested")? != 0,
                at: r.instant("at")?,
            })
        })
        .collect()
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
            "INSERT INTO citizen_feedback (case_id, closure, satisfaction, review_requested, at, comment)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, closure) DO NOTHING RETURNING id",
            &[
                case.get().into(),
                closure.into(),
                feedback.satisfaction.as_str().into(),
                i64::from(feedback.review.is_some()).into(),
                crate::base::clock::format(at).into(),
                SqlValue::from(feedback.comment.clone()),
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
            comment: feedback.comment.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    //! The submitter rates a released reply once per closure and may ask for a
    //! review, which brings the case back before the bureau.

    use super::*;
    use crate::base::ids::CaseId;
    use crate::base::test_support::{keys, migrated_db, store_case, t};
    use crate::case::words::Role;
    use crate::desk::actions::{apply, TimeRules};
    use crate::lifecycle::history;
    use crate::time::calendar::Calendar;
    use crate::time::deadlines::DeadlineRules;
    use serde_json::json;

    fn close(db: &crate::base::db::NativeDb, case: CaseId, at: &str) {
        let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
        let rules = TimeRules {
            calendar: &calendar,
            deadlines: &deadlines,
        };
        let clerk = Actor::unit("qibin-urban".parse().expect("unit"));
        let signed = history::load_lifecycle(db, case)
            .expect("loads")
            .lifecycle
            .signed;
        let sign = (!signed).then(|| {
            (
                Action::AcceptAssignment {
                    note: String::new(),
                },
                clerk.clone(),
            )
        });
        let steps = sign.into_iter().chain([
            (
                Action::DraftReply {
                    text: "已修复".into(),
                    adoption: None,
                    adoption_reason: None,
                    written_reply: None,
                },
                clerk.clone(),
            ),
            (
                Action::LeaderReview {
                    approved: true,
                    note: String::new(),
                    text: None,
                },
                Actor {
                    leader: true,
                    ..clerk
                },
            ),
            (Action::QcPass {}, Actor::bureau()),
        ]);
        for (action, who) in steps {
            let version = history::load_lifecycle(db, case).expect("loads").version;
            apply(db, case, version, action, &who, &rules, t(at)).expect("legal");
        }
    }

    fn feedback(body: Value) -> Feedback {
        Feedback::parse(&body).expect("valid")
    }

    #[test]
    fn the_submitter_rates_once_per_closure_and_a_review_brings_the_case_back() {
        let db = migrated_db();
        crate::base::test_support::seed_demo(&db);
        let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
        let case = store_case(&db, 1, body, "2025-10-09T09:00:00+08:00");
        let rules = crate::base::rules::Rules::defaults();
        crate::triage::pipeline::screen_case(&db, case, &rules, t("2025-10-09T09:00:00+08:00"))
            .expect("screens");
        crate::triage::pipeline::dispatch_case(&db, case, &rules, t("2025-10-09T09:00:00+08:00"))
            .expect("routes");
        let code = TrackingCode::from_random([1; 8]);
        let at = t("2025-10-15T10:00:00+08:00");
        let dissatisfied = feedback(
            json!({"phone_last4": "5678", "satisfaction": "dissatisfied",
        "request_review": true, "reason": "路灯仍不亮"}),
        );

        // Not closed yet: nothing to rate.
        assert_eq!(
            rate(&db, &keys(), &code, &dissatisfied, at),
            Err(FeedbackError::NotClosed(Status::Handling))
        );
        close(&db, case, "2025-10-14T10:00:00+08:00");
        // The wrong phone looks like an unknown code.
        let wrong = feedback(json!({"phone_last4": "0000", "satisfaction": "satisfied"}));
        assert_eq!(
            rate(&db, &keys(), &code, &wrong, at),
            Err(FeedbackError::NotFound)
        );

        let rated = rate(&db, &keys(), &code, &dissatisfied, at).expect("rated");
        assert_eq!(
            (rated.status, rated.review_requested),
            (Status::UnderReview, true)
        );
        let events = history::events(&db, case).expect("events");
        let requested = events.last().expect("an event");
        assert_eq!(
            (
                requested.kind.as_str(),
                requested.actor_role,
                requested.actor_subject.as_deref()
            ),
            ("review_requested", Role::Citizen, Some("citizen"))
        );

        // The bureau returns it; the unit replies again; closed a second time.
        let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
        let version = history::load_lifecycle(&db, case).expect("loads").version;
        apply(
            &db,
            case,
            version,
            Action::ReturnOnReview {
                reason: "需重新维修".into(),
            },
            &Actor::bureau(),
            &TimeRules {
                calendar: &calendar,
                deadlines: &deadlines,
            },
            at,
        )
        .expect("returned");
        close(&db, case, "2025-10-16T10:00:00+08:00");
        let satisfied = feedback(json!({"phone_last4": "5678", "satisfaction": "satisfied",
            "reason": "这次修好了"}));
        let later = t("2025-10-17T10:00:00+08:00");
        assert_eq!(
            rate(&db, &keys(), &code, &satisfied, later).map(|r| r.status),
            Ok(Status::Closed)
        );
        assert_eq!(
            rate(&db, &keys(), &code, &satisfied, later),
            Err(FeedbackError::AlreadyRated)
        );
        let rows = db
            .execute(
                "SELECT closure, satisfaction FROM citizen_feedback ORDER BY id",
                &[],
            )
            .expect("rows");
        let got: Vec<(i64, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.integer("closure").expect("closure"),
                    r.text("satisfaction").expect("text").to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "dissatisfied".to_string()),
                (2, "satisfied".to_string())
            ]
        );
        // Both comments kept — the review's reason, and a reason given
        // without asking for one — and shown in the case file.
        let said: Vec<(i64, Rating, Option<String>, bool)> = ratings(&db, case)
            .expect("reads")
            .into_iter()
            .map(|r| (r.closure, r.satisfaction, r.comment, r.review_requested))
            .collect();
        assert_eq!(
            said,
            vec![
                (1, Rating::Dissatisfied, Some("路灯仍不亮".into()), true),
                (2, Rating::Satisfied, Some("这次修好了".into()), false),
            ]
        );
        let file = crate::desk::casefile::case_file(
            &db,
            case,
            &Actor::bureau(),
            true,
            later.with_timezone(&chrono::Utc),
        )
        .expect("file");
        assert_eq!(file.ratings.len(), 2);
    }

    #[test]
    fn a_review_needs_a_reason_and_a_rating_is_one_of_three() {
        let errs = |body: Value| -> Vec<(String, &'static str)> {
            Feedback::parse(&body)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            errs(
                json!({"phone_last4": "5678", "satisfaction": "satisfied", "request_review": true})
            ),
            vec![("reason".to_string(), "missing")]
        );
        assert_eq!(
            errs(
                json!({"phone_last4": "5678", "satisfaction": "satisfied", "request_review": true,
            "reason": " "})
            ),
            vec![("reason".to_string(), "invalid")]
        );
        assert_eq!(
            errs(json!({"phone_last4": "56", "satisfaction": "unreachable"})),
            vec![
                ("phone_last4".to_string(), "invalid"),
                ("satisfaction".to_string(), "unknown_value")
            ]
        );
    }

    #[test]
    fn a_case_answered_at_once_has_no_released_reply_to_rate() {
        let db = migrated_db();
        let body = json!({"channel": "hotline_phone", "kind": "consultation", "title": "社保咨询",
        "content": "请问社保卡在哪里办理？", "county": "410611000", "mode": "immediate",
        "answer": "请到区政务服务中心社保窗口办理。",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
        let case = store_case(&db, 1, body.clone(), "2025-10-09T09:00:00+08:00");
        let new = crate::case::intake::NewCase::parse(&body).expect("valid");
        crate::triage::pipeline::answer_at_intake(
            &db,
            case,
            &new,
            &Actor::agent(),
            t("2025-10-09T09:00:00+08:00"),
        )
        .expect("answered");
        let code = TrackingCode::from_random([1; 8]);
        let rating = feedback(json!({"phone_last4": "5678", "satisfaction": "satisfied"}));
        assert_eq!(
            rate(&db, &keys(), &code, &rating, t("2025-10-09T10:00:00+08:00")),
            Err(FeedbackError::NoReleasedReply)
        );
    }
}
