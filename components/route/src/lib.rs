//! The route stage (Art. 6): `POST /dispatch/{case_id}`, reached only by
//! service chaining (`http://route.spin.internal`). Sends an accepted case
//! to the unit of its county competent for it and sets its deadlines, or
//! leaves it in the bureau's triage queue; run again, it changes nothing.

use common::routes::DISPATCH;
use common::{json, respond, Answer, Ctx};
use shared::triage::pipeline::dispatch_case;
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(route(&Ctx::new(req)))
}

fn route(ctx: &Ctx) -> Answer {
    let case = DISPATCH.case_id(&ctx.req)?;
    json(
        200,
        &dispatch_case(ctx.db()?, case, ctx.rules()?, ctx.now_in_china())?,
    )
}
