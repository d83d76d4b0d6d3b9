//! `GET /api/inbox`: a unit's inbox (its look today recorded, Art. 10), or
//! the bureau's queues (`?queue=`) for the bureau and supervisors.

use chrono::Duration;
use common::{json, Answer, Ctx};
use shared::inbox::{list, Filter};

/// The caller's work list.
pub fn inbox(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let filter = Filter::from_query(&ctx.query())?;
    let stuck = ctx.rules()?.reminder()?.stuck_after_minutes;
    let page = list(
        ctx.db()?,
        &who,
        &filter,
        Duration::minutes(i64::from(stuck)),
        ctx.now(),
    )?;
    json(200, &page)
}
