//! The submitter's endpoints, by tracking code and the last four digits of
//! their phone: `GET /api/cases/track/{code}` (where the case stands, and
//! the released reply) and `POST /api/cases/track/{code}/feedback` (rate
//! the reply once per closure, and ask for a review).

use common::{json, Answer, Ctx, Problem};
use shared::contact::{ContactError, PhoneLast4};
use shared::feedback::{rate, Feedback};
use shared::ids::TrackingCode;
use shared::store;

fn code(ctx: &Ctx) -> Result<TrackingCode, Box<Problem>> {
    ctx.path("code")
        .parse()
        .map_err(|e| Problem::invalid_field("code", "invalid", format!("{e}")).boxed())
}

/// Where the case stands.
pub fn track(ctx: &Ctx) -> Answer {
    let code = code(ctx)?;
    let last4: PhoneLast4 = ctx
        .query()
        .get("phone_last4")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            Problem::new(400, "invalid_field", "Second factor needed")
                .field("phone_last4")
                .detail(ContactError::Last4.to_string())
        })?;
    match store::find_public_status_for_submitter(ctx.db()?, &ctx.keys()?, &code, &last4)? {
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
    let rated = rate(
        ctx.db()?,
        &ctx.keys()?,
        &code,
        &feedback,
        ctx.now_in_china(),
    )?;
    json(200, &rated)
}
