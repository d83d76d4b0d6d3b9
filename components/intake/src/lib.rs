//! The intake stage: `POST /api/cases` takes a case in from any channel
//! (Art. 2) and answers with its id and tracking code; `GET
//! /api/cases/track/{code}` tells the submitter where it stands.

mod keyvalue;

use common::routes::{self, DISPATCH, SCREEN, SUBMIT, TRACK};
use common::{json, respond, Answer, Ctx, Problem};
use shared::ids::TrackingCode;
use shared::intake::NewCase;
use shared::lifecycle::Actor;
use shared::pipeline;
use shared::store::{self, Idempotency, Receipt, Stored};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const ENDPOINTS: &[(&str, Method)] = &[(SUBMIT, Method::Post), (TRACK, Method::Get)];

#[http_component]
async fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(SUBMIT) => submit(&ctx).await,
        Ok(_) => track(&ctx),
        Err(problem) => Err(problem),
    })
}

async fn submit(ctx: &Ctx) -> Answer {
    let case = NewCase::parse(&ctx.json_body()?)?;
    let who = ctx.signed_in()?;
    case.admit(who.as_ref().map(|w| w.role))?;
    let rules = ctx.rules()?;
    if case.channel.has_opening_hours() {
        rules
            .intake()?
            .admit_channel(case.channel, rules.calendar()?, ctx.now())?;
    }
    if who.is_none() {
        keyvalue::count_public_submission(ctx, rules.intake()?)?;
    }
    let key = keyvalue::idempotency_key(ctx)?;
    let fingerprint = store::fingerprint(ctx.req.body());
    if let Some(replay) = key
        .as_deref()
        .and_then(|k| keyvalue::replay(k, &fingerprint))
    {
        return Ok(replay);
    }
    let db = ctx.db()?;
    pipeline::check_direct_unit(db, &case)?;
    let idem = key.as_deref().map(|key| Idempotency {
        key,
        fingerprint: &fingerprint,
    });
    let draws = common::keys::draws()?;
    let stored = store::insert_with_fresh_code(
        db,
        &case,
        ctx.now_in_china(),
        idem.as_ref(),
        &ctx.keys()?,
        &draws,
    )?;
    let (receipt, complete) = match (stored, who) {
        (Stored::Created(receipt), Some(agent)) if case.answered_at_intake() => {
            let agent = Actor {
                role: agent.role,
                unit: None,
            };
            let answered =
                pipeline::answer_at_intake(db, receipt.case_id, &case, &agent, ctx.now_in_china());
            if let Err(e) = &answered {
                // Stored and answered 201 all the same: staff can still
                // close it; the log says why.
                eprintln!("case {}: cannot record the answer: {e}", receipt.case_id);
            }
            (receipt, answered.is_ok())
        }
        // A retry also takes a case on from a stage where an earlier hop
        // failed (each stage is idempotent).
        (Stored::Created(receipt) | Stored::Replayed(receipt), _) if !case.answered_at_intake() => {
            let complete = advance(&receipt).await;
            (receipt, complete)
        }
        (Stored::Created(receipt) | Stored::Replayed(receipt), _) => (receipt, false),
    };
    let ack = store::acknowledgement(db, &receipt)?;
    // Only a case that went all the way is answered from the fast path; a
    // stranded one is taken on by the retry.
    if let (Some(key), true) = (&key, complete) {
        keyvalue::remember(key, &fingerprint, &ack);
    }
    created(&receipt, &ack)
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

fn created(receipt: &Receipt, ack: &store::Acknowledgement) -> Answer {
    let mut resp = json(201, ack)?;
    resp.set_header("location", track_path(&receipt.tracking_code));
    Ok(resp)
}

fn track_path(code: &TrackingCode) -> String {
    format!("/api/cases/track/{code}")
}

fn track(ctx: &Ctx) -> Answer {
    let code: TrackingCode = ctx
        .path("code")
        .parse()
        .map_err(|e| Problem::invalid_field("code", "invalid", format!("{e}")))?;
    let query = ctx.query();
    let last4 = query
        .get("phone_last4")
        .filter(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Problem::new(400, "invalid_field", "Second factor needed")
                .field("phone_last4")
                .detail("give the last 4 digits of the phone number the case was submitted with: ?phone_last4=5678")
        })?;
    match store::find_public_status_for_submitter(ctx.db()?, &ctx.keys()?, &code, last4)? {
        Some(status) => json(200, &status),
        None => Err(Problem::new(
            404,
            "case_not_found",
            "No case has this tracking code and phone",
        )
        .field("code")
        .boxed()),
    }
}
