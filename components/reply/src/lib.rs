//! The unit's workbench (Art. 6): `POST /act/{case_id}`, reached only by
//! service chaining from `cases` (`http://reply.spin.internal`), for the
//! moves of a case in handling — return as misrouted, extensions, contact
//! with the submitter, marking it complex, co-units' input, misconduct
//! clues, the draft and the leader's review.

use common::{respond, Ctx};
use shared::lifecycle::moves::Desk;
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(common::act::on_desk(&Ctx::new(req), Desk::Reply))
}
