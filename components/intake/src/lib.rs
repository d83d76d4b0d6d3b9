//! The intake stage: `POST /api/cases` takes a case in from any channel
//! (Art. 2) and answers with its id and tracking code; the submitter's own
//! endpoints (`citizen`) tell where it stands and take the rating.

mod citizen;

use common::kv::SpinKv;
use common::routes::{self, COUNTIES, DISPATCH, FEEDBACK, SCREEN, SUBMIT, TRACK};
use common::{json, respond, Answer, Ctx};
use shared::case::intake::NewCase;
use shared::county::intake_rules::IntakeRules;
use shared::lifecycle::Actor;
use shared::record::cases;
use shared::record::cases::{Idempotency, Receipt, Stored};
use shared::record::idempotency;
use shared::time::calendar::Calendar;
use shared::triage::pipeline;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Submit,
    Track,
    Feedback,
    Counties,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (SUBMIT, Method::Post, Endpoint::Submit),
    (TRACK, Method::Get, Endpoint::Track),
    (FEEDBACK, Method::Post, Endpoint::Feedback),
    (COUNTIES, Method::Get, Endpoint::Counties),
];

#[http_component]
async fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(Endpoint::Submit) => submit(&ctx).await,
        Ok(Endpoint::Track) => citizen::track(&ctx),
        Ok(Endpoint::Feedback) => citizen::feedback(&ctx),
        Ok(Endpoint::Counties) => counties(&ctx),
        Err(problem) => Err(problem),
    })
}

/// `GET /api/counties`: the counties served, for the submission form.
fn counties(ctx: &Ctx) -> Answer {
    let served = shared::county::counties::served(ctx.db()?, ctx.rules()?.get::<IntakeRules>()?)?;
    json(200, &serde_json::json!({ "counties": served }))
}

async fn submit(ctx: &Ctx) -> Answer {
    let case = NewCase::parse(&ctx.json_body()?)?;
    let who = ctx.signed_in()?;
    case.admit(who.as_ref().map(|w| w.role))?;
    // The county's rules only where they decide (an agent's case at a
    // channel without opening hours needs none).
    if case.channel.has_opening_hours() {
        let rules = ctx.rules()?;
        rules.get::<IntakeRules>()?.admit_channel(
            case.channel,
            rules.get::<Calendar>()?,
            ctx.now(),
        )?;
    }
    if who.is_none() {
        let rules = ctx.rules()?.get::<IntakeRules>()?;
        rules.count_public_submission(&SpinKv, &ctx.client_bucket()?, ctx.now())?;
    }
    let keys = ctx.keys()?;
    let fingerprint = cases::fingerprint(&keys, ctx.req.body());
    let key = match ctx.idempotency_key()? {
        Some(k) => Some(idempotency::scoped(
            &keys,
            who.as_ref(),
            || ctx.client_bucket(),
            &k,
        )?),
        None => None,
    };
    if let Some(first) = key
        .as_ref()
        .and_then(|k| idempotency::replay(&SpinKv, k, &fingerprint, ctx.now()))
    {
        return created(&first.answer, first.location);
    }
    let db = ctx.db()?;
    pipeline::check_direct_unit(db, &case)?;
    let idem = key.as_deref().map(|key| Idempotency {
        key,
        fingerprint: &fingerprint,
    });
    let draws = common::keys::draws()?;
    let stored =
        cases::insert_with_fresh_code(db, &case, ctx.now_in_china(), idem.as_ref(), &keys, &draws)?;
    let (receipt, new) = match stored {
        Stored::Created(receipt) => (receipt, true),
        Stored::Replayed(receipt) => (receipt, false),
    };
    let complete = match (&who, case.answered_at_intake()) {
        // Answered by the agent: closed here, once.
        (Some(agent), true) if new => {
            let agent = Actor::from(agent);
            let answered =
                pipeline::answer_at_intake(db, receipt.case_id, &case, &agent, ctx.now_in_china());
            if let Err(e) = &answered {
                // Stored and answered 201 all the same: staff can still
                // close it; the log says why.
                eprintln!("case {}: cannot record the answer: {e}", receipt.case_id);
            }
            answered.is_ok()
        }
        (_, true) => false,
        // A retry also takes a case on from a stage where an earlier hop
        // failed (each stage is idempotent).
        (_, false) => advance(&receipt).await,
    };
    let ack = cases::acknowledgement(db, &receipt).unwrap_or_else(|e| {
        // Stored all the same: the receipt as it was taken in.
        eprintln!("case {}: cannot read its status: {e}", receipt.case_id);
        cases::Acknowledgement::taken_in(receipt.clone())
    });
    // Only a new case that went all the way is answered from the fast
    // path; a stranded one is taken on by the retry.
    if let (Some(key), true, true) = (&key, new, complete) {
        let location = routes::track_location(&receipt.tracking_code);
        // Only the fast path is lost if it fails (the store says why).
        let _ = idempotency::remember(&SpinKv, key, &fingerprint, &ack, &location, ctx.now());
    }
    created(&ack, routes::track_location(&receipt.tracking_code))
}

/// Screening, then dispatch, each by service chaining. A hop that fails
/// leaves the case where it got to (it is stored already); a retry or the
/// bureau takes it on from there.
async fn advance(receipt: &Receipt) -> bool {
    for stage in [SCREEN, DISPATCH] {
        if let Err(why) = stage.call(receipt.case_id).await {
            eprintln!(
                "case {}: {why}; the case waits at this stage",
                receipt.case_id
            );
            return false;
        }
    }
    true
}

/// 201 with the answer and where the case is followed.
fn created(answer: &impl serde::Serialize, location: String) -> Answer {
    let mut resp = json(201, answer)?;
    resp.set_header("location", location);
    Ok(resp)
}
