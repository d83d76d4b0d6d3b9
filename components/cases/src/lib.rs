//! Staff views of a case and staff actions on it: `GET /api/cases/{id}`
//! (a unit sees only its own cases; personal data masked unless the bureau
//! or the lead unit asks for it with a purpose, audited; supervisors never
//! see it), `POST /api/cases/{id}/actions` (one move under `If-Match`:
//! the bureau's dispatch moves here, the unit's workbench and the quality
//! check handed to the private `reply` and `qc` desks),
//! `POST /api/urge-notices/{id}/ack`, `GET /api/inbox` and
//! `POST /api/inbox/batch` (one move on many cases).

use common::routes::{self, ACTIONS, ADMIN_RESEAL, CASE, INBOX, INBOX_BATCH, URGE_ACK};
use common::{json, respond, Answer, Ctx, Problem};
use serde::Serialize;
use shared::access::{case_access, personal_read};
use shared::case::personal::PersonalData;
use shared::desk::casefile::CaseFile;
use shared::lifecycle::Actor;
use shared::record::cases::{self, CaseView, Reader};
use shared::record::reseal::{self, BatchSize};
use shared::time::deadlines::DeadlineRules;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

mod inbox;
mod notices;

#[derive(Clone, Copy)]
enum Endpoint {
    Read,
    Act,
    AckUrge,
    Inbox,
    Batch,
    Reseal,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (CASE, Method::Get, Endpoint::Read),
    (ACTIONS, Method::Post, Endpoint::Act),
    (URGE_ACK, Method::Post, Endpoint::AckUrge),
    (INBOX, Method::Get, Endpoint::Inbox),
    (INBOX_BATCH, Method::Post, Endpoint::Batch),
    (ADMIN_RESEAL, Method::Post, Endpoint::Reseal),
];

#[http_component]
async fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(Endpoint::Read) => read(&ctx),
        Ok(Endpoint::Act) => common::act::at_front(&ctx).await,
        Ok(Endpoint::AckUrge) => notices::acknowledge(&ctx),
        Ok(Endpoint::Inbox) => inbox::inbox(&ctx),
        Ok(Endpoint::Batch) => common::act::batch(&ctx).await,
        Ok(Endpoint::Reseal) => reseal(&ctx),
        Err(problem) => Err(problem),
    })
}

#[derive(Serialize)]
struct View {
    #[serde(flatten)]
    case: CaseView,
    /// What the reader may do now; deadlines, history, reply, QC rounds,
    /// rejection, urge notices.
    #[serde(flatten)]
    file: CaseFile,
    /// Absent for supervisors.
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter: Option<PersonalData>,
    /// Whether `submitter` is masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter_masked: Option<bool>,
}

/// `POST /api/admin/reseal`: one batch (`limit`, [`BatchSize`]) of sealed
/// personal data moved to the key in force; call again until `remaining`
/// is 0.
fn reseal(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    shared::access::may_reseal(&who)?;
    let limit = BatchSize::parse(ctx.query().get("limit").map(String::as_str))?;
    let keys = ctx.keys()?;
    // Every nonce drawn before the batch, so none can fail inside it.
    let mut nonces = common::keys::nonces(limit.get())?.into_iter();
    let mut fresh = || nonces.next().unwrap_or_default();
    let done = reseal::reseal(ctx.db()?, &keys, limit, &mut fresh);
    eprintln!(
        "reseal by {}: {} rows to key {}, {} left",
        who.subject,
        done.as_ref().map(|d| d.resealed).unwrap_or(0),
        keys.key_id(),
        done.as_ref().map(|d| d.remaining).unwrap_or(0)
    );
    json(200, &done?)
}

/// `GET /api/cases/{id}`: the case as this reader may see it.
fn read(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let id = ctx.case_id()?;
    let query = ctx.query();
    let unmask = ctx.query_one_of("unmask", &["true", "false"])? == Some("true");
    let purpose = query.get("purpose").map(String::as_str).unwrap_or_default();
    let db = ctx.db()?;
    let case = cases::case_view(db, id)?.ok_or_else(|| Problem::case_not_found().boxed())?;
    let view = case_access(&who, case.lead_unit.as_ref(), &case.co_units)?;
    let sign_first = ctx.rules()?.get::<DeadlineRules>()?.sign_for_first;
    let file =
        shared::desk::casefile::case_file(db, id, &Actor::from(&who), sign_first, ctx.now())?;
    let read = personal_read(view, unmask, purpose)?;
    let reader = Reader::from(&who);
    let shown = cases::submitter_as_read(db, || ctx.keys(), id, read, &reader, ctx.now_in_china())?;
    let (submitter, masked) = shown.map_or((None, None), |(data, m)| (Some(data), Some(m)));
    // The case's version is its `ETag`.
    let etag = format!("\"{}\"", case.version);
    let submitter_masked = masked;
    let mut resp = json(
        200,
        &View {
            case,
            file,
            submitter,
            submitter_masked,
        },
    )?;
    resp.set_header("etag", etag);
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}
