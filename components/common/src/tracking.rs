//! The submitter's lookups by tracking code and second factor, as every
//! stage that serves them reads them: the code from the route, the last
//! four digits from the query, and the county's tracking limits around the
//! lookup (`shared::access::attempts::guarded`).

use shared::access::attempts;
use shared::base::ids::TrackingCode;
use shared::case::contact::{ContactError, PhoneLast4};
use shared::county::intake_rules::IntakeRules;

use crate::kv::SpinKv;
use crate::{Ctx, Problem};

/// The tracking code the route's `:code` names (400 naming why not).
pub fn code(ctx: &Ctx) -> Result<TrackingCode, Box<Problem>> {
    ctx.path("code")
        .parse()
        .map_err(|e| Problem::invalid_field("code", "invalid", format!("{e}")).boxed())
}

/// The second factor, `?phone_last4=` (400 when absent or not four digits).
pub fn last4(ctx: &Ctx) -> Result<PhoneLast4, Box<Problem>> {
    ctx.query()
        .get("phone_last4")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            Problem::new(400, "invalid_field", "Second factor needed")
                .field("phone_last4")
                .detail(ContactError::Last4.to_string())
                .boxed()
        })
}

/// `lookup` under the county's tracking limits: refused with 429 before
/// any work once a limit is reached; a lookup that finds nothing counts
/// as a wrong answer.
pub fn guarded<T>(
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
