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
use common::{csv_download, json, respond, Answer, Ctx, Problem};
use serde::Serialize;
use shared::oversight::rectification::ItemStatus;
use shared::oversight::reminder::ScanRules;
use shared::oversight::statistics::{
    attention, csv, ranking, rows, Attention, StatsQuery, StatsRow,
};
use shared::oversight::{hotspots, rectification};
use shared::time::calendar::Calendar;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Stats,
    Hotspots,
    Items,
    OpenItem,
    ReadItem,
    ChangeItem,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (STATS, Method::Get, Endpoint::Stats),
    (HOTSPOTS, Method::Get, Endpoint::Hotspots),
    (RECTIFICATIONS, Method::Get, Endpoint::Items),
    (RECTIFICATIONS, Method::Post, Endpoint::OpenItem),
    (RECTIFICATION, Method::Get, Endpoint::ReadItem),
    (RECTIFICATION, Method::Patch, Endpoint::ChangeItem),
];

#[derive(Serialize)]
struct Report<'a> {
    from: String,
    to: String,
    group_by: &'a str,
    rows: Vec<StatsRow>,
    /// The groups, best first (on-time rate, then satisfaction).
    ranking: Vec<String>,
    /// The groups that trip the county's thresholds (Art. 9's shift list).
    attention: Vec<Attention>,
}

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(
        routes::endpoint(&ctx.req, ENDPOINTS).and_then(|endpoint| match endpoint {
            Endpoint::Stats => stats(&ctx),
            Endpoint::Hotspots => hotspots(&ctx),
            Endpoint::Items => list_items(&ctx),
            Endpoint::OpenItem => open_item(&ctx),
            Endpoint::ReadItem => item(&ctx, false),
            Endpoint::ChangeItem => item(&ctx, true),
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

/// `GET /api/rectifications`, optionally of one status.
fn list_items(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let status = ctx.query_value::<ItemStatus>("status", ItemStatus::ALL)?;
    json(200, &rectification::list(ctx.db()?, &who, status)?)
}

/// `POST /api/rectifications`: the bureau opens an item.
fn open_item(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let at = ctx.now_in_china();
    json(
        201,
        &rectification::open(ctx.db()?, &who, &ctx.json_body()?, at)?,
    )
}

/// `GET` or (`change`) `PATCH /api/rectifications/{id}`: the item as it
/// stands after the change.
fn item(ctx: &Ctx, change: bool) -> Answer {
    let who = ctx.principal()?;
    let db = ctx.db()?;
    let at = ctx.now_in_china();
    let id = ctx
        .path_id("id")
        .ok_or_else(|| Problem::not_found().detail("no such item").boxed())?;
    if change {
        rectification::update(db, &who, id, &ctx.json_body()?, at)?;
    }
    let rules = &ctx.rules()?.get::<ScanRules>()?.hotspots;
    json(200, &rectification::read(db, &who, id, rules, at)?)
}

fn stats(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let params = ctx.query();
    let query = StatsQuery::from_query(&params)?;
    let rules = ctx.rules()?;
    let rows = rows(ctx.db()?, &who, &query, rules.get::<Calendar>()?)?;
    if ctx.wants_csv()? {
        return Ok(csv_download("stats.csv", csv(&rows)));
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
