//! `POST /api/cases/{id}/actions`, for the three desks behind it: `cases`
//! takes the request, serves the bureau's dispatch moves itself and hands
//! every other move, unchanged, to the desk the table of moves names
//! (`reply` or `qc`, private, by service chaining); each desk checks the
//! token, the case and the version again and applies the move.

use serde::Serialize;
use shared::access::{case_access, Principal};
use shared::base::ids::CaseId;
use shared::case::words::Status;
use shared::desk::actions::{self, TimeRules};
use shared::desk::batch::{Batch, Outcome};
use shared::lifecycle::moves::{desk_of, Desk};
use shared::lifecycle::{Action, Actor, Citation, Event};

use spin_sdk::http::{Method, Request, Response};

use crate::routes::{Chained, DISPATCH, QC, REPLY};
use crate::{json, Answer, Ctx, Problem};
use shared::record::cases;
use shared::time::calendar::Calendar;
use shared::time::deadlines::DeadlineRules;

#[derive(Serialize)]
struct Moved {
    case_id: CaseId,
    status: Status,
    version: i64,
    article: Citation,
    events: Vec<Event>,
    #[serde(skip)]
    to_routing: bool,
}

/// The private stage that serves `desk`, if it is not `cases` itself.
fn chained(desk: Desk) -> Option<Chained> {
    match desk {
        Desk::Cases => None,
        Desk::Reply => Some(REPLY),
        Desk::Qc => Some(QC),
    }
}

/// The principal and the parsed action of a request, or why not (401
/// before anything else, then 400 naming every bad field).
fn read(ctx: &Ctx) -> Result<(Principal, Action), Box<Problem>> {
    let who = ctx.principal()?;
    let action = actions::parse(&ctx.json_body()?)?;
    Ok((who, action))
}

/// The public endpoint (`cases`): the move here, or forwarded to its desk.
/// A move the library sends on to routing is handed to `dispatch` at once
/// (if that hop fails, the deadline scan drives it).
pub async fn at_front(ctx: &Ctx) -> Answer {
    let id = ctx.case_id()?;
    let (who, action) = read(ctx)?;
    match desk_of(action.kind()).and_then(chained) {
        None => {
            let moved = perform(ctx, &who, id, action)?;
            on_to_routing(&moved).await;
            answer(&moved)
        }
        Some(desk) => forward(ctx, desk, id).await,
    }
}

/// A move the library sends on to routing is handed to `dispatch` at once;
/// if that hop fails, the deadline scan drives it.
async fn on_to_routing(moved: &Moved) {
    if moved.to_routing {
        if let Err(why) = DISPATCH.call(moved.case_id).await {
            eprintln!("case {}: {why}; the scan will drive it", moved.case_id);
        }
    }
}

/// A private desk: only the moves the table gives it (404 otherwise).
pub fn on_desk(ctx: &Ctx, desk: Desk) -> Answer {
    let stage = chained(desk).ok_or_else(|| Problem::not_found().boxed())?;
    let id = stage.case_id(&ctx.req)?;
    let (who, action) = read(ctx)?;
    if desk_of(action.kind()) != Some(desk) {
        return Err(Problem::not_found().boxed());
    }
    answer(&perform(ctx, &who, id, action)?)
}

/// The move, with the new version as the `ETag`.
fn answer(moved: &Moved) -> Answer {
    let mut resp = json(200, moved)?;
    resp.set_header("etag", format!("\"{}\"", moved.version));
    Ok(resp)
}

/// Applies one move under `If-Match`.
fn perform(ctx: &Ctx, who: &Principal, id: CaseId, action: Action) -> Result<Moved, Box<Problem>> {
    let db = ctx.db()?;
    let case = cases::case_view(db, id)?.ok_or_else(|| Problem::case_not_found().boxed())?;
    case_access(who, case.lead_unit.as_ref(), &case.co_units)?;
    perform_at(ctx, who, id, action, ctx.if_match()?)
}

/// Applies one move to a case the reader may see, at version `expected`.
fn perform_at(
    ctx: &Ctx,
    who: &Principal,
    id: CaseId,
    action: Action,
    expected: i64,
) -> Result<Moved, Box<Problem>> {
    let db = ctx.db()?;
    let rules = ctx.rules()?;
    let rules = TimeRules {
        calendar: rules.get::<Calendar>()?,
        deadlines: rules.get::<DeadlineRules>()?,
    };
    let (t, version) = actions::apply(
        db,
        id,
        expected,
        action,
        &Actor::from(who),
        &rules,
        ctx.now_in_china(),
    )?;
    Ok(Moved {
        case_id: id,
        status: t.lifecycle.status,
        version,
        article: t.article,
        events: t.events,
        to_routing: t.to_routing,
    })
}

/// The headers a desk needs from the caller's request (a token, or a
/// session cookie with its CSRF token), and those of its answer the caller
/// gets.
const FORWARDED: &[&str] = &[
    "authorization",
    "cookie",
    "x-csrf-token",
    "if-match",
    "content-type",
];
const RELAYED: &[&str] = &["content-type", "etag", "retry-after", "allow"];

/// `POST /api/inbox/batch`: one move on each case named, each under its
/// own version and with its own events, served as the single move would
/// be (here, or by the desk the table of moves names); the answer gives
/// every case's outcome (`shared::desk::batch`).
pub async fn batch(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let batch = Batch::parse(&ctx.json_body()?)?;
    let desk = desk_of(batch.action.kind()).and_then(chained);
    let body = batch.action_body.to_string().into_bytes();
    let mut results = Vec::with_capacity(batch.cases.len());
    for item in &batch.cases {
        let id = item.case_id;
        // The case as this reader may see it: one they may not is not found.
        let seen = cases::case_view(ctx.db()?, id)?
            .filter(|c| case_access(&who, c.lead_unit.as_ref(), &c.co_units).is_ok());
        let Some(case) = seen else {
            results.push(refused(id, None, Problem::case_not_found()));
            continue;
        };
        let outcome = match desk {
            None => match perform_at(ctx, &who, id, batch.action.clone(), item.version) {
                Ok(moved) => {
                    on_to_routing(&moved).await;
                    moved_to(id, moved.status, Some(moved.version))
                }
                Err(problem) => refused(id, Some(case.status), *problem),
            },
            Some(desk) => {
                let etag = format!("\"{}\"", item.version);
                match send_to(ctx, desk, id, body.clone(), Some(&etag)).await {
                    Ok(answer) => desk_outcome(id, case.status, &answer),
                    Err(problem) => refused(id, Some(case.status), *problem),
                }
            }
        };
        results.push(outcome);
    }
    json(200, &serde_json::json!({ "results": results }))
}

fn moved_to(id: CaseId, status: Status, version: Option<i64>) -> Outcome<serde_json::Value> {
    Outcome {
        case_id: id,
        status: Some(status),
        version,
        problem: None,
    }
}

fn refused(id: CaseId, status: Option<Status>, problem: Problem) -> Outcome<serde_json::Value> {
    Outcome {
        case_id: id,
        status,
        version: None,
        problem: serde_json::to_value(problem).ok(),
    }
}

/// A desk's answer to one case's move, as its outcome: the case's new
/// status and version, or the desk's problem.
fn desk_outcome(id: CaseId, before: Status, answer: &Response) -> Outcome<serde_json::Value> {
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap_or_default();
    let moved = (200..300).contains(answer.status());
    let status = body.get("status").and_then(|s| s.as_str());
    match (moved, status.and_then(|s| s.parse::<Status>().ok())) {
        (true, Some(status)) => moved_to(id, status, body.get("version").and_then(|v| v.as_i64())),
        _ if body.get("code").is_some() => Outcome {
            case_id: id,
            status: Some(before),
            version: None,
            problem: Some(body),
        },
        // Not an answer a desk gives: said as such, never taken for a move.
        _ => refused(
            id,
            Some(before),
            Problem::new(502, "stage_unavailable", "The handling desk did not answer"),
        ),
    }
}

/// Sends the request on to `desk` and relays its answer; 502 when the
/// desk cannot be reached.
async fn forward(ctx: &Ctx, desk: Chained, id: CaseId) -> Answer {
    let answer = send_to(ctx, desk, id, ctx.req.body().to_vec(), None).await?;
    let mut relayed = Response::builder();
    relayed.status(*answer.status());
    for name in RELAYED {
        if let Some(value) = answer.header(name).and_then(|v| v.as_str()) {
            relayed.header(*name, value);
        }
    }
    Ok(relayed.body(answer.body().to_vec()).build())
}

/// `body` sent to `desk` for case `id` with the caller's credentials (and
/// `if_match` in place of theirs, when given); 502 when the desk cannot be
/// reached.
async fn send_to(
    ctx: &Ctx,
    desk: Chained,
    id: CaseId,
    body: Vec<u8>,
    if_match: Option<&str>,
) -> Result<Response, Box<Problem>> {
    let mut out = Request::builder();
    out.method(Method::Post).uri(desk.url(id));
    for name in FORWARDED {
        // A batch's case: its own version, the move's own JSON.
        if matches!(*name, "if-match" | "content-type") && if_match.is_some() {
            continue;
        }
        if let Some(value) = ctx.req.header(name).and_then(|v| v.as_str()) {
            out.header(*name, value);
        }
    }
    if let Some(value) = if_match {
        out.header("if-match", value);
        out.header("content-type", "application/json");
    }
    // This stage checked that a session's request came from the app's own
    // pages before it got here; the desk is private, reached only from here.
    if crate::auth::session_cookie(&ctx.req).is_some() {
        out.header("sec-fetch-site", "same-origin");
    }
    let out = out.body(body).build();
    spin_sdk::http::send(out).await.map_err(|e| {
        eprintln!("{} unreachable: {e}", desk.component);
        Problem::new(502, "stage_unavailable", "The handling desk did not answer").boxed()
    })
}
