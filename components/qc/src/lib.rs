//! The bureau's quality check and what follows closing (Art. 6(一).2–3,
//! 6(二).3): `POST /act/{case_id}`, reached only by service chaining from
//! `cases` (`http://qc.spin.internal`), for QC pass or fail, follow-up
//! calls, and review requests and decisions.

use common::{respond, Ctx};
use shared::lifecycle::moves::Desk;
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(common::act::on_desk(&Ctx::new(req), Desk::Qc))
}
