//! Staff sign in as people (`shared::directory::accounts`, `sessions`):
//!
//! - `POST /auth/bootstrap` `{"code", "username", "display_name",
//!   "password"}` → 201 `{"person", "totp_secret", "otpauth_uri",
//!   "recovery_codes"}`: the first bureau person, while the directory has
//!   no active one and only with the Spin variable `bootstrap_code`
//!   (unset: 403; afterwards: 409);
//! - `POST /auth/password` `{"username", "password", "totp"}` (or
//!   `"recovery_code"`) → 204 with the session cookie; 401
//!   `sign_in_failed` whichever part was wrong; 429 with `Retry-After`;
//! - `POST /auth/logout` (`?everywhere=true`: every session of the person)
//!   → 204, the cookie cleared (200 `{"end_session_url"}` for a session
//!   from a sign-on with an end-session endpoint: the browser goes there);
//! - `GET /api/me` → the person signed in, the session's end and its CSRF
//!   token; 401 without a session or token.
//!
//! Bodies only as JSON (no cross-site form can post one); a development
//! instance answers only on this machine.

use common::auth::session_cookie_header;
use common::kv::SpinKv;
use common::routes::{
    self, ADMIN_RESET, AUTH_BOOTSTRAP, AUTH_FIRST_SIGN_IN, AUTH_LOGOUT, AUTH_METHODS,
    AUTH_PASSWORD, ME,
};
use common::{json, respond, Answer, Ctx, Problem};
use shared::county::intake_rules::IntakeRules;
use shared::directory::accounts::{self, Credentials, Desk, Drawn};
use shared::directory::staff;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Methods,
    Bootstrap,
    Password,
    FirstSignIn,
    Logout,
    Me,
    Reset,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (AUTH_METHODS, Method::Get, Endpoint::Methods),
    (AUTH_BOOTSTRAP, Method::Post, Endpoint::Bootstrap),
    (AUTH_PASSWORD, Method::Post, Endpoint::Password),
    (AUTH_FIRST_SIGN_IN, Method::Post, Endpoint::FirstSignIn),
    (ADMIN_RESET, Method::Post, Endpoint::Reset),
    (AUTH_LOGOUT, Method::Post, Endpoint::Logout),
    (ME, Method::Get, Endpoint::Me),
];

#[http_component]
fn handle(req: Request) -> Response {
    let ctx = Ctx::new(req);
    respond(routes::endpoint(&ctx.req, ENDPOINTS).and_then(|e| serve(&ctx, e)))
}

fn serve(ctx: &Ctx, endpoint: Endpoint) -> Answer {
    if common::keys::is_development()? && !ctx.from_this_machine() {
        return Err(common::auth::development_only());
    }
    use Endpoint::{Bootstrap, FirstSignIn, Password};
    let mut limits = shared::access::attempts::SignInLimits::default();
    if matches!(endpoint, Bootstrap | Password | FirstSignIn) {
        common::request::require_json(&ctx.req)?;
        // The county's limits on failed sign-ins (its intake rules).
        limits = ctx.rules()?.get::<IntakeRules>()?.sign_in;
    }
    let client = ctx.client_bucket()?;
    let desk = Desk {
        kv: &SpinKv,
        client: &client,
        now: ctx.now(),
        limits,
    };
    match endpoint {
        Endpoint::Methods => {
            let configured = !common::keys::bootstrap_code()?.trim().is_empty();
            let development = common::keys::is_development()?;
            let sign_on = common::sign_on::is_configured();
            json(
                200,
                &accounts::methods(ctx.db()?, configured, development, sign_on)?,
            )
        }
        Endpoint::Bootstrap => bootstrap(ctx, &desk),
        Endpoint::Password => password(ctx, &desk),
        Endpoint::FirstSignIn => json(
            201,
            &accounts::first_sign_in(ctx.db()?, &ctx.keys()?, &ctx.json_body()?, &drawn()?, &desk)?,
        ),
        Endpoint::Reset => {
            let id = ctx.path("id").parse().map_err(|_| Problem::not_found())?;
            let (who, random) = (ctx.principal()?, common::keys::random()?);
            let body = ctx.json_body_or_empty()?;
            let reset = accounts::reset(ctx.db()?, &who, &id, &body, &random, ctx.now_in_china())?;
            json(201, &reset)
        }
        Endpoint::Logout => logout(ctx, &desk),
        Endpoint::Me => me(ctx),
    }
}

fn bootstrap(ctx: &Ctx, desk: &Desk<'_, SpinKv>) -> Answer {
    let (configured, body) = (common::keys::bootstrap_code()?, ctx.json_body()?);
    let made =
        accounts::guarded_bootstrap(ctx.db()?, &ctx.keys()?, &body, &configured, &drawn()?, desk)?;
    json(201, &made)
}

/// The random bytes a new second factor needs.
fn drawn() -> Result<Drawn, Box<Problem>> {
    Ok(Drawn {
        salt: common::keys::random()?,
        totp: common::keys::random()?,
        recovery: common::keys::random()?,
        nonce: common::keys::random()?,
    })
}

fn password(ctx: &Ctx, desk: &Desk<'_, SpinKv>) -> Answer {
    let credentials = Credentials::parse(&ctx.json_body()?)?;
    let random = common::keys::random::<64>()?;
    let policy = ctx.rules()?.get::<IntakeRules>()?.sessions.policy();
    let (_, opened) =
        accounts::password_sign_in(ctx.db()?, &ctx.keys()?, &credentials, &random, policy, desk)?;
    let max_age = (opened.expires_at - ctx.now()).num_seconds().max(0);
    Ok(Response::builder()
        .status(204)
        .header("set-cookie", session_cookie_header(&opened.cookie, max_age))
        .header("cache-control", "no-store")
        .build())
}

fn logout(ctx: &Ctx, desk: &Desk<'_, SpinKv>) -> Answer {
    let everywhere = ctx.query_one_of("everywhere", &["true", "false"])? == Some("true");
    let signed = common::auth::signed_in(ctx)?
        .ok_or_else(|| Problem::unauthorized("nobody is signed in").boxed())?;
    let person = signed.person()?;
    let cookie = signed.cookie();
    let mut resp = match accounts::sign_out(ctx.db()?, &person, cookie, everywhere, desk)? {
        Some(url) => json(200, &serde_json::json!({ "end_session_url": url }))?,
        None => Response::builder().status(204).build(),
    };
    resp.set_header("set-cookie", session_cookie_header("", 0));
    Ok(resp)
}

fn me(ctx: &Ctx) -> Answer {
    let signed = common::auth::signed_in(ctx)?
        .ok_or_else(|| Problem::unauthorized("sign in first").boxed())?;
    let mut resp = json(
        200,
        &staff::me(ctx.db()?, signed.principal(), signed.session())?,
    )?;
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}
