//! The public calendar: what kind of day a date is, and which date is N
//! working days after another, from the library's official calendar.
//!
//! - `GET /api/calendar/days/{YYYY-MM-DD}` →
//!   `{"date", "working_day", "kind", "name", "verified"}`
//! - `GET /api/calendar/add?from=YYYY-MM-DD&working_days=N` →
//!   `{"from", "working_days", "due", "verified"}`

use chrono::NaiveDate;
use common::respond::{self, Problem};
use serde::Serialize;
use shared::calendar::{Calendar, MAX_WORKING_DAYS};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const DAY_ROUTE: &str = "/api/calendar/days/:date";
const ADD_ROUTE: &str = "/api/calendar/add";

#[http_component]
fn handle(req: Request) -> Response {
    let route = common::request::matched_route(&req);
    if *req.method() != Method::Get {
        return respond::method_not_allowed("GET");
    }
    match route.as_str() {
        DAY_ROUTE => day(&req),
        ADD_ROUTE => add(&req),
        _ => Problem::new(404, "not_found", "No such resource").into_response(),
    }
}

fn parse_date(field: &str, text: &str) -> Result<NaiveDate, Box<Problem>> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Box::new(
            Problem::new(400, "invalid_field", "Invalid date")
                .field(field)
                .detail("a date is written YYYY-MM-DD, e.g. 2025-10-08"),
        )
    })
}

fn day(req: &Request) -> Response {
    let text = common::request::path_match(req, "date");
    match parse_date("date", &text) {
        Ok(date) => respond::json(200, &Calendar::official().day(date)),
        Err(p) => p.into_response(),
    }
}

#[derive(Serialize)]
struct Added {
    from: NaiveDate,
    working_days: u32,
    due: NaiveDate,
    verified: bool,
}

fn add(req: &Request) -> Response {
    let query = common::request::query_pairs(req);
    let from = match query.get("from") {
        Some(text) => match parse_date("from", text) {
            Ok(d) => d,
            Err(p) => return p.into_response(),
        },
        None => {
            return Problem::new(400, "missing_field", "Missing date")
                .field("from")
                .detail("give ?from=YYYY-MM-DD")
                .into_response()
        }
    };
    let n = match query.get("working_days").map(|t| t.parse::<u32>()) {
        Some(Ok(n)) if n <= MAX_WORKING_DAYS => n,
        Some(_) => {
            return Problem::new(400, "invalid_field", "Invalid number of working days")
                .field("working_days")
                .detail(format!("a whole number from 0 to {MAX_WORKING_DAYS}"))
                .into_response()
        }
        None => {
            return Problem::new(400, "missing_field", "Missing number of working days")
                .field("working_days")
                .into_response()
        }
    };
    match Calendar::official().add_working_days(from, n) {
        Ok(due) => respond::json(
            200,
            &Added {
                from,
                working_days: n,
                due: due.date,
                verified: due.verified,
            },
        ),
        Err(e) => Problem::new(400, "invalid_field", "Cannot count that far")
            .field("working_days")
            .detail(e.to_string())
            .into_response(),
    }
}
