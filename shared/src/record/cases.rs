//! Storing a new case and reading what a citizen may see of it.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::base::clock;
use crate::base::db::{Db, DbError, SqlValue};
use crate::base::ids::{CaseId, CountyCode, TrackingCode};
use crate::case::intake::NewCase;
use crate::case::personal::{Keys, PersonalData};
use crate::case::words::Status;
use crate::case::words::{Channel, Kind};
use crate::lifecycle::Event;

use crate::base::ids::UnitId;
use crate::case::stored::{Column, StoreError};
use crate::lifecycle::history;

/// What sealing a submitter's personal data needs: the deployment's keys
/// and a fresh random nonce.
#[derive(Debug, Clone)]
pub struct Sealing<'a> {
    /// The deployment's personal-data keys.
    pub keys: &'a Keys,
    /// A fresh random nonce, never used before with these keys.
    pub nonce: [u8; 12],
}

/// How long an `Idempotency-Key` holds: a retry within a day gets the first
/// answer; after that the key names nothing and may be used again.
pub const IDEMPOTENCY_HOURS: i64 = 24;

/// A client's retry key and the fingerprint of the body it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency<'a> {
    /// The client's `Idempotency-Key`, scoped to the client
    /// ([`scoped_idempotency_key`]).
    pub key: &'a str,
    /// The fingerprint of the body it came with ([`fingerprint`]).
    pub fingerprint: &'a str,
}

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The case's internal number.
    pub case_id: CaseId,
    /// What the submitter follows the case with.
    pub tracking_code: TrackingCode,
    /// Where the case stands.
    pub status: Status,
    /// When it was received, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub received_at: DateTime<FixedOffset>,
}

/// Whether the receipt is for a new case or repeats an earlier answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new case was stored.
    Created(Receipt),
    /// The key was seen before: the first answer, nothing stored.
    Replayed(Receipt),
}

/// Stores a new case and its submitter (personal data sealed) in one
/// transaction. With an idempotency key that was seen before, nothing is
/// stored and the first receipt is returned, so a retried submission never
/// makes a second case.
pub fn insert_case(
    db: &impl Db,
    case: &NewCase,
    tracking_code: &TrackingCode,
    received_at: DateTime<FixedOffset>,
    idempotency: Option<&Idempotency<'_>>,
    sealing: &Sealing<'_>,
) -> Result<Stored, StoreError> {
    db.transaction(|db| {
        if let Some(idem) = idempotency {
            if let Some(receipt) = find_by_idempotency_key(db, idem, received_at)? {
                return Ok(Stored::Replayed(receipt));
            }
        }
        let received_text = clock::format(received_at);
        let rows = db.execute(
            "INSERT INTO cases (tracking_code, channel, kind, title, content, county, status,
                                received_at, idempotency_key, request_fingerprint, mode, hall_form, urgent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING id",
            &[
                tracking_code.as_str().into(),
                case.channel.as_str().into(),
                case.kind.as_str().into(),
                case.title.as_str().into(),
                case.content.as_str().into(),
                case.county.as_str().into(),
                Status::Received.as_str().into(),
                received_text.as_str().into(),
                SqlValue::from(idempotency.map(|i| i.key)),
                SqlValue::from(idempotency.map(|i| i.fingerprint)),
                SqlValue::from(case.mode.map(|m| m.as_str())),
                SqlValue::from(case.form.map(|f| f.as_str())),
                i64::from(case.urgent).into(),
            ],
        )?;
        let id = rows
            .row(0)
            .map(|r| r.integer("id"))
            .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))??;
        let case_id = CaseId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let personal = PersonalData {
            id_number: case.submitter.id_number.clone(),
            address: case.submitter.address.clone(),
            ..PersonalData::new(&case.submitter.name, &case.submitter.phone)
        };
        let sealed = sealing.keys.seal(case_id, &personal, sealing.nonce)?;
        db.execute(
            "INSERT INTO case_submitters (case_id, submitter_type, sealed, submitter_key) VALUES (?, ?, ?, ?)",
            &[
                id.into(),
                case.submitter.kind.as_str().into(),
                sealed.into(),
                sealing.keys.submitter_key(&case.submitter.phone).into(),
            ],
        )?;
        crate::record::search_index::index(db, case_id, case.title.as_str(), case.content.as_str())?;
        Ok(Stored::Created(Receipt {
            case_id,
            tracking_code: tracking_code.clone(),
            status: Status::Received,
            received_at,
        }))
    })
}

/// Random bytes for one attempt at storing a case: its tracking code's and
/// its sealing nonce's.
pub type Draw = ([u8; 8], [u8; 12]);

/// As [`insert_case`], with a fresh tracking code from each draw in turn
/// while a code collides with another case's (60 random bits make even one
/// collision unlikely; a few draws make failing for it impossible in
/// practice).
pub fn insert_with_fresh_code(
    db: &impl Db,
    case: &NewCase,
    received_at: DateTime<FixedOffset>,
    idempotency: Option<&Idempotency<'_>>,
    keys: &Keys,
    draws: &[Draw],
) -> Result<Stored, StoreError> {
    let mut outcome = Err(StoreError::Corrupt("no random draw".into()));
    for (code, nonce) in draws {
        let sealing = Sealing {
            keys,
            nonce: *nonce,
        };
        let code = TrackingCode::from_random(*code);
        outcome = insert_case(db, case, &code, received_at, idempotency, &sealing);
        if !matches!(outcome, Err(StoreError::Db(DbError::Constraint(_)))) {
            break;
        }
    }
    outcome
}

/// What a submitter is told after submitting: the receipt, with where the
/// case stands now (it may have been screened and dispatched meanwhile)
/// and, if it was not accepted, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    /// The receipt, with its status brought up to date.
    #[serde(flatten)]
    pub receipt: Receipt,
    /// Why the case was not accepted, and where to go instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<PublicRejection>,
    /// A repeat of the same submitter's open case: the code of the case
    /// being handled, to follow instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<TrackingCode>,
    /// On an agent's channel: what screening advises (the agent decides).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
}

/// The acknowledgement of a stored case.
pub fn acknowledgement(db: &impl Db, receipt: &Receipt) -> Result<Acknowledgement, StoreError> {
    let mut ack = Acknowledgement {
        receipt: receipt.clone(),
        rejection: None,
        merged_into: None,
        advice: Vec::new(),
    };
    // One statement: the public view with the acceptance's flags.
    let rows = public_row(db, &receipt.tracking_code)?;
    let Some(row) = rows.row(0) else {
        // Stored with its submitter in one transaction, so always found;
        // otherwise the receipt as taken in.
        return Ok(ack);
    };
    let public = public_status(db, &receipt.tracking_code, row)?;
    ack.receipt.status = public.status;
    ack.rejection = public.rejection;
    ack.merged_into = public.merged_into;
    if let Some(data) = row.opt_text("accepted")? {
        if let Event::Accepted { flags, .. } =
            serde_json::from_str(data).map_err(crate::case::stored::corrupt)?
        {
            ack.advice = flags
                .into_iter()
                .filter(|f| f.starts_with("advice:"))
                .collect();
        }
    }
    Ok(ack)
}

/// The case a live key names; a key older than [`IDEMPOTENCY_HOURS`] is
/// let go (taken off its case), so it names nothing.
fn find_by_idempotency_key(
    db: &impl Db,
    idem: &Idempotency<'_>,
    now: DateTime<FixedOffset>,
) -> Result<Option<Receipt>, StoreError> {
    let rows = db.execute(
        "SELECT id, tracking_code, status, received_at, request_fingerprint
         FROM cases WHERE idempotency_key = ?",
        &[idem.key.into()],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    if row.instant("received_at")? + chrono::Duration::hours(IDEMPOTENCY_HOURS) <= now {
        db.execute(
            "UPDATE cases SET idempotency_key = NULL, request_fingerprint = NULL WHERE id = ?",
            &[row.integer("id")?.into()],
        )?;
        return Ok(None);
    }
    if row.opt_text("request_fingerprint")? != Some(idem.fingerprint) {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let case_id =
        CaseId::new(row.integer("id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tracking_code = row
        .text("tracking_code")?
        .parse()
        .map_err(|e: crate::base::ids::IdError| StoreError::Corrupt(e.to_string()))?;
    Ok(Some(Receipt {
        case_id,
        tracking_code,
        status: row.parsed("status")?,
        received_at: row.instant("received_at")?,
    }))
}

/// Why a case was not accepted, as the submitter is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicRejection {
    /// Art. 5's category (1 to 4).
    pub category: u8,
    /// The category's wording in Art. 5.
    pub reason: &'static str,
    /// Where to go instead (category 3).
    pub referral: Option<String>,
}

/// How the submitter is told why `case` was not accepted in `category`.
pub fn rejection_of(
    db: &impl Db,
    case: CaseId,
    category: crate::lifecycle::RejectCategory,
) -> Result<PublicRejection, StoreError> {
    public_rejection(db, case.get(), i64::from(category.number()))?
        .ok_or_else(|| StoreError::Corrupt(format!("rejection category of case {case}")))
}

fn public_rejection(
    db: &impl Db,
    case: i64,
    category: i64,
) -> Result<Option<PublicRejection>, StoreError> {
    let Some(category) = u8::try_from(category)
        .ok()
        .and_then(crate::lifecycle::RejectCategory::from_number)
    else {
        return Ok(None);
    };
    let rows = db.execute(
        "SELECT data FROM case_events
         WHERE case_id = ? AND type IN ('rejected', 'overridden', 'rejection_proposed')
         ORDER BY id DESC LIMIT 1",
        &[case.into()],
    )?;
    // The referral of the screening rejection; an override names none.
    let referral = match rows.row(0).map(event_of).transpose()? {
        Some(Event::Rejected { referral, .. } | Event::RejectionProposed { referral, .. }) => {
            referral
        }
        _ => None,
    };
    Ok(Some(PublicRejection {
        category: category.number(),
        reason: category.description(),
        referral,
    }))
}

/// What anyone holding the tracking code sees: no personal data, no content,
/// no internal notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicStatus {
    /// The case's tracking code.
    pub tracking_code: TrackingCode,
    /// Where it came in.
    pub channel: Channel,
    /// What was asked for.
    pub kind: Kind,
    /// Where it stands.
    pub status: Status,
    /// When it was received, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub received_at: DateTime<FixedOffset>,
    /// Set when the case was not accepted: why, and where to go instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<PublicRejection>,
    /// The reply, once the bureau's check released it to the submitter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<PublicReply>,
    /// A repeat merged into the case being handled: that case's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<TrackingCode>,
    /// The name of the unit handling it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handling_unit: Option<String>,
    /// The last day of its running finish deadline, China time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<chrono::NaiveDate>,
    /// The answer given at once (即办) or on a three-way call (直办).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immediate_answer: Option<String>,
    /// Where the handling stood, as the unit told the submitter (阶段性答复),
    /// oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interim_replies: Vec<PublicNote>,
}

/// Something the submitter was told while the case was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicNote {
    /// What they were told.
    pub text: String,
    /// When, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// The answer given at intake and the interim replies of `case`.
fn told(db: &impl Db, case: CaseId) -> Result<(Option<String>, Vec<PublicNote>), StoreError> {
    let rows = db.execute(
        "SELECT at, data FROM case_events WHERE case_id = ?
           AND type IN ('answered_immediately', 'transferred_direct', 'interim_replied') ORDER BY id",
        &[case.get().into()],
    )?;
    let (mut answer, mut notes) = (None, Vec::new());
    for r in rows.iter() {
        let at = r.instant("at")?;
        match event_of(r)? {
            Event::AnsweredImmediately { answer: a }
            | Event::TransferredDirect { answer: a, .. } => answer = Some(a),
            Event::InterimReplied { text, .. } => notes.push(PublicNote { text, at }),
            _ => {}
        }
    }
    Ok((answer, notes))
}

/// A stored event's record, as the lifecycle wrote it.
fn event_of(row: crate::base::db::Row<'_>) -> Result<Event, StoreError> {
    serde_json::from_str(row.text("data")?).map_err(|e| StoreError::Corrupt(format!("event: {e}")))
}

/// A reply as the submitter sees it: released by the bureau's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicReply {
    /// The reply's text.
    pub text: String,
    /// For a suggestion: whether it is taken up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<crate::lifecycle::Adoption>,
    /// Why it is not (wholly) taken up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption_reason: Option<String>,
    /// Whether the reply is issued in writing.
    pub written_reply: bool,
    /// When it was released.
    #[serde(serialize_with = "clock::serialize")]
    pub released_at: DateTime<FixedOffset>,
}

/// The last reply the bureau's check released, if any: the draft of the
/// round that passed.
pub fn released_reply(db: &impl Db, case: CaseId) -> Result<Option<PublicReply>, StoreError> {
    let rows = db.execute(
        "SELECT at, data FROM case_events
         WHERE case_id = ? AND type IN ('reply_drafted', 'leader_reviewed', 'qc_passed') ORDER BY id",
        &[case.get().into()],
    )?;
    let mut drafts: Vec<(u32, PublicReply)> = Vec::new();
    let mut released = None;
    for r in rows.iter() {
        let at = r.instant("at")?;
        match event_of(r)? {
            Event::ReplyDrafted {
                round,
                text,
                adoption,
                adoption_reason,
                written_reply,
            } => drafts.push((
                round,
                PublicReply {
                    text,
                    adoption,
                    adoption_reason,
                    written_reply,
                    released_at: at,
                },
            )),
            // The leader's correction, approved, is the reply QC checks.
            Event::LeaderReviewed {
                round,
                approved: true,
                edited_text: Some(edited),
                ..
            } => {
                if let Some((_, draft)) = drafts.iter_mut().rev().find(|(r, _)| *r == round) {
                    draft.text = edited;
                }
            }
            Event::QcPassed { round } => {
                if let Some((_, draft)) = drafts.iter().rev().find(|(r, _)| *r == round) {
                    released = Some(PublicReply {
                        released_at: at,
                        ..draft.clone()
                    });
                }
            }
            _ => {}
        }
    }
    Ok(released)
}

/// The case a tracking code names, if `phone_last4` are the last four
/// digits of its submitter's phone (the second factor).
pub fn case_for_submitter(
    db: &impl Db,
    keys: &Keys,
    code: &TrackingCode,
    phone_last4: &crate::case::contact::PhoneLast4,
) -> Result<Option<CaseId>, StoreError> {
    let rows = public_row(db, code)?;
    let Some(row) = rows.row(0) else {
        keys.open_nothing(phone_last4.as_str());
        return Ok(None);
    };
    let id = CaseId::new(row.integer("id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sealed = row.blob("sealed")?;
    Ok(keys
        .open(id, sealed)?
        .phone_ends_with(phone_last4.as_str())
        .then_some(id))
}

/// The citizen's view, only if `phone_last4` are the last four digits of
/// the submitter's phone (the second factor beside the tracking code);
/// otherwise `None`, as for an unknown code, so neither reveals the other.
pub fn find_public_status_for_submitter(
    db: &impl Db,
    keys: &Keys,
    code: &TrackingCode,
    phone_last4: &crate::case::contact::PhoneLast4,
) -> Result<Option<PublicStatus>, StoreError> {
    let rows = public_row(db, code)?;
    let Some(row) = rows.row(0) else {
        keys.open_nothing(phone_last4.as_str());
        return Ok(None);
    };
    let id = CaseId::new(row.integer("id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sealed = row.blob("sealed")?;
    if !keys.open(id, sealed)?.phone_ends_with(phone_last4.as_str()) {
        return Ok(None);
    }
    public_status(db, code, row).map(Some)
}

/// The citizen's view of the case with this code (no second factor: for
/// the submitter's own receipt).
pub fn find_public_status(
    db: &impl Db,
    code: &TrackingCode,
) -> Result<Option<PublicStatus>, StoreError> {
    let rows = public_row(db, code)?;
    rows.row(0)
        .map(|row| public_status(db, code, row))
        .transpose()
}

/// The citizen's view's row of the case with `code`, with its acceptance's
/// event (`accepted`: the receipt's advice).
fn public_row(db: &impl Db, code: &TrackingCode) -> Result<crate::base::db::Rows, StoreError> {
    Ok(db.execute(
        "SELECT c.id, c.channel, c.kind, c.status, c.received_at, c.rejection_category, s.sealed,
                o.tracking_code AS merged_code,
                (SELECT n.name FROM units n WHERE n.id = c.lead_unit) AS lead_name,
                (SELECT d.due_at FROM case_deadlines d WHERE d.case_id = c.id AND d.active = 1
                   AND d.milestone = 'finish' AND d.met_at IS NULL ORDER BY d.id DESC LIMIT 1) AS finish_due,
                (SELECT data FROM case_events e WHERE e.case_id = c.id AND e.type = 'accepted'
                 ORDER BY e.id LIMIT 1) AS accepted
         FROM cases c JOIN case_submitters s ON s.case_id = c.id
         LEFT JOIN cases o ON o.id = c.merged_into
         WHERE c.tracking_code = ?",
        &[code.as_str().into()],
    )?)
}

fn public_status(
    db: &impl Db,
    code: &TrackingCode,
    row: crate::base::db::Row<'_>,
) -> Result<PublicStatus, StoreError> {
    let status: Status = row.parsed("status")?;
    let id = CaseId::new(row.integer("id")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // Only a case closed (or under review since) can have a released reply.
    let reply = match status {
        Status::Closed | Status::UnderReview => released_reply(db, id)?,
        _ => None,
    };
    let (immediate_answer, interim_replies) = told(db, id)?;
    Ok(PublicStatus {
        handling_unit: row.opt_text("lead_name")?.map(str::to_string),
        due: row
            .opt_text("finish_due")?
            .and_then(clock::parse)
            .map(|t| t.date_naive()),
        immediate_answer,
        interim_replies,
        tracking_code: code.clone(),
        channel: row.parsed("channel")?,
        kind: row.parsed("kind")?,
        status,
        received_at: row.instant("received_at")?,
        // Never before a person decided: while in screening the category
        // is only proposed.
        rejection: match row.get_opt_integer("rejection_category")? {
            Some(category) if status == Status::Rejected => {
                public_rejection(db, id.get(), category)?
            }
            _ => None,
        },
        reply,
        merged_into: row.opt_parsed("merged_code")?,
    })
}

fn sealed_personal_data(
    db: &impl Db,
    keys: &Keys,
    case: CaseId,
) -> Result<PersonalData, StoreError> {
    let rows = db.execute(
        "SELECT sealed FROM case_submitters WHERE case_id = ?",
        &[case.get().into()],
    )?;
    let row = rows.row(0).ok_or(StoreError::NotFound(case))?;
    Ok(keys.open(case, row.blob("sealed")?)?)
}

/// The submitter's personal data as anyone but the bureau and the handling
/// unit sees it: masked. Not audited: nothing personal leaves.
pub fn masked_personal_data(
    db: &impl Db,
    keys: &Keys,
    case: CaseId,
) -> Result<PersonalData, StoreError> {
    Ok(sealed_personal_data(db, keys, case)?.masked())
}

/// The submitter's personal data as one read allows (`read`, decided by
/// [`crate::access::personal_read`]): none, masked (`true`), or in the clear
/// with the read on record for its purpose. The keys are asked for only
/// when there is something to open.
pub fn submitter_as_read<E: From<StoreError>>(
    db: &impl Db,
    keys: impl FnOnce() -> Result<Keys, E>,
    case: CaseId,
    read: crate::access::PersonalRead,
    reader: &Reader<'_>,
    at: DateTime<FixedOffset>,
) -> Result<Option<(PersonalData, bool)>, E> {
    use crate::access::PersonalRead;
    Ok(match read {
        PersonalRead::Nothing => None,
        PersonalRead::Masked => Some((masked_personal_data(db, &keys()?, case)?, true)),
        PersonalRead::Clear { purpose } => Some((
            read_personal_data(db, &keys()?, case, reader, &purpose, at)?,
            false,
        )),
    })
}

/// Who reads personal data in the clear, for the audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader<'a> {
    /// Their role.
    pub role: crate::case::words::Role,
    /// Their unit, for unit staff.
    pub unit: Option<&'a UnitId>,
    /// The token's subject: the person, not just the role.
    pub subject: &'a str,
}

impl<'a> From<&'a crate::access::Principal> for Reader<'a> {
    fn from(p: &'a crate::access::Principal) -> Self {
        Self {
            role: p.role,
            unit: p.unit.as_ref(),
            subject: &p.subject,
        }
    }
}

/// The submitter's personal data in the clear, for the bureau or the
/// handling unit; the read is written to the audit table first (who, when,
/// which case, why), in the same transaction.
pub fn read_personal_data(
    db: &impl Db,
    keys: &Keys,
    case: CaseId,
    reader: &Reader<'_>,
    purpose: &str,
    at: DateTime<FixedOffset>,
) -> Result<PersonalData, StoreError> {
    db.transaction(|db| {
        let data = sealed_personal_data(db, keys, case)?;
        db.execute(
            "INSERT INTO personal_data_reads (case_id, at, actor_role, actor_unit, actor_subject, purpose)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                case.get().into(),
                clock::format(at).into(),
                reader.role.as_str().into(),
                SqlValue::from(reader.unit.map(UnitId::as_str)),
                reader.subject.into(),
                purpose.into(),
            ],
        )?;
        Ok(data)
    })
}

/// A case as staff see it (personal data apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    /// The case's internal number.
    pub case_id: CaseId,
    /// The submitter's tracking code.
    pub tracking_code: TrackingCode,
    /// Where it came in.
    pub channel: Channel,
    /// What is asked for.
    pub kind: Kind,
    /// Its title.
    pub title: String,
    /// What happened and what is asked.
    pub content: String,
    /// The county the matter is in.
    pub county: CountyCode,
    /// Where it stands.
    pub status: Status,
    /// When it was received, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub received_at: DateTime<FixedOffset>,
    /// How a hotline case is handled (即办, 直办, 转办, 协办, 呈办).
    pub mode: Option<crate::case::words::HotlineMode>,
    /// The unit handling it.
    pub lead_unit: Option<UnitId>,
    /// The units handling it jointly.
    pub co_units: Vec<UnitId>,
    /// For `ETag` / `If-Match`: every change bumps it.
    pub version: i64,
}

/// A case as staff see it, if it exists.
pub fn case_view(db: &impl Db, case: CaseId) -> Result<Option<CaseView>, StoreError> {
    let rows = db.execute(
        "SELECT tracking_code, channel, kind, title, content, county, status, received_at, mode, lead_unit, version
         FROM cases WHERE id = ?",
        &[case.get().into()],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    let corrupt = |e: String| StoreError::Corrupt(e);
    let co_units = history::co_units(db, case)?;
    Ok(Some(CaseView {
        case_id: case,
        tracking_code: row
            .text("tracking_code")?
            .parse()
            .map_err(|e: crate::base::ids::IdError| corrupt(e.to_string()))?,
        channel: row.parsed("channel")?,
        kind: row.parsed("kind")?,
        title: row.text("title")?.to_string(),
        content: row.text("content")?.to_string(),
        county: row.parsed("county")?,
        status: row.parsed("status")?,
        received_at: row.instant("received_at")?,
        mode: row.opt_parsed("mode")?,
        lead_unit: row
            .opt_text("lead_unit")?
            .map(|u| {
                u.parse()
                    .map_err(|e: crate::base::ids::UnitIdError| corrupt(e.to_string()))
            })
            .transpose()?,
        co_units,
        version: row.integer("version")?,
    }))
}

impl Acknowledgement {
    /// The receipt as it was taken in, with nothing read since (when the
    /// case's status cannot be read back, it is stored all the same).
    pub fn taken_in(receipt: Receipt) -> Self {
        Self {
            receipt,
            rejection: None,
            merged_into: None,
            advice: Vec::new(),
        }
    }
}

/// The key an `Idempotency-Key` is kept under: scoped to the client that
/// sent it (`scope`: the token's subject for staff, the client's address
/// for the public), so one client's key never answers another, and keyed
/// like the fingerprint, so the stored form says nothing of the key.
pub fn scoped_idempotency_key(keys: &Keys, scope: &str, key: &str) -> String {
    let mut data = Vec::with_capacity(scope.len() + key.len() + 16);
    data.extend_from_slice(b"idempotency\0");
    data.extend_from_slice(scope.as_bytes());
    data.push(0);
    data.extend_from_slice(key.as_bytes());
    fingerprint(keys, &data)
}

/// The fingerprint of a request body, to tell a true retry from a different
/// submission under the same Idempotency-Key: HMAC-SHA-256 under a key
/// derived from the personal-data key, so the stored fingerprint of a body
/// with a name and phone in it cannot be checked against guesses.
pub fn fingerprint(keys: &Keys, body: &[u8]) -> String {
    crate::base::keyed_hash::keyed_hash(keys.fingerprint_key(), body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::schema::migrate;
    use crate::case::personal::SealError;
    use chrono::TimeZone;
    use serde_json::json;

    fn db() -> NativeDb {
        let db = NativeDb::in_memory().expect("db");
        migrate(&db).expect("migrates");
        db
    }

    fn new_case() -> NewCase {
        NewCase::parse(&json!({
            "channel": "hotline_web", "kind": "consultation", "title": "社保卡补办",
            "content": "请问社保卡丢失后在哪里补办？", "county": "410621000",
            "submitter": {"type": "individual", "name": "李四", "phone": "13912345678"}
        }))
        .expect("valid")
    }

    fn at() -> DateTime<FixedOffset> {
        clock::china()
            .with_ymd_and_hms(2026, 2, 14, 9, 30, 0)
            .single()
            .expect("valid")
    }

    fn code(n: u8) -> TrackingCode {
        TrackingCode::from_random([n; 8])
    }

    fn keys() -> Keys {
        Keys::from_secret("test deployment secret").expect("keys")
    }

    fn insert(
        db: &NativeDb,
        case: &NewCase,
        code: &TrackingCode,
        idem: Option<&Idempotency<'_>>,
    ) -> Result<Stored, StoreError> {
        let keys = keys();
        insert_case(
            db,
            case,
            code,
            at(),
            idem,
            &Sealing {
                keys: &keys,
                nonce: [5; 12],
            },
        )
    }

    #[test]
    fn a_stored_case_can_be_found_by_its_tracking_code() {
        let db = db();
        let stored = insert(&db, &new_case(), &code(1), None).expect("stored");
        let Stored::Created(receipt) = stored else {
            panic!("expected a new case")
        };
        assert_eq!(
            clock::format(receipt.received_at),
            "2026-02-14T09:30:00+08:00"
        );
        assert_eq!(
            serde_json::to_value(&receipt).expect("json")["received_at"],
            "2026-02-14T09:30:00+08:00"
        );
        let public = find_public_status(&db, &code(1))
            .expect("query")
            .expect("found");
        assert_eq!(public.status, Status::Received);
        assert_eq!(public.kind, Kind::Consultation);
        assert_eq!(find_public_status(&db, &code(2)), Ok(None));
    }

    #[test]
    fn the_submitter_is_stored_apart_from_the_case() {
        let db = db();
        insert(&db, &new_case(), &code(1), None).expect("stored");
        let cases = db.execute("SELECT * FROM cases", &[]).expect("query");
        let flat = format!("{cases:?}");
        assert!(
            !flat.contains("13912345678") && !flat.contains("李四"),
            "{flat}"
        );
        let submitters = db
            .execute("SELECT * FROM case_submitters", &[])
            .expect("query");
        assert_eq!(submitters.rows.len(), 1);
        let flat = format!("{submitters:?}");
        assert!(
            !flat.contains("13912345678") && !flat.contains("李四"),
            "personal data is sealed at rest: {flat}"
        );
    }

    #[test]
    fn personal_data_is_masked_by_default_and_a_clear_read_is_audited() {
        let db = db();
        let Stored::Created(receipt) = insert(&db, &new_case(), &code(1), None).expect("stored")
        else {
            panic!("expected a new case")
        };
        let id = receipt.case_id;
        let masked = masked_personal_data(&db, &keys(), id).expect("masked");
        assert_eq!(
            (masked.name.as_str(), masked.phone.as_str()),
            ("李*", "139****5678")
        );
        let audits = |db: &NativeDb| {
            db.execute("SELECT COUNT(*) AS n FROM personal_data_reads", &[])
                .expect("query")
                .row(0)
                .map(|r| r.integer("n"))
        };
        assert_eq!(audits(&db), Some(Ok(0)));

        let urban: UnitId = "qibin-urban".parse().expect("unit");
        let reader = Reader {
            role: crate::case::words::Role::Unit,
            unit: Some(&urban),
            subject: "wang.li",
        };
        let clear = read_personal_data(&db, &keys(), id, &reader, "回访核实", at()).expect("read");
        assert_eq!(
            (clear.name.as_str(), clear.phone.as_str()),
            ("李四", "13912345678")
        );
        let rows = db
            .execute("SELECT * FROM personal_data_reads", &[])
            .expect("query");
        let r = rows.row(0).expect("an audit row");
        assert_eq!(r.integer("case_id"), Ok(id.get()));
        assert_eq!(r.text("actor_subject"), Ok("wang.li"));
        assert_eq!(r.text("purpose"), Ok("回访核实"));
        assert_eq!(r.text("at"), Ok("2026-02-14T09:30:00+08:00"));
    }

    #[test]
    fn a_case_reads_back_for_staff_with_its_version() {
        let db = db();
        insert(&db, &new_case(), &code(1), None).expect("stored");
        let id = CaseId::new(1).expect("id");
        let view = case_view(&db, id).expect("query").expect("found");
        assert_eq!(
            (view.title.as_str(), view.status.as_str(), view.version),
            ("社保卡补办", "received", 1)
        );
        assert_eq!(view.lead_unit, None);
        assert_eq!(case_view(&db, CaseId::new(9).expect("id")), Ok(None));
    }

    #[test]
    fn the_citizens_view_needs_the_phones_last_four_digits() {
        let db = db();
        insert(&db, &new_case(), &code(1), None).expect("stored");
        let last4 = |s: &str| {
            s.parse::<crate::case::contact::PhoneLast4>()
                .expect("4 digits")
        };
        let found = |digits: &str| {
            find_public_status_for_submitter(&db, &keys(), &code(1), &last4(digits)).expect("query")
        };
        assert_eq!(found("5678").map(|s| s.status), Some(Status::Received));
        assert_eq!(found("1234"), None);
        for bad in ["567", "56789", "56a8", ""] {
            assert!(
                bad.parse::<crate::case::contact::PhoneLast4>().is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            find_public_status_for_submitter(&db, &keys(), &code(2), &last4("5678")),
            Ok(None)
        );
    }

    #[test]
    fn the_wrong_key_cannot_read_personal_data() {
        let db = db();
        insert(&db, &new_case(), &code(1), None).expect("stored");
        let other = Keys::from_secret("another secret").expect("keys");
        let id = CaseId::new(1).expect("id");
        assert!(matches!(
            masked_personal_data(&db, &other, id),
            Err(StoreError::Seal(SealError::UnknownKey(_)))
        ));
    }

    #[test]
    fn a_retry_with_the_same_key_returns_the_first_receipt_and_stores_nothing() {
        let db = db();
        let idem = Idempotency {
            key: "k-1",
            fingerprint: "f",
        };
        let first = insert(&db, &new_case(), &code(1), Some(&idem)).expect("stored");
        let again = insert(&db, &new_case(), &code(2), Some(&idem)).expect("replayed");
        let (Stored::Created(a), Stored::Replayed(b)) = (first, again) else {
            panic!("expected created then replayed")
        };
        assert_eq!(a, b);
        let count = db
            .execute("SELECT COUNT(*) AS n FROM cases", &[])
            .expect("query");
        assert_eq!(count.row(0).map(|r| r.integer("n")), Some(Ok(1)));
    }

    #[test]
    fn a_key_older_than_a_day_names_nothing_and_may_be_used_again() {
        let db = db();
        let idem = Idempotency {
            key: "k-1",
            fingerprint: "f1",
        };
        insert(&db, &new_case(), &code(1), Some(&idem)).expect("stored");
        let k = keys();
        let sealing = Sealing {
            keys: &k,
            nonce: [6; 12],
        };
        let within = at() + chrono::Duration::hours(23);
        let replay = insert_case(&db, &new_case(), &code(2), within, Some(&idem), &sealing);
        assert!(matches!(replay, Ok(Stored::Replayed(_))));
        let next_day = at() + chrono::Duration::hours(IDEMPOTENCY_HOURS);
        let other_body = Idempotency {
            key: "k-1",
            fingerprint: "f2",
        };
        let fresh = insert_case(
            &db,
            &new_case(),
            &code(2),
            next_day,
            Some(&other_body),
            &sealing,
        );
        assert!(matches!(fresh, Ok(Stored::Created(_))), "{fresh:?}");
    }

    #[test]
    fn a_key_is_scoped_to_its_client_and_kept_keyed() {
        let k = keys();
        let a = scoped_idempotency_key(&k, "client:203.0.113.7", "retry-1");
        assert_eq!(
            a,
            scoped_idempotency_key(&k, "client:203.0.113.7", "retry-1")
        );
        assert_ne!(
            a,
            scoped_idempotency_key(&k, "client:203.0.113.8", "retry-1")
        );
        assert_ne!(a, scoped_idempotency_key(&k, "staff:wang.fang", "retry-1"));
        assert!(!a.contains("retry"));
    }

    #[test]
    fn a_key_reused_for_a_different_body_is_refused() {
        let db = db();
        let first = Idempotency {
            key: "k-1",
            fingerprint: "f1",
        };
        let other = Idempotency {
            key: "k-1",
            fingerprint: "f2",
        };
        insert(&db, &new_case(), &code(1), Some(&first)).expect("stored");
        assert_eq!(
            insert(&db, &new_case(), &code(2), Some(&other)),
            Err(StoreError::IdempotencyKeyReused)
        );
    }

    #[test]
    fn a_duplicate_tracking_code_rolls_back_the_whole_case() {
        let db = db();
        insert(&db, &new_case(), &code(1), None).expect("stored");
        let err = insert(&db, &new_case(), &code(1), None).unwrap_err();
        assert!(
            matches!(err, StoreError::Db(DbError::Constraint(_))),
            "{err:?}"
        );
        let n = db
            .execute("SELECT COUNT(*) AS n FROM case_submitters", &[])
            .expect("query");
        assert_eq!(n.row(0).map(|r| r.integer("n")), Some(Ok(1)));
    }

    #[test]
    fn the_fingerprint_tells_bodies_apart_and_differs_per_deployment_key() {
        let k = Keys::from_secret("one deployment").expect("keys");
        let other = Keys::from_secret("another deployment").expect("keys");
        assert_eq!(fingerprint(&k, b"abc"), fingerprint(&k, b"abc"));
        assert_ne!(fingerprint(&k, b"abc"), fingerprint(&k, b"abd"));
        assert_ne!(fingerprint(&k, b"abc"), fingerprint(&other, b"abc"));
        assert_eq!(fingerprint(&k, b"abc").len(), 64);
    }

    #[test]
    fn the_submitter_is_shown_as_the_read_allows_and_only_a_clear_read_is_audited() {
        use crate::access::PersonalRead;
        use crate::base::test_support::{complaint, keys, store_case};
        let db = crate::base::test_support::seeded_db();
        let case = store_case(
            &db,
            1,
            complaint("13812345678"),
            "2025-10-09T09:00:00+08:00",
        );
        let reader = Reader {
            role: crate::case::words::Role::Bureau,
            unit: None,
            subject: "wang",
        };
        let no_keys = || -> Result<Keys, StoreError> { panic!("nothing to open") };
        let shown = submitter_as_read(&db, no_keys, case, PersonalRead::Nothing, &reader, at());
        assert_eq!(shown.expect("read"), None);
        let masked = submitter_as_read(
            &db,
            || Ok::<_, StoreError>(keys()),
            case,
            PersonalRead::Masked,
            &reader,
            at(),
        )
        .expect("read")
        .expect("shown");
        assert_eq!((masked.0.name.as_str(), masked.1), ("张*", true));
        let audited = |db: &NativeDb| {
            db.execute("SELECT COUNT(*) AS n FROM personal_data_reads", &[])
                .expect("count")
                .row(0)
                .and_then(|r| r.integer("n").ok())
        };
        assert_eq!(audited(&db), Some(0));
        let clear = PersonalRead::Clear {
            purpose: "回访核实".into(),
        };
        let shown = submitter_as_read(
            &db,
            || Ok::<_, StoreError>(keys()),
            case,
            clear,
            &reader,
            at(),
        )
        .expect("read")
        .expect("shown");
        assert_eq!((shown.0.name.as_str(), shown.1), ("张三", false));
        assert_eq!(audited(&db), Some(1));
    }
}
