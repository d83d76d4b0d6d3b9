//! The public calendar, as the county's rules have it: what kind of day a
//! date is, and which date is N working days after another.
//!
//! - `GET /api/calendar/days/{YYYY-MM-DD}` →
//!   `{"date", "working_day", "kind", "name", "verified"}`
//! - `GET /api/calendar/add?from=YYYY-MM-DD&working_days=N` →
//!   `{"from", "working_days", "due", "verified"}`

use chrono::NaiveDate;
use common::routes::{self, CALENDAR_ADD, CALENDAR_DAY};
use common::{json, respond, Answer, Ctx, Problem};
use serde::Serialize;
use shared::time::calendar::Calendar;
use shared::time::calendar::MAX_WORKING_DAYS;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Day,
    Add,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (CALENDAR_DAY, Method::Get, Endpoint::Day),
    (CALENDAR_ADD, Method::Get, Endpoint::Add),
];

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(Endpoint::Day) => day(&ctx),
        Ok(Endpoint::Add) => add(&ctx),
        Err(problem) => Err(problem),
    })
}

fn date(field: &str, text: &str) -> Result<NaiveDate, Box<Problem>> {
    shared::base::clock::day(text).ok_or_else(|| {
        Problem::new(400, "invalid_field", "Invalid date")
            .field(field)
            .detail("a date is written YYYY-MM-DD, e.g. 2025-10-08")
            .boxed()
    })
}

fn missing(field: &str, title: &str) -> Problem {
    Problem::new(400, "missing_field", title).field(field)
}

fn day(ctx: &Ctx) -> Answer {
    let date = date("date", &ctx.path("date"))?;
    json(200, &ctx.rules()?.get::<Calendar>()?.day(date))
}

#[derive(Serialize)]
struct Added {
    from: NaiveDate,
    working_days: u32,
    due: NaiveDate,
    verified: bool,
}

fn add(ctx: &Ctx) -> Answer {
    let query = ctx.query();
    let from = date(
        "from",
        query
            .get("from")
            .ok_or_else(|| missing("from", "Missing date").detail("give ?from=YYYY-MM-DD"))?,
    )?;
    let n = match query.get("working_days").map(|t| t.parse::<u32>()) {
        Some(Ok(n)) if n <= MAX_WORKING_DAYS => n,
        Some(_) => {
            return Err(
                Problem::new(400, "invalid_field", "Invalid number of working days")
                    .field("working_days")
                    .detail(format!("a whole number from 0 to {MAX_WORKING_DAYS}"))
                    .boxed(),
            )
        }
        None => return Err(missing("working_days", "Missing number of working days").boxed()),
    };
    let due = ctx
        .rules()?
        .get::<Calendar>()?
        .add_working_days(from, n)
        .map_err(|e| {
            Problem::new(400, "invalid_field", "Cannot count that far")
                .field("working_days")
                .detail(e.to_string())
        })?;
    json(
        200,
        &Added {
            from,
            working_days: n,
            due: due.date,
            verified: due.verified,
        },
    )
}
