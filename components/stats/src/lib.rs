//! Statistics (Art. 9): `GET /api/stats?from=YYYY-MM-DD&to=YYYY-MM-DD`
//! (both days included, China time) with optional `county`, `unit`,
//! `channel`, `kind` and `group_by=county|unit`; each rate with its
//! numerator and denominator, "no data" as `null`. `format=csv` (or
//! `Accept: text/csv`) gives CSV in UTF-8 with a BOM and Chinese headers.
//! With the rows, their ranking and the groups that trip the county's
//! attention thresholds (Art. 9's shift list). The bureau and supervisors
//! read every row, a unit its own.

use common::routes::{self, STATS};
use common::{json, respond, Answer, Ctx};
use serde::Serialize;
use shared::statistics::{attention, csv, ranking, rows, Attention, Query, Row};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const ENDPOINTS: &[(&str, Method)] = &[(STATS, Method::Get)];

#[derive(Serialize)]
struct Report<'a> {
    from: String,
    to: String,
    group_by: &'a str,
    rows: Vec<Row>,
    /// The groups, best first (on-time rate, then satisfaction).
    ranking: Vec<String>,
    /// The groups that trip the county's thresholds (Art. 9's shift list).
    attention: Vec<Attention>,
}

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(routes::endpoint(&ctx.req, ENDPOINTS).and_then(|_| stats(&ctx)))
}

fn stats(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let params = ctx.query();
    let query = Query::from_query(&params)?;
    let rows = rows(ctx.db()?, &who, &query)?;
    let accept = ctx
        .req
        .header("accept")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if params.get("format").is_some_and(|f| f == "csv") || accept.contains("text/csv") {
        return Ok(Response::builder()
            .status(200)
            .header("content-type", "text/csv; charset=utf-8")
            .header("content-disposition", "attachment; filename=\"stats.csv\"")
            .body(csv(&rows))
            .build());
    }
    let thresholds = &ctx.rules()?.reminder()?.attention;
    json(
        200,
        &Report {
            from: query.from.to_string(),
            to: query.to.to_string(),
            group_by: query.group_by.as_str(),
            ranking: ranking(&rows),
            attention: attention(&rows, thresholds),
            rows,
        },
    )
}
