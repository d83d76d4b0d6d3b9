//! The submitter's endpoints, by tracking code and the last four digits of
//! their phone: `GET /api/cases/track/{code}` (where the case stands, and
//! the released reply) and `POST /api/cases/track/{code}/feedback` (rate
//! the reply once per closure, and ask for a review). Both run under the
//! county's tracking limits (`common::tracking`): wrong answers counted per
//! client, per code and client and per code, refused with 429 and
//! `Retry-After` before any work once over.

use common::tracking::{code, guarded, last4};
use common::{json, Answer, Ctx, Problem};
use shared::desk::feedback::{rate, Feedback, FeedbackError};
use shared::record::cases;

/// Where the case stands.
pub fn track(ctx: &Ctx) -> Answer {
    let code = code(ctx)?;
    let last4 = last4(ctx)?;
    let found = guarded(ctx, &code, || {
        let (db, keys) = (ctx.db()?, ctx.keys()?);
        Ok(cases::find_public_status_for_submitter(
            db, &keys, &code, &last4,
        )?)
    })?;
    match found {
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

/// The submitter's rating of the released reply.
pub fn feedback(ctx: &Ctx) -> Answer {
    let code = code(ctx)?;
    let feedback = Feedback::parse(&ctx.json_body()?)?;
    let rated = guarded(ctx, &code, || {
        let (db, keys) = (ctx.db()?, ctx.keys()?);
        match rate(db, &keys, &code, &feedback, ctx.now_in_china()) {
            Ok(rated) => Ok(Some(rated)),
            Err(FeedbackError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })?
    .ok_or(FeedbackError::NotFound)?;
    json(200, &rated)
}
