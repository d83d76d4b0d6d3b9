//! The route stage (Art. 6): `POST /dispatch/{case_id}`, reached only by
//! service chaining (`http://route.spin.internal`). Sends an accepted case
//! to the unit of its county competent for it and sets its deadlines, or
//! leaves it in the bureau's triage queue; run again, it changes nothing.

use common::db::SpinDb;
use common::respond::{self, Problem};
use shared::calendar::Calendar;
use shared::clock;
use shared::deadlines::DeadlineRules;
use shared::pipeline::dispatch_case;
use shared::routing::RoutingTable;
use shared::store;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    let Some(case) = common::request::chained_case_id(&req, "dispatch") else {
        return Problem::new(404, "not_found", "No such resource").into_response();
    };
    if *req.method() != Method::Post {
        return respond::method_not_allowed("POST");
    }
    let db = match SpinDb::open_or_problem("route") {
        Ok(db) => db,
        Err(problem) => return problem.into_response(),
    };
    match dispatch(&db, case) {
        Ok(resp) => resp,
        Err(e) => {
            eprintln!("route: case {case}: {e:#}");
            respond::internal_error()
        }
    }
}

fn dispatch(db: &SpinDb, case: shared::ids::CaseId) -> anyhow::Result<Response> {
    let county = shared::cases::case_view(db, case)?
        .map(|v| v.county)
        .ok_or_else(|| anyhow::anyhow!("no case {case}"))?
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store::ensure_units(db)?;
    let units = store::units_in(db, &county)?;
    let outcome = dispatch_case(
        db,
        case,
        &RoutingTable::defaults(),
        &units,
        &Calendar::official(),
        &DeadlineRules::defaults(),
        clock::in_china(clock::now()),
    )?;
    Ok(respond::json(200, &outcome))
}
