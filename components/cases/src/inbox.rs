//! `GET /api/inbox`: a unit's inbox (its look today recorded, Art. 10), the
//! bureau's queues (`?queue=`) for the bureau and supervisors, and the
//! units that did not look on a working day (`?queue=unseen&date=`).

use common::{json, Answer, Ctx};
use shared::oversight::inbox::{answer, Filter};

/// The caller's work list.
pub fn inbox(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let filter = Filter::from_query(&ctx.query())?;
    json(
        200,
        &answer(ctx.db()?, &who, &filter, ctx.rules()?, ctx.now())?,
    )
}
