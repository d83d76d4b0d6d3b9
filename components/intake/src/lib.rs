//! The intake stage: `POST /api/cases` takes a case in from any channel
//! (Art. 2) and answers with its id and tracking code; the submitter's own
//! endpoints (`citizen`) tell where it stands and take the rating.

mod citizen;

use common::kv::SpinKv;
use common::routes::{self, Chained, COUNTIES, DISPATCH, FEEDBACK, SCREEN, SUBMIT, TRACK};
use common::{created, json, respond, Answer, Ctx};
use shared::case::intake::NewCase;
use shared::county::intake_rules::IntakeRules;
use shared::desk::submission::{self, Next, Submission, TakenIn};
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

/// Takes the case in (the library decides everything but the chaining),
/// then on through screening and dispatch where it goes there.
async fn submit(ctx: &Ctx) -> Answer {
    let case = NewCase::parse(&ctx.json_body()?)?;
    let who = ctx.signed_in()?;
    let key = ctx.idempotency_key()?;
    let submission = Submission {
        case: &case,
        body: ctx.req.body(),
        who: who.as_ref(),
        key: key.as_ref(),
    };
    let taken = match submission::take_in(ctx, &SpinKv, &submission, &common::keys::draws()?)? {
        TakenIn::Replayed(first) => return created(&first.answer, &first.location),
        TakenIn::Stored(taken) => taken,
    };
    let id = taken.receipt.case_id;
    let complete = match &taken.next {
        Next::Answered => true,
        Next::AnswerFailed(why) => {
            // Stored and answered 201 all the same: staff can still close it.
            eprintln!("case {id}: cannot record the answer: {why}");
            false
        }
        Next::Staff => false,
        Next::Pipeline => Chained::in_turn(&[SCREEN, DISPATCH], id).await,
    };
    let location = routes::track_location(&taken.receipt.tracking_code);
    let (ack, failed) =
        submission::acknowledge(ctx.db()?, &SpinKv, &taken, complete, &location, ctx.now());
    if let Some(e) = failed {
        eprintln!("case {id}: cannot read its status: {e}");
    }
    created(&ack, &location)
}
