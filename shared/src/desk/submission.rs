//! Taking a case in (Art. 2), every decision of `POST /api/cases` but the
//! service chaining: who may submit on which channel, whether the channel
//! is open, the public's submission rate, the `Idempotency-Key`'s scope and
//! its fast-path replay, the unit a direct transfer names, the store, the
//! answer an agent gave at once, and what the first answer is remembered as.
//! The request around it ([`Around`]) is asked for each thing only when a
//! decision needs it: an agent's case on a channel without opening hours
//! reads no county rules, a staff member's no client address.

use chrono::{DateTime, Utc};

use crate::access::Principal;
use crate::base::db::Db;
use crate::base::ids::IdempotencyKey;
use crate::base::kv::KeyValue;
use crate::base::rules::{Rules, RulesError};
use crate::case::intake::{AdmissionError, NewCase};
use crate::case::personal::Keys;
use crate::case::stored::StoreError;
use crate::county::intake_rules::{HallClosed, IntakeRules, RateExceeded};
use crate::lifecycle::Actor;
use crate::record::cases::{self, Acknowledgement, Draw, Idempotency, Receipt, Stored};
use crate::record::idempotency::{self, Replay};
use crate::time::calendar::Calendar;
use crate::triage::pipeline::{self, PipelineError};

/// What taking a case in asks of the request it serves.
pub trait Around {
    /// The database.
    type Db: Db;
    /// The caller's error, which every refusal converts into.
    type Error: From<AdmissionError>
        + From<HallClosed>
        + From<RateExceeded>
        + From<StoreError>
        + From<PipelineError>
        + From<RulesError>;

    /// The database, opened on first use.
    fn db(&self) -> Result<&Self::Db, Self::Error>;
    /// The county's rules in force.
    fn rules(&self) -> Result<&Rules, Self::Error>;
    /// The deployment's keys (sealing, fingerprints, scoped keys).
    fn keys(&self) -> Result<Keys, Self::Error>;
    /// The client's address bucket, for the public's limits.
    fn client(&self) -> Result<String, Self::Error>;
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// What one submission is.
pub struct Submission<'a> {
    /// The case, parsed from the body.
    pub case: &'a NewCase,
    /// The body as sent (its fingerprint tells a retry from a reuse).
    pub body: &'a [u8],
    /// The staff member in the token, if any (the public has none).
    pub who: Option<&'a Principal>,
    /// The request's `Idempotency-Key`, if any.
    pub key: Option<&'a IdempotencyKey>,
}

/// Where a stored case goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Answered by the agent and closed here: nowhere.
    Answered,
    /// The agent's answer could not be recorded: stored all the same, it
    /// waits for staff to close it (the error says why).
    AnswerFailed(String),
    /// To be answered at intake, but not by this request (a retry, or
    /// without an agent): staff take it on.
    Staff,
    /// On to screening and dispatch (a retry also takes a case on from a
    /// stage where an earlier hop failed: each stage is idempotent).
    Pipeline,
}

/// A submission taken in.
#[derive(Debug)]
pub enum TakenIn {
    /// The first answer to this key and body, from the fast path; nothing
    /// was asked of the database.
    Replayed(Replay),
    /// The case is stored (now, or by the first request with this key).
    Stored(Taken),
}

/// A stored submission and what is still to do.
#[derive(Debug)]
pub struct Taken {
    /// The case's receipt.
    pub receipt: Receipt,
    /// Whether this request stored it (not a retry's).
    pub new: bool,
    /// Where it goes next.
    pub next: Next,
    /// The key as kept, and the body's fingerprint, when a key was sent.
    remember: Option<(String, String)>,
}

/// Admits and stores a submission: the role may use the channel; a channel
/// with opening hours is open; the public is within its rate; a retry under
/// the same key and body gets the first answer; a direct transfer names a
/// unit that exists; an agent's answer at intake closes the case.
pub fn take_in<A: Around>(
    around: &A,
    kv: &impl KeyValue,
    submission: &Submission<'_>,
    draws: &[Draw],
) -> Result<TakenIn, A::Error> {
    let Submission {
        case,
        body,
        who,
        key,
    } = *submission;
    case.admit(who.map(|w| w.role))?;
    if case.channel.has_opening_hours() {
        let rules = around.rules()?;
        rules.get::<IntakeRules>()?.admit_channel(
            case.channel,
            rules.get::<Calendar>()?,
            around.now(),
        )?;
    }
    if who.is_none() {
        let rules = around.rules()?.get::<IntakeRules>()?;
        rules.count_public_submission(kv, &around.client()?, around.now())?;
    }
    let keys = around.keys()?;
    let fingerprint = cases::fingerprint(&keys, body);
    let scoped = match key {
        Some(k) => Some(idempotency::scoped(&keys, who, || around.client(), k)?),
        None => None,
    };
    if let Some(first) = scoped
        .as_ref()
        .and_then(|k| idempotency::replay(kv, k, &fingerprint, around.now()))
    {
        return Ok(TakenIn::Replayed(first));
    }
    let db = around.db()?;
    pipeline::check_direct_unit(db, case)?;
    let idem = scoped.as_deref().map(|key| Idempotency {
        key,
        fingerprint: &fingerprint,
    });
    let at = crate::base::clock::in_china(around.now());
    let (receipt, new) =
        match cases::insert_with_fresh_code(db, case, at, idem.as_ref(), &keys, draws)? {
            Stored::Created(receipt) => (receipt, true),
            Stored::Replayed(receipt) => (receipt, false),
        };
    let next = match (who, case.answered_at_intake()) {
        (Some(agent), true) if new => {
            match pipeline::answer_at_intake(db, receipt.case_id, case, &Actor::from(agent), at) {
                Ok(_) => Next::Answered,
                Err(e) => Next::AnswerFailed(e.to_string()),
            }
        }
        (_, true) => Next::Staff,
        (_, false) => Next::Pipeline,
    };
    Ok(TakenIn::Stored(Taken {
        receipt,
        new,
        next,
        remember: scoped.map(|k| (k, fingerprint)),
    }))
}

/// The answer to a stored submission once it went as far as it could
/// (`complete`: answered, or through screening and dispatch): where it
/// stands now, or the receipt as taken in if that cannot be read (the error
/// beside it, for the log). Only a new case that went all the way is kept
/// for the fast path of its retries (a stranded one is taken on by the
/// retry); losing that costs a retry one query.
pub fn acknowledge(
    db: &impl Db,
    kv: &impl KeyValue,
    taken: &Taken,
    complete: bool,
    location: &str,
    now: DateTime<Utc>,
) -> (Acknowledgement, Option<StoreError>) {
    let (ack, failed) = match cases::acknowledgement(db, &taken.receipt) {
        Ok(ack) => (ack, None),
        Err(e) => (Acknowledgement::taken_in(taken.receipt.clone()), Some(e)),
    };
    if let (Some((key, fingerprint)), true, true) = (&taken.remember, taken.new, complete) {
        // Only the fast path is lost if it fails (the store says why).
        let _ = idempotency::remember(kv, key, fingerprint, &ack, location, now);
    }
    (ack, failed)
}

#[cfg(test)]
mod tests {
    //! Taking a case in, natively: against real SQLite and the in-memory
    //! key-value store, with a request that counts what it was asked for.

    use std::cell::Cell;

    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::kv::MemoryKv;
    use crate::base::test_support::{complaint, keys, seeded_db};
    use crate::case::words::{Role, Status};
    use chrono::TimeZone;
    use serde_json::json;

    /// Any refusal, by its message.
    #[derive(Debug)]
    struct Refused(String);

    impl<E: std::fmt::Display> From<E> for Refused {
        fn from(e: E) -> Self {
            Self(e.to_string())
        }
    }

    /// A request from `client` at `now`, counting how often the rules and the
    /// client address were asked for.
    struct Request {
        db: NativeDb,
        rules: Rules,
        client: &'static str,
        now: DateTime<Utc>,
        rules_asked: Cell<u32>,
        client_asked: Cell<u32>,
    }

    impl Request {
        fn at(now: DateTime<Utc>) -> Self {
            Self {
                db: seeded_db(),
                rules: Rules::defaults(),
                client: "203.0.113.0/24",
                now,
                rules_asked: Cell::new(0),
                client_asked: Cell::new(0),
            }
        }
    }

    impl Around for Request {
        type Db = NativeDb;
        type Error = Refused;

        fn db(&self) -> Result<&NativeDb, Refused> {
            Ok(&self.db)
        }
        fn rules(&self) -> Result<&Rules, Refused> {
            self.rules_asked.set(self.rules_asked.get() + 1);
            Ok(&self.rules)
        }
        fn keys(&self) -> Result<Keys, Refused> {
            Ok(keys())
        }
        fn client(&self) -> Result<String, Refused> {
            self.client_asked.set(self.client_asked.get() + 1);
            Ok(self.client.to_string())
        }
        fn now(&self) -> DateTime<Utc> {
            self.now
        }
    }

    /// A Thursday morning, 10:00 in China (a working day, the hall open).
    fn thursday_morning() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 16, 2, 0, 0)
            .single()
            .expect("time")
    }

    fn draws(n: u8) -> Vec<Draw> {
        vec![([n; 8], [n; 12])]
    }

    fn agent() -> Principal {
        Principal {
            subject: "agent-li".into(),
            name: "测试人员".into(),
            role: Role::Agent,
            unit: None,
            leader: false,
        }
    }

    fn stored(taken: TakenIn) -> Taken {
        match taken {
            TakenIn::Stored(taken) => taken,
            TakenIn::Replayed(_) => panic!("stored expected, replayed"),
        }
    }

    #[test]
    fn a_public_complaint_is_stored_goes_on_to_the_pipeline_and_its_retry_is_answered_from_the_fast_path(
    ) {
        let request = Request::at(thursday_morning());
        let kv = MemoryKv::default();
        let body = complaint("13812345678");
        let case = NewCase::parse(&body).expect("valid");
        let bytes = serde_json::to_vec(&body).expect("json");
        let key: IdempotencyKey = "retry-1".parse().expect("key");
        let submission = Submission {
            case: &case,
            body: &bytes,
            who: None,
            key: Some(&key),
        };
        let first = stored(take_in(&request, &kv, &submission, &draws(1)).expect("taken in"));
        assert!(first.new);
        assert_eq!(first.next, Next::Pipeline);
        assert_eq!(first.receipt.status, Status::Received);
        let location = format!("/track/{}", first.receipt.tracking_code);
        let (ack, failed) = acknowledge(&request.db, &kv, &first, true, &location, request.now);
        assert!(failed.is_none());
        assert_eq!(ack.receipt.case_id, first.receipt.case_id);
        match take_in(&request, &kv, &submission, &draws(2)).expect("taken in") {
            TakenIn::Replayed(replay) => {
                assert_eq!(replay.location, location);
                assert_eq!(
                    replay.answer["tracking_code"],
                    json!(first.receipt.tracking_code.to_string())
                );
            }
            TakenIn::Stored(_) => panic!("a retry after a complete answer is replayed"),
        }
        let cases = request
            .db
            .execute("SELECT COUNT(*) AS n FROM cases", &[])
            .expect("count");
        assert_eq!(cases.row(0).and_then(|r| r.integer("n").ok()), Some(1));
    }

    #[test]
    fn a_stranded_case_is_not_remembered_so_its_retry_is_stored_again_as_the_same_case() {
        let request = Request::at(thursday_morning());
        let kv = MemoryKv::default();
        let body = complaint("13812345678");
        let case = NewCase::parse(&body).expect("valid");
        let bytes = serde_json::to_vec(&body).expect("json");
        let key: IdempotencyKey = "retry-2".parse().expect("key");
        let submission = Submission {
            case: &case,
            body: &bytes,
            who: None,
            key: Some(&key),
        };
        let first = stored(take_in(&request, &kv, &submission, &draws(1)).expect("taken in"));
        // Screening did not answer: the answer is not kept for the fast path.
        let _ = acknowledge(&request.db, &kv, &first, false, "/track/x", request.now);
        let retry = stored(take_in(&request, &kv, &submission, &draws(2)).expect("taken in"));
        assert!(!retry.new);
        assert_eq!(retry.receipt.case_id, first.receipt.case_id);
        assert_eq!(retry.next, Next::Pipeline, "the retry drives it on");
    }

    #[test]
    fn the_public_is_refused_past_its_rate_and_staff_are_never_counted() {
        let request = Request::at(thursday_morning());
        let kv = MemoryKv::default();
        let body = complaint("13812345678");
        let case = NewCase::parse(&body).expect("valid");
        let bytes = serde_json::to_vec(&body).expect("json");
        let public = Submission {
            case: &case,
            body: &bytes,
            who: None,
            key: None,
        };
        let limit = IntakeRules::defaults().public_submissions_per_minute;
        for n in 0..limit {
            let draw = u8::try_from(n + 1).expect("small");
            take_in(&request, &kv, &public, &draws(draw)).expect("within the rate");
        }
        let refused = take_in(&request, &kv, &public, &draws(200)).expect_err("over the rate");
        assert!(refused.0.contains("minute"), "{refused:?}");
        let agent = agent();
        let staff = Submission {
            who: Some(&agent),
            ..public
        };
        let before = request.client_asked.get();
        take_in(&request, &kv, &staff, &draws(201)).expect("staff are not limited");
        assert_eq!(
            request.client_asked.get(),
            before,
            "no client address is asked for"
        );
    }

    #[test]
    fn an_agents_immediate_answer_closes_the_case_once_and_reads_no_county_rules() {
        let request = Request::at(thursday_morning());
        let kv = MemoryKv::default();
        let body = json!({"channel": "hotline_phone", "kind": "consultation", "title": "社保咨询",
        "content": "请问社保卡在哪里办理？", "county": "410611000", "mode": "immediate",
        "answer": "请到区政务服务中心社保窗口办理。",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
        let case = NewCase::parse(&body).expect("valid");
        let bytes = serde_json::to_vec(&body).expect("json");
        let agent = agent();
        let key: IdempotencyKey = "call-7".parse().expect("key");
        let submission = Submission {
            case: &case,
            body: &bytes,
            who: Some(&agent),
            key: Some(&key),
        };
        let first = stored(take_in(&request, &kv, &submission, &draws(1)).expect("taken in"));
        assert_eq!(first.next, Next::Answered);
        let (ack, _) = acknowledge(&request.db, &kv, &first, false, "/track/x", request.now);
        assert_eq!(ack.receipt.status, Status::Closed);
        assert_eq!(
            request.rules_asked.get(),
            0,
            "the hotline has no opening hours"
        );
        // A retry (the fast path not kept) finds the case closed, answered once.
        let retry = stored(take_in(&request, &kv, &submission, &draws(2)).expect("taken in"));
        assert!(!retry.new);
        assert_eq!(retry.next, Next::Staff);
    }

    #[test]
    fn a_public_submission_on_an_agents_channel_is_refused_before_anything_is_counted_or_stored() {
        let request = Request::at(thursday_morning());
        let kv = MemoryKv::default();
        let mut body = complaint("13812345678");
        body["channel"] = json!("hotline_phone");
        let case = NewCase::parse(&body).expect("valid");
        let submission = Submission {
            case: &case,
            body: b"{}",
            who: None,
            key: None,
        };
        take_in(&request, &kv, &submission, &draws(1)).expect_err("agents only");
        assert_eq!(kv.keys(None).expect("keys").0, Vec::<String>::new());
        let cases = request
            .db
            .execute("SELECT COUNT(*) AS n FROM cases", &[])
            .expect("count");
        assert_eq!(cases.row(0).and_then(|r| r.integer("n").ok()), Some(0));
    }

    #[test]
    fn a_hall_case_out_of_opening_hours_is_refused() {
        // Thursday 20:00 in China.
        let evening = Utc
            .with_ymd_and_hms(2025, 10, 16, 12, 0, 0)
            .single()
            .expect("time");
        let request = Request::at(evening);
        let kv = MemoryKv::default();
        let body = json!({"channel": "service_hall", "kind": "consultation", "title": "咨询",
        "content": "办理居住证需要什么材料？", "county": "410611000", "form": "oral",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
        let case = NewCase::parse(&body).expect("valid");
        let agent = agent();
        let submission = Submission {
            case: &case,
            body: b"{}",
            who: Some(&agent),
            key: None,
        };
        let refused = take_in(&request, &kv, &submission, &draws(1)).expect_err("closed");
        assert!(refused.0.contains("09:00"), "{refused:?}");
    }
}
