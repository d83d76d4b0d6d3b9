//! The county runs itself (Art. 12): `GET`/`PUT /api/admin/rules/{family}`
//! (`deadlines`, `filter`, `routing`, `intake`, `reminder`) and
//! `GET`/`PUT /api/admin/calendar/{year}` (the shape of
//! `shared/calendar/YYYY.json`), and the unit directory: `GET`/`POST
//! /api/admin/units`, `PUT /api/admin/units/{id}` (rename, retire); the
//! staff directory: `GET`/`POST /api/admin/staff`, `GET`/`PUT
//! /api/admin/staff/{id}` (`shared::directory::staff`). The
//! bureau changes, supervisors read; and the audit trail, `GET
//! /api/audit` (the bureau's: clear reads of personal data and every admin
//! change; `format=csv` or `Accept: text/csv` for CSV). Every
//! change is checked with the field named, versioned and on record with
//! the token subject, and in force at once for new decisions.

use common::routes::{
    self, ADMIN_CALENDAR, ADMIN_PERSON, ADMIN_RULES, ADMIN_STAFF, ADMIN_UNIT, ADMIN_UNITS, AUDIT,
    DEV_TOKENS,
};
use common::{csv_download, json, respond, Answer, Ctx, Problem};
use shared::county::admin::{get, put, Target};
use shared::directory::{self, staff};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    ReadRules,
    SetRules,
    ReadYear,
    SetYear,
    Units,
    AddUnit,
    ChangeUnit,
    Staff,
    AddPerson,
    Person,
    ChangePerson,
    Audit,
    DemoToken,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (ADMIN_RULES, Method::Get, Endpoint::ReadRules),
    (ADMIN_RULES, Method::Put, Endpoint::SetRules),
    (ADMIN_CALENDAR, Method::Get, Endpoint::ReadYear),
    (ADMIN_CALENDAR, Method::Put, Endpoint::SetYear),
    (ADMIN_UNITS, Method::Get, Endpoint::Units),
    (ADMIN_UNITS, Method::Post, Endpoint::AddUnit),
    (ADMIN_UNIT, Method::Put, Endpoint::ChangeUnit),
    (ADMIN_STAFF, Method::Get, Endpoint::Staff),
    (ADMIN_STAFF, Method::Post, Endpoint::AddPerson),
    (ADMIN_PERSON, Method::Get, Endpoint::Person),
    (ADMIN_PERSON, Method::Put, Endpoint::ChangePerson),
    (AUDIT, Method::Get, Endpoint::Audit),
    (DEV_TOKENS, Method::Post, Endpoint::DemoToken),
];

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(routes::endpoint(&ctx.req, ENDPOINTS).and_then(|e| serve(&ctx, e)))
}

fn serve(ctx: &Ctx, endpoint: Endpoint) -> Answer {
    if let Endpoint::DemoToken = endpoint {
        return demo_token(ctx);
    }
    let who = ctx.principal()?;
    let db = ctx.db()?;
    let at = ctx.now_in_china();
    match endpoint {
        Endpoint::ReadRules => json(200, &get(db, &who, Target::family(&ctx.path("family"))?)?),
        Endpoint::SetRules => {
            let target = Target::family(&ctx.path("family"))?;
            json(200, &put(db, &who, target, &ctx.json_body()?, at)?)
        }
        Endpoint::ReadYear => json(200, &get(db, &who, Target::year(&ctx.path("year"))?)?),
        Endpoint::SetYear => {
            let target = Target::year(&ctx.path("year"))?;
            json(200, &put(db, &who, target, &ctx.json_body()?, at)?)
        }
        Endpoint::Units => json(200, &directory::list(db, &who)?),
        Endpoint::AddUnit => json(201, &directory::add(db, &who, &ctx.json_body()?, at)?),
        Endpoint::ChangeUnit => {
            let id = ctx
                .path("id")
                .parse()
                .map_err(|_| Problem::not_found().detail("no such unit").boxed())?;
            json(
                200,
                &directory::change(db, &who, &id, &ctx.json_body()?, at)?,
            )
        }
        Endpoint::Staff => json(200, &staff::list(db, &who)?),
        Endpoint::AddPerson => json(201, &staff::add(db, &who, &ctx.json_body()?, at)?),
        Endpoint::Person => json(200, &staff::one(db, &who, &person_id(ctx)?)?),
        Endpoint::ChangePerson => {
            let id = person_id(ctx)?;
            json(200, &staff::change(db, &who, &id, &ctx.json_body()?, at)?)
        }
        Endpoint::Audit => audit(ctx, &who),
        Endpoint::DemoToken => demo_token(ctx),
    }
}

/// The person the route's `:id` names (404 when it cannot be one).
fn person_id(ctx: &Ctx) -> Result<shared::base::ids::PersonId, Box<Problem>> {
    ctx.path("id")
        .parse()
        .map_err(|_| Problem::not_found().detail("no such person").boxed())
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
        &shared::county::audit::AuditQuery::from_query(&query)?,
    )?;
    if ctx.wants_csv()? {
        let mut resp = csv_download("audit.csv", shared::county::audit::csv(&page));
        if let Some(next) = &page.next {
            resp.set_header("x-next-cursor", next.as_str());
        }
        return Ok(resp);
    }
    json(200, &page)
}
