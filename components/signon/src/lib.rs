//! Staff sign in through the city's sign-on, an OpenID Provider or a CAS
//! server (`shared::access::provider`, `shared::directory::sign_on`):
//!
//! - `GET /auth/login` → 302 to the provider's sign-in page, with `state`
//!   (also in a `__Host-` cookie), and for OpenID Connect a `nonce` and a
//!   PKCE challenge;
//! - `GET /auth/callback` → the code exchanged and the id token checked
//!   (or the CAS ticket validated), the identity looked up in the staff
//!   directory →
//!   303 to the portal with the session cookie; otherwise a page in
//!   Chinese (the problem document for a client that does not ask for
//!   HTML) saying why not.
//!
//! The provider is the one outbound host allowed (`oidc_host`).

use common::auth::{cookie, cookie_header, session_cookie_header};
use common::routes::{self, AUTH_CALLBACK, AUTH_LOGIN};
use common::sign_on::{self as provider, failure};
use common::{respond, Ctx, Problem};
use shared::access::attempts;
use shared::access::oidc::{Returned, SignOnError, PENDING_SECONDS, STATE_COOKIE};
use shared::county::intake_rules::IntakeRules;
use shared::directory::sign_on::{self, SignOnFailed};
use spin_sdk::http::{Method, Response};
use spin_sdk::http_component;

#[derive(Clone, Copy)]
enum Endpoint {
    Login,
    Callback,
}

const ENDPOINTS: &[(&str, Method, Endpoint)] = &[
    (AUTH_LOGIN, Method::Get, Endpoint::Login),
    (AUTH_CALLBACK, Method::Get, Endpoint::Callback),
];

#[http_component]
async fn handle(req: spin_sdk::http::Request) -> Response {
    let ctx = Ctx::new(req);
    let endpoint = match routes::endpoint(&ctx.req, ENDPOINTS) {
        Ok(endpoint) => endpoint,
        Err(problem) => return respond(Err(problem)),
    };
    let done = match endpoint {
        Endpoint::Login => login(&ctx).await,
        Endpoint::Callback => callback(&ctx).await,
    };
    match done {
        Ok(resp) => resp,
        Err(Failed::Problem(problem)) => problem.into_response(),
        Err(Failed::SignOn(failed)) => failure(&ctx, failed),
    }
}

/// Why no sign-in: the sign-on's reason (shown to the person), or the
/// kit's problem (the store, the rules, a limit).
enum Failed {
    SignOn(SignOnFailed),
    Problem(Box<Problem>),
}

impl<E: Into<SignOnFailed>> From<E> for Failed {
    fn from(e: E) -> Self {
        Self::SignOn(e.into())
    }
}

fn kit<T>(r: Result<T, Box<Problem>>) -> Result<T, Failed> {
    r.map_err(Failed::Problem)
}

async fn login(ctx: &Ctx) -> Result<Response, Failed> {
    let config = provider::config()?;
    let client = kit(ctx.client_bucket())?;
    let throttled = attempts::admit_sign_on_begin(&common::kv::SpinKv, &client, ctx.now());
    kit(throttled.map_err(Into::into))?;
    let random = kit(common::keys::random())?;
    let begun = provider::begin(&config, &random, ctx.now().timestamp()).await?;
    sign_on::wait_for(kit(ctx.db())?, &begun, ctx.now()).map_err(SignOnFailed::Store)?;
    Ok(Response::builder()
        .status(302)
        .header("location", begun.location)
        .header(
            "set-cookie",
            cookie_header(STATE_COOKIE, &begun.state, PENDING_SECONDS),
        )
        .header("cache-control", "no-store")
        .build())
}

async fn callback(ctx: &Ctx) -> Result<Response, Failed> {
    let config = provider::config()?;
    let returned = Returned::parse(&ctx.query())?;
    let in_browser = cookie(&ctx.req, STATE_COOKIE);
    let state = returned
        .state()
        .filter(|s| Some(*s) == in_browser.as_deref());
    let state = state.ok_or(SignOnError::State)?;
    let (db, now) = (kit(ctx.db())?, ctx.now());
    let pending = sign_on::take(db, state, now)?;
    let client = kit(ctx.client_bucket())?;
    let verified = match &returned {
        Returned::Code { code, .. } => {
            provider::identity(&config, code, state, &pending, now.timestamp()).await
        }
        Returned::Refused { error, .. } => Err(SignOnError::Refused(error.clone()).into()),
    };
    let (identity, end) = match verified {
        Ok(verified) => verified,
        Err(failed) => {
            sign_on::refused(db, None, &client, now).map_err(SignOnFailed::Store)?;
            return Err(failed.into());
        }
    };
    let policy = kit(kit(ctx.rules())?.get::<IntakeRules>().map_err(Into::into))?;
    let random = kit(common::keys::random::<64>())?;
    let (_, opened) = sign_on::sign_in(
        db,
        &identity,
        end.as_deref(),
        &random,
        policy.sessions.policy(),
        &client,
        now,
    )?;
    let max_age = (opened.expires_at - now).num_seconds().max(0);
    Ok(Response::builder()
        .status(303)
        .header("location", "/#/welcome")
        // The state cookie is left to expire: its sign-in is taken.
        .header("set-cookie", session_cookie_header(&opened.cookie, max_age))
        .header("cache-control", "no-store")
        .build())
}
