//! How reading or writing a case's rows fails ([`StoreError`], one type for
//! every concern's SQL) and typed values off a stored row: each concern
//! keeps its own statements beside it (`*_rows.rs`, `lifecycle::history`,
//! `record::cases`) and reads its columns through [`Column`].

use thiserror::Error;

use chrono::{DateTime, FixedOffset};

use crate::base::db::{DbError, Row};
use crate::base::ids::CaseId;
use crate::case::personal::SealError;

/// Why reading or writing a case failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StoreError {
    /// The database failed or refused the statement.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No such case.
    #[error("no case {0}")]
    NotFound(CaseId),
    /// Someone else changed the case since it was read (HTTP 412).
    #[error("case {case} changed: expected version {expected}, it is at {actual}")]
    Stale {
        /// The case.
        case: CaseId,
        /// The version it was read at.
        expected: i64,
        /// The version it is at.
        actual: i64,
    },
    /// The Idempotency-Key was used before for a different submission.
    #[error("this Idempotency-Key was already used for a different submission")]
    IdempotencyKeyReused,
    /// Personal data could not be sealed or opened.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A stored row no longer parses (e.g. an edited database).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Typed values off a stored row: a value that does not parse marks the
/// row corrupt, naming the column.
pub(crate) trait Column {
    fn parsed<T: std::str::FromStr>(&self, column: &str) -> Result<T, StoreError>;
    fn opt_parsed<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>, StoreError>;
    fn instant(&self, column: &str) -> Result<DateTime<FixedOffset>, StoreError>;
    fn opt_instant(&self, column: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError>;
}

fn parse_text<T: std::str::FromStr>(text: &str, column: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| corrupt(format!("{column} {text:?}")))
}

fn parse_instant(text: &str, column: &str) -> Result<DateTime<FixedOffset>, StoreError> {
    crate::base::clock::parse(text).ok_or_else(|| corrupt(format!("{column} {text:?}")))
}

impl Column for Row<'_> {
    fn parsed<T: std::str::FromStr>(&self, column: &str) -> Result<T, StoreError> {
        parse_text(self.text(column)?, column)
    }

    fn opt_parsed<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_text(t, column))
            .transpose()
    }

    fn instant(&self, column: &str) -> Result<DateTime<FixedOffset>, StoreError> {
        parse_instant(self.text(column)?, column)
    }

    fn opt_instant(&self, column: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_instant(t, column))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    //! The lifecycle kept in real SQLite: optimistic concurrency, events,
    //! deadline history and the due scan.

    use super::*;
    use crate::base::db::{Db, NativeDb};
    use crate::base::ids::UnitId;
    use crate::base::test_support::{migrated_db, store_case, t};
    use crate::directory::unit_rows::{units_in, upsert_unit};
    use crate::directory::units::Unit;
    use crate::lifecycle::history::{events, load_lifecycle, record_move, Versioned};
    use crate::lifecycle::{transition, Action, Actor, Lifecycle};
    use crate::oversight::reminder_rows::{DUE_WITH_LEADS_SQL, WAITING_SQL};
    use crate::time::calendar::Calendar;
    use crate::time::deadline_rows::{
        deadline_history, due_by, mark_met, set_deadlines, DeadlineReason, DUE_SCAN_SQL,
    };
    use crate::time::deadlines::deadline;
    use crate::time::deadlines::Milestone;
    use chrono::Utc;

    fn setup() -> (NativeDb, CaseId) {
        let db = migrated_db();
        let body = serde_json::json!({
            "channel": "online_platform", "kind": "complaint", "title": "路灯不亮",
            "content": "淇滨区某小区路灯已坏两周，请尽快维修。", "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
        });
        let id = store_case(&db, 3, body, "2025-09-30T10:00:00+08:00");
        (db, id)
    }

    fn unit(id: &str) -> UnitId {
        id.parse().expect("unit")
    }

    #[test]
    fn a_new_case_starts_received_at_version_one() {
        let (db, id) = setup();
        let v = load_lifecycle(&db, id).expect("loads");
        assert_eq!(
            v,
            Versioned {
                lifecycle: Lifecycle::received(),
                version: 1
            }
        );
    }

    #[test]
    fn a_transition_is_stored_with_its_events_and_bumps_the_version() {
        let (db, id) = setup();
        let at = t("2025-09-30T11:00:00+08:00");
        let v = load_lifecycle(&db, id).expect("loads");
        let accepted = transition(
            &v.lifecycle,
            Action::Accept {
                rule: "accepted".into(),
                flags: vec![],
            },
            &Actor::bureau(),
        )
        .expect("legal");
        let v2 = record_move(&db, id, v.version, &accepted, &Actor::bureau(), at).expect("applies");
        assert_eq!(v2, 2);
        let routed = transition(
            &accepted.lifecycle,
            Action::Route {
                lead: unit("qibin-urban"),
                co_units: vec![unit("qibin-housing")],
            },
            &Actor::bureau(),
        )
        .expect("legal");
        record_move(&db, id, v2, &routed, &Actor::bureau(), at).expect("applies");
        assert!(!accepted.co_units_changed && routed.co_units_changed);
        let loaded = load_lifecycle(&db, id).expect("loads");
        assert_eq!(loaded.lifecycle, routed.lifecycle);
        assert_eq!(loaded.version, 3);
        // A move that leaves the co-units alone keeps them.
        let urged = transition(
            &loaded.lifecycle,
            Action::Urge {
                note: "请加快办理".into(),
            },
            &Actor::bureau(),
        )
        .expect("legal");
        assert!(!urged.co_units_changed);
        record_move(&db, id, 3, &urged, &Actor::bureau(), at).expect("applies");
        assert_eq!(
            load_lifecycle(&db, id).expect("loads").lifecycle.co_units,
            vec![unit("qibin-housing")]
        );
        let log = events(&db, id).expect("events");
        let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["accepted", "routed", "urged"]);
        assert_eq!(log[1].article, "Art. 3, Art. 6");
        assert_eq!(log[1].data["lead"], "qibin-urban");
        assert_eq!(
            (log[1].at, log[1].actor_role),
            (at, crate::case::words::Role::Bureau)
        );
    }

    #[test]
    fn a_stale_version_is_refused_and_changes_nothing() {
        let (db, id) = setup();
        let v = load_lifecycle(&db, id).expect("loads");
        let accepted = transition(
            &v.lifecycle,
            Action::Accept {
                rule: "r".into(),
                flags: vec![],
            },
            &Actor::bureau(),
        )
        .expect("legal");
        record_move(
            &db,
            id,
            1,
            &accepted,
            &Actor::bureau(),
            t("2025-09-30T11:00:00+08:00"),
        )
        .expect("first wins");
        let err = record_move(
            &db,
            id,
            1,
            &accepted,
            &Actor::bureau(),
            t("2025-09-30T11:00:01+08:00"),
        )
        .unwrap_err();
        assert_eq!(
            err,
            StoreError::Stale {
                case: id,
                expected: 1,
                actual: 2
            }
        );
        assert_eq!(events(&db, id).expect("events").len(), 1);
    }

    #[test]
    fn closing_records_when_and_reopening_clears_it() {
        let (db, id) = setup();
        let v = load_lifecycle(&db, id).expect("loads");
        let answered = transition(
            &v.lifecycle,
            Action::AnswerImmediately {
                answer: "已解答".into(),
            },
            &Actor::agent(),
        )
        .expect("legal");
        record_move(
            &db,
            id,
            1,
            &answered,
            &Actor::agent(),
            t("2025-09-30T10:05:00+08:00"),
        )
        .expect("applies");
        let closed_at = |db: &NativeDb| {
            let rows = db
                .execute(
                    "SELECT closed_at FROM cases WHERE id = ?",
                    &[id.get().into()],
                )
                .expect("query");
            rows.row(0)
                .and_then(|r| r.opt_text("closed_at").ok().flatten().map(str::to_string))
        };
        assert_eq!(closed_at(&db).as_deref(), Some("2025-09-30T10:05:00+08:00"));

        let review = transition(
            &answered.lifecycle,
            Action::RequestReview {
                reason: "不满意".into(),
            },
            &Actor::agent(),
        )
        .expect("legal");
        record_move(
            &db,
            id,
            2,
            &review,
            &Actor::agent(),
            t("2025-10-09T09:00:00+08:00"),
        )
        .expect("applies");
        assert_eq!(closed_at(&db), None);

        let upheld = transition(
            &review.lifecycle,
            Action::UpholdReview {
                note: "维持".into(),
            },
            &Actor::bureau(),
        )
        .expect("legal");
        record_move(
            &db,
            id,
            3,
            &upheld,
            &Actor::bureau(),
            t("2025-10-10T09:00:00+08:00"),
        )
        .expect("applies");
        assert_eq!(closed_at(&db).as_deref(), Some("2025-10-10T09:00:00+08:00"));
    }

    #[test]
    fn a_new_deadline_replaces_the_running_one_and_the_original_stays_on_record() {
        let (db, id) = setup();
        let cal = Calendar::official();
        let received = t("2025-09-30T10:00:00+08:00").with_timezone(&Utc);
        let first = deadline(&cal, Milestone::Finish, received, 5).expect("computes");
        set_deadlines(
            &db,
            id,
            std::slice::from_ref(&first),
            DeadlineReason::Routed,
            t("2025-09-30T10:00:00+08:00"),
        )
        .expect("sets");
        let redo_from = t("2025-10-14T16:00:00+08:00").with_timezone(&Utc);
        let redo = deadline(&cal, Milestone::Finish, redo_from, 5).expect("computes");
        set_deadlines(
            &db,
            id,
            &[redo],
            DeadlineReason::QcFailed,
            t("2025-10-14T16:00:00+08:00"),
        )
        .expect("sets");
        let history = deadline_history(&db, id).expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(
            (
                crate::base::clock::format(history[0].due_at),
                history[0].active
            ),
            ("2025-10-14T23:59:59+08:00".to_string(), false)
        );
        assert_eq!(
            (
                crate::base::clock::format(history[1].due_at),
                history[1].reason.as_str(),
                history[1].active
            ),
            ("2025-10-21T23:59:59+08:00".to_string(), "qc_failed", true)
        );
    }

    #[test]
    fn the_due_scan_finds_only_running_deadlines_due_by_the_time_given() {
        let (db, id) = setup();
        let cal = Calendar::official();
        let received = t("2025-09-30T10:00:00+08:00").with_timezone(&Utc);
        let contact = deadline(&cal, Milestone::Contact, received, 1).expect("computes");
        let finish = deadline(&cal, Milestone::Finish, received, 5).expect("computes");
        set_deadlines(
            &db,
            id,
            &[contact, finish],
            DeadlineReason::Routed,
            t("2025-09-30T10:00:00+08:00"),
        )
        .expect("sets");

        let on_oct_10 = t("2025-10-10T12:00:00+08:00").with_timezone(&Utc);
        let due = due_by(&db, on_oct_10, 100).expect("scans");
        assert_eq!(
            due.iter().map(|d| d.milestone).collect::<Vec<_>>(),
            vec![Milestone::Contact]
        );

        mark_met(&db, id, Milestone::Contact, t("2025-10-09T09:00:00+08:00")).expect("marks");
        assert!(due_by(&db, on_oct_10, 100).expect("scans").is_empty());
        let later = t("2025-10-15T00:00:00+08:00").with_timezone(&Utc);
        assert_eq!(due_by(&db, later, 100).expect("scans").len(), 1);
    }

    #[test]
    fn the_due_scan_uses_the_partial_index() {
        let (db, _) = setup();
        let plan = db
            .execute(
                &format!("EXPLAIN QUERY PLAN {DUE_SCAN_SQL}"),
                &["2025-10-10T00:00:00+08:00".into(), 10.into()],
            )
            .expect("plan");
        let text = format!("{plan:?}");
        assert!(text.contains("case_deadlines_running"), "{text}");
    }

    #[test]
    fn the_deadline_scans_reads_go_through_their_partial_indexes() {
        let (db, _) = setup();
        for (sql, index) in [
            (DUE_WITH_LEADS_SQL, "case_deadlines_to_chase"),
            (WAITING_SQL, "cases_waiting"),
        ] {
            let plan = db
                .execute(
                    &format!("EXPLAIN QUERY PLAN {sql}"),
                    &["2025-10-10T00:00:00+08:00".into(), 10.into()],
                )
                .expect("plan");
            let text = format!("{plan:?}");
            assert!(text.contains(index), "{index}: {text}");
        }
    }

    #[test]
    fn units_are_listed_per_county() {
        let (db, _) = setup();
        for (id, county, ty) in [
            ("qibin-urban", "410611000", "urban_management"),
            ("junxian-urban", "410621000", "urban_management"),
        ] {
            upsert_unit(
                &db,
                &Unit {
                    id: unit(id),
                    name: id.into(),
                    county: county.parse().expect("county"),
                    unit_type: ty.into(),
                },
            )
            .expect("stored");
        }
        let qibin = units_in(&db, &"410611000".parse().expect("county")).expect("lists");
        assert_eq!(
            qibin.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
            vec!["qibin-urban"]
        );
        // One unit per type per county.
        let dup = Unit {
            id: unit("qibin-urban-2"),
            name: "x".into(),
            county: "410611000".parse().expect("county"),
            unit_type: "urban_management".into(),
        };
        assert!(matches!(
            upsert_unit(&db, &dup),
            Err(StoreError::Db(DbError::Constraint(_)))
        ));
    }
}
