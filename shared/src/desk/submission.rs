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
#[path = "submission_tests.rs"]
mod tests;
