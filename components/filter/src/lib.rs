//! The filter stage (Art. 5): `POST /screen/{case_id}`, reached only by
//! service chaining (`http://filter.spin.internal`). Screens a received case
//! with the county's rules and records the decision; run again, it changes
//! nothing.

use common::routes::SCREEN;
use common::{json, respond, Answer, Ctx};
use shared::triage::pipeline::screen_case;
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(screen(&Ctx::new(req)))
}

fn screen(ctx: &Ctx) -> Answer {
    let case = SCREEN.case_id(&ctx.req)?;
    let rules = ctx.rules()?;
    json(
        200,
        &screen_case(ctx.db()?, case, rules, ctx.now_in_china())?,
    )
}
