//! `POST /api/urge-notices/{id}/ack`: the unit urged acknowledges its
//! urge notice (催办单); a second acknowledgement keeps the first time.

use common::{json, Answer, Ctx, Problem};

/// Acknowledges the notice the route's `:id` names.
pub fn acknowledge(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let id = ctx
        .path_id("id")
        .ok_or_else(|| Problem::new(400, "invalid_field", "Invalid urge notice id").field("id"))?;
    let notice = shared::oversight::reminder::acknowledge(ctx.db()?, id, &who, ctx.now_in_china())?;
    json(200, &notice)
}
