//! Statistics (Art. 9): `GET /api/stats?from=YYYY-MM-DD&to=YYYY-MM-DD`
//! (both days included, China time) with optional `county`, `unit`,
//! `channel`, `kind` and `group_by=county|unit|week|month`; each rate with its
//! numerator and denominator, "no data" as `null`. `format=csv` (or
//! `Accept: text/csv`) gives CSV in UTF-8 with a BOM and Chinese headers.
//! With the rows, their ranking and the groups that trip the county's
//! attention thresholds (Art. 9's shift list). The bureau and supervisors
//! read every row, a unit its own.
//!
//! Hotspots (Art. 7): `GET /api/hotspots?from=&to=` (optional `county`),
//! for the bureau and supervisors; rectification items opened from them:
//! `GET`/`POST /api/rectifications` (`?status=`), `GET`/`PATCH
//! /api/rectifications/{id}` — the bureau opens and changes, the owner unit
//! reports progress, supervisors read.

use common::routes::{self, HOTSPOTS, RECTIFICATION, RECTIFICATIONS, STATS};
use common::{json, respond, Answer, Ctx, Problem};
use serde::Serialize;
use shared::oversight::reminder::ScanRules;
use shared::oversight::statistics::{attention, csv, ranking, rows, Attention, Query, Row};
use shared::oversight::{hotspots, rectification};
use shared::time::calendar::Calendar;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const ENDPOINTS: &[(&str, Method)] = &[
    (STATS, Method::Get),
    (HOTSPOTS, Method::Get),
    (RECTIFICATIONS, Method::Get),
    (RECTIFICATIONS, Method::Post),
    (RECTIFICATION, Method::Get),
    (RECTIFICATION, Method::Patch),
];

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
    respond(
        routes::endpoint(&ctx.req, ENDPOINTS).and_then(|route| match route {
            HOTSPOTS => hotspots(&ctx),
            RECTIFICATIONS | RECTIFICATION => items(&ctx, route),
            _ => stats(&ctx),
        }),
    )
}

/// The hotspots of a window.
fn hotspots(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let window = hotspots::Window::from_query(&ctx.query())?;
    let rules = &ctx.rules()?.get::<ScanRules>()?.hotspots;
    json(200, &hotspots::report(ctx.db()?, &who, &window, rules)?)
}

/// Rectification items: list, open, read, change.
fn items(ctx: &Ctx, route: &str) -> Answer {
    let who = ctx.principal()?;
    let db = ctx.db()?;
    let at = ctx.now_in_china();
    if route == RECTIFICATIONS {
        if *ctx.req.method() == Method::Post {
            return json(201, &rectification::open(db, &who, &ctx.json_body()?, at)?);
        }
        let status = match ctx.query().get("status") {
            None => None,
            Some(s) => Some(s.parse().map_err(|()| {
                Problem::invalid_fields(vec![shared::base::fields::FieldError::new(
                    "status",
                    "unknown_value",
                    "open, in_progress or done",
                )])
                .boxed()
            })?),
        };
        return json(200, &rectification::list(db, &who, status)?);
    }
    let id = ctx
        .path("id")
        .parse::<i64>()
        .map_err(|_| Problem::not_found().detail("no such item").boxed())?;
    if *ctx.req.method() == Method::Patch {
        rectification::update(db, &who, id, &ctx.json_body()?, at)?;
    }
    let rules = &ctx.rules()?.get::<ScanRules>()?.hotspots;
    json(200, &rectification::read(db, &who, id, rules, at)?)
}

fn stats(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let params = ctx.query();
    let query = Query::from_query(&params)?;
    let rules = ctx.rules()?;
    let rows = rows(ctx.db()?, &who, &query, rules.get::<Calendar>()?)?;
    let accept = ctx
        .req
        .header("accept")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if ctx.query_one_of("format", &["json", "csv"])? == Some("csv") || accept.contains("text/csv") {
        return Ok(Response::builder()
            .status(200)
            .header("content-type", "text/csv; charset=utf-8")
            .header("content-disposition", "attachment; filename=\"stats.csv\"")
            .body(csv(&rows))
            .build());
    }
    let thresholds = &rules.get::<ScanRules>()?.attention;
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
