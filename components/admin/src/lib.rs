//! The county runs itself (Art. 12): `GET`/`PUT /api/admin/rules/{family}`
//! (`deadlines`, `filter`, `routing`, `intake`, `reminder`) and
//! `GET`/`PUT /api/admin/calendar/{year}` (the shape of
//! `shared/calendar/YYYY.json`), and the unit directory: `GET`/`POST
//! /api/admin/units`, `PUT /api/admin/units/{id}` (rename, retire). The
//! bureau changes, supervisors read; and the audit trail, `GET
//! /api/audit` (the bureau's: clear reads of personal data and every admin
//! change; `format=csv` or `Accept: text/csv` for CSV). Every
//! change is checked with the field named, versioned and on record with
//! the token subject, and in force at once for new decisions.

use common::routes::{
    self, ADMIN_CALENDAR, ADMIN_RULES, ADMIN_UNIT, ADMIN_UNITS, AUDIT, DEV_TOKENS,
};
use common::{json, respond, Answer, Ctx, Problem};
use shared::county::admin::{get, put, Target};
use shared::directory;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const ENDPOINTS: &[(&str, Method)] = &[
    (ADMIN_RULES, Method::Get),
    (ADMIN_RULES, Method::Put),
    (ADMIN_CALENDAR, Method::Get),
    (ADMIN_CALENDAR, Method::Put),
    (ADMIN_UNITS, Method::Get),
    (ADMIN_UNITS, Method::Post),
    (ADMIN_UNIT, Method::Put),
    (AUDIT, Method::Get),
    (DEV_TOKENS, Method::Post),
];

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(
        routes::endpoint(&ctx.req, ENDPOINTS).and_then(|route| match route {
            DEV_TOKENS => demo_token(&ctx),
            _ => admin(&ctx, route),
        }),
    )
}

fn admin(ctx: &Ctx, route: &str) -> Answer {
    let who = ctx.principal()?;
    if route == ADMIN_UNITS || route == ADMIN_UNIT {
        return units(ctx, &who, route);
    }
    if route == AUDIT {
        return audit(ctx, &who);
    }
    let target = if route == ADMIN_RULES {
        Target::family(&ctx.path("family")).ok_or_else(|| {
            Problem::not_found()
                .detail("families: deadlines, filter, routing, intake, reminder")
                .boxed()
        })?
    } else {
        Target::year(&ctx.path("year")).ok_or_else(|| {
            Problem::not_found()
                .detail("a calendar year from 2000 to 2100")
                .boxed()
        })?
    };
    let db = ctx.db()?;
    if *ctx.req.method() == Method::Put {
        let change = put(db, &who, target, &ctx.json_body()?, ctx.now_in_china())?;
        json(200, &change)
    } else {
        json(200, &get(db, &who, target)?)
    }
}

/// The unit directory: list, add, rename or retire.
fn units(ctx: &Ctx, who: &shared::access::Principal, route: &str) -> Answer {
    let db = ctx.db()?;
    let at = ctx.now_in_china();
    match (route, ctx.req.method()) {
        (ADMIN_UNITS, Method::Post) => json(201, &directory::add(db, who, &ctx.json_body()?, at)?),
        (ADMIN_UNIT, _) => {
            let id = ctx
                .path("id")
                .parse()
                .map_err(|_| Problem::not_found().detail("no such unit").boxed())?;
            json(
                200,
                &directory::change(db, who, &id, &ctx.json_body()?, at)?,
            )
        }
        _ => json(200, &directory::list(db, who)?),
    }
}

/// `POST /api/dev/tokens`: a demo token for one role, signed with the
/// development instance's own key, valid for an hour; only there (404 on
/// an instance with real keys) and only for a client on this machine.
fn demo_token(ctx: &Ctx) -> Answer {
    use shared::access::tokens::DemoClaims;
    if !common::keys::is_development()? {
        return Err(Problem::not_found()
            .detail("demo tokens exist only on a development instance; staff sign in through the city's sign-on")
            .boxed());
    }
    if !ctx.from_this_machine() {
        return Err(common::auth::development_only());
    }
    let claims = DemoClaims::parse(&ctx.json_body()?)?;
    let verifier = common::keys::token_verifier()?;
    let token = common::keys::dev_signer()?
        .demo_token(claims, verifier.policy(), ctx.now().timestamp())
        .map_err(|e| Problem::internal(e).boxed())?;
    json(201, &token)
}

/// The audit trail, as JSON or CSV.
fn audit(ctx: &Ctx, who: &shared::access::Principal) -> Answer {
    let query = ctx.query();
    let page = shared::county::audit::entries(
        ctx.db()?,
        who,
        &shared::county::audit::Query::from_query(&query)?,
    )?;
    let accept = ctx
        .req
        .header("accept")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if ctx.query_one_of("format", &["json", "csv"])? == Some("csv") || accept.contains("text/csv") {
        let mut resp = Response::builder()
            .status(200)
            .header("content-type", "text/csv; charset=utf-8")
            .header("content-disposition", "attachment; filename=\"audit.csv\"")
            .body(shared::county::audit::csv(&page))
            .build();
        if let Some(next) = &page.next {
            resp.set_header("x-next-cursor", next.as_str());
        }
        return Ok(resp);
    }
    json(200, &page)
}
