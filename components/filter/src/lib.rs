//! The filter stage (Art. 5): `POST /screen/{case_id}`, reached only by
//! service chaining (`http://filter.spin.internal`). Screens a received case
//! with the library's rules and records the decision; run again, it changes
//! nothing.

use common::db::SpinDb;
use common::respond::{self, Problem};
use shared::clock;
use shared::filter::FilterRules;
use shared::pipeline::screen_case;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    let Some(case) = common::request::chained_case_id(&req, "screen") else {
        return Problem::new(404, "not_found", "No such resource").into_response();
    };
    if *req.method() != Method::Post {
        return respond::method_not_allowed("POST");
    }
    let db = match SpinDb::open_or_problem("filter") {
        Ok(db) => db,
        Err(problem) => return problem.into_response(),
    };
    match screen_case(
        &db,
        case,
        &FilterRules::defaults(),
        clock::in_china(clock::now()),
    ) {
        Ok(outcome) => respond::json(200, &outcome),
        Err(e) => {
            eprintln!("filter: case {case}: {e}");
            respond::internal_error()
        }
    }
}
