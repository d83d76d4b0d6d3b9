//! `POST /api/reminders/scan`: the deadline scan (催办, Art. 6(二).1(6)) on
//! demand, for the bureau or the deployment's scheduler (a `scheduler`
//! token that may do nothing else). The same scan the `reminder` stage
//! runs on its cron trigger; where the platform has no cron trigger
//! (SpinKube), a scheduled job calls this instead. Each run also drops the
//! limit counters whose window has ended.

use common::routes::{self, SCAN};
use common::{json, respond, Answer, Ctx};
use shared::access::may_run_scan;
use shared::oversight::reminder::scan;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(run(&Ctx::new(req)))
}

fn run(ctx: &Ctx) -> Answer {
    routes::endpoint(&ctx.req, &[(SCAN, Method::Post, ())])?;
    may_run_scan(&ctx.principal()?)?;
    let report = scan(ctx.db()?, ctx.rules()?, ctx.now())?;
    if let Err(e) = shared::access::attempts::sweep(&common::kv::SpinKv, ctx.now()) {
        eprintln!("sweeping expired limit counters: {e}");
    }
    json(200, &report)
}
