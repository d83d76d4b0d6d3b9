//! Finding cases: `GET /api/search/cases` (工单查询: a word of two
//! characters or more, the tracking code, the submitter's phone, status,
//! unit, county, channel, kind, dates received, overdue; newest first,
//! `next` continues; `format=csv` or `Accept: text/csv` for the bureau) and
//! `GET /api/callers/history?phone=` (来电弹屏: the caller's earlier cases,
//! open ones first, for agents and the bureau). Within the reader's access;
//! every search by phone on the audit trail, never the number.

use common::routes::{self, CALLER_HISTORY, SEARCH_CASES};
use common::{csv_download, json, respond, Answer, Ctx, Problem};
use shared::base::fields::FieldError;
use shared::case::contact::PhoneNumber;
use shared::desk::{callers, search};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Search,
    History,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (SEARCH_CASES, Method::Get, Endpoint::Search),
    (CALLER_HISTORY, Method::Get, Endpoint::History),
];

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(Endpoint::Search) => find(&ctx),
        Ok(Endpoint::History) => history(&ctx),
        Err(problem) => Err(problem),
    })
}

/// `GET /api/search/cases`.
fn find(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let csv = ctx.wants_csv()?;
    if csv {
        shared::access::may_export_search(&who)?;
    }
    let q = search::SearchQuery::from_query(&ctx.query())?;
    let page = search::search(ctx.db()?, &ctx.keys()?, &who, &q, ctx.now())?;
    let mut resp = if csv {
        csv_download("cases.csv", search::csv(&page))
    } else {
        json(200, &page)?
    };
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}

/// `GET /api/callers/history?phone=`.
fn history(ctx: &Ctx) -> Answer {
    let who = ctx.principal()?;
    let phone = ctx.query().get("phone").cloned().unwrap_or_default();
    let phone: PhoneNumber = phone.parse().map_err(|_| -> Box<Problem> {
        vec![FieldError::new(
            "phone",
            if phone.is_empty() {
                "required"
            } else {
                "invalid"
            },
            "the caller's mobile or landline number",
        )]
        .into()
    })?;
    let found = callers::history(ctx.db()?, &ctx.keys()?, &who, &phone, ctx.now())?;
    let mut resp = json(200, &found)?;
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}
