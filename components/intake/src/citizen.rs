//! The submitter's endpoints, by tracking code and the last four digits of
//! their phone: `GET /api/cases/track/{code}` (where the case stands, and
//! the released reply) and `POST /api/cases/track/{code}/feedback` (rate
//! the reply once per closure, and ask for a review). Both run under the
//! county's tracking limits (`shared::access::attempts`): wrong answers counted per
//! client, per code and client and per code, refused with 429 and
//! `Retry-After` before any work once over.

use common::kv::SpinKv;
use common::{json, Answer, Ctx, Problem};
use shared::access::attempts;
use shared::base::ids::TrackingCode;
use shared::case::contact::{ContactError, PhoneLast4};
use shared::county::intake_rules::IntakeRules;
use shared::desk::feedback::{rate, Feedback, FeedbackError};
use shared::record::cases;

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
    let found = guarded(ctx, &code, || {
        Ok(cases::find_public_status_for_submitter(
            ctx.db()?,
            &ctx.keys()?,
            &code,
            &last4,
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

/// A lookup by tracking code and second factor, under the county's
/// tracking limits (`shared::access::attempts::guarded`).
fn guarded<T>(
    ctx: &Ctx,
    code: &TrackingCode,
    lookup: impl FnOnce() -> Result<Option<T>, Box<Problem>>,
) -> Result<Option<T>, Box<Problem>> {
    let limits = &ctx.rules()?.get::<IntakeRules>()?.tracking;
    attempts::guarded(
        &SpinKv,
        limits,
        &ctx.client_bucket()?,
        code,
        ctx.now(),
        lookup,
    )
}

/// The submitter's rating of the released reply.
pub fn feedback(ctx: &Ctx) -> Answer {
    let code = code(ctx)?;
    let feedback = Feedback::parse(&ctx.json_body()?)?;
    let rated = guarded(ctx, &code, || {
        match rate(
            ctx.db()?,
            &ctx.keys()?,
            &code,
            &feedback,
            ctx.now_in_china(),
        ) {
            Ok(rated) => Ok(Some(rated)),
            Err(FeedbackError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })?
    .ok_or(FeedbackError::NotFound)?;
    json(200, &rated)
}
