//! Who signed in: a bearer token the city's sign-on signed (verified with
//! its public keys, [`shared::access::tokens`]) names an identity, and the
//! staff directory decides who that is and what they may do
//! ([`shared::directory::staff`]); a token's role claims decide nothing. A
//! development instance verifies the demo tokens it signs itself, files
//! the demo person each describes on first use, and serves staff only on
//! this machine.

use shared::access::Principal;
use shared::directory::sessions::{self, Session};
use spin_sdk::http::Request;

use crate::ctx::Ctx;
use crate::problem::Problem;

fn unauthorized(detail: &str) -> Box<Problem> {
    Problem::unauthorized(detail).boxed()
}

/// Whether a proxy says it forwarded the request.
fn forwarded(req: &Request) -> bool {
    ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.header(h).is_some())
}

/// Whether the request comes from this machine (a loopback peer, not
/// forwarded by a proxy).
pub fn from_this_machine(req: &Request) -> bool {
    let peer = crate::request::header(req, "spin-client-addr");
    shared::access::tokens::is_local_client(&peer, forwarded(req))
}

/// 403: a development instance serves staff only on this machine.
pub fn development_only() -> Box<Problem> {
    Problem::new(
        403,
        "development_instance",
        "This instance runs on development keys",
    )
    .detail("staff endpoints answer only on this machine until token_jwks and pd_key are set (see docs/deployment.md)")
    .boxed()
}

/// 401: the sign-on vouches for someone the directory does not know, or
/// has disabled (the same answer for both).
fn not_in_directory() -> Box<Problem> {
    Problem::new(401, "unknown_person", "Not in the staff directory")
        .detail("the staff directory has no active person with this sign-in; the bureau adds people (there is no self-registration)")
        .boxed()
}

/// How a request signed in.
pub enum SignedIn {
    /// A bearer token (machine clients: telephony software, the scheduler;
    /// and a development instance's demo tokens).
    Bearer(Principal),
    /// A browser's session cookie.
    Session {
        /// The session, its person as the directory has them now.
        session: Session,
        /// The cookie's value (to end it).
        cookie: String,
    },
}

impl SignedIn {
    /// Who it is.
    pub fn principal(&self) -> &Principal {
        match self {
            Self::Bearer(p) => p,
            Self::Session { session, .. } => &session.principal,
        }
    }

    /// The browser's session, if it signed in with one.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Self::Session { session, .. } => Some(session),
            Self::Bearer(_) => None,
        }
    }

    /// The session cookie's value, if it signed in with one.
    pub fn cookie(&self) -> Option<&str> {
        match self {
            Self::Session { cookie, .. } => Some(cookie),
            Self::Bearer(_) => None,
        }
    }

    /// Their id in the staff directory.
    pub fn person(&self) -> Result<shared::base::ids::PersonId, Box<Problem>> {
        self.principal()
            .subject
            .parse()
            .map_err(|_| Problem::internal("a signed-in person's id").boxed())
    }
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(req: &Request) -> Option<String> {
    cookie(req, sessions::COOKIE)
}

/// The value of the cookie `name`, if the request carries one.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
        .filter_map(|(_, value)| value.as_str())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value of the session cookie: only over HTTPS (and a
/// loopback `http://127.0.0.1`, as browsers allow), never to scripts, not
/// sent on cross-site posts; `max_age` 0 clears it.
pub fn session_cookie_header(value: &str, max_age: i64) -> String {
    cookie_header(sessions::COOKIE, value, max_age)
}

/// The `Set-Cookie` value of a `__Host-` cookie, as the session's.
pub fn cookie_header(name: &str, value: &str, max_age: i64) -> String {
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}")
}

/// Whether the browser says the request comes from this app's own pages:
/// `Sec-Fetch-Site: same-origin` (every current browser sends it), or,
/// from a browser without it, an `Origin` naming the host the request was
/// made to (`spin-full-url`'s, which Spin sets; the `Host` header does not
/// reach a component).
fn same_origin(req: &Request) -> bool {
    let site = crate::request::header(req, "sec-fetch-site");
    if !site.is_empty() {
        return site == "same-origin";
    }
    let authority = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
    };
    let origin = authority(&crate::request::header(req, "origin"));
    origin.is_some() && origin == authority(&crate::request::header(req, "spin-full-url"))
}

/// 403: a state-changing request with the cookie that is cross-site or
/// lacks the session's CSRF token.
fn cross_site(detail: &str) -> Box<Problem> {
    Problem::new(403, "csrf_failed", "Cross-site request refused")
        .detail(detail)
        .boxed()
}

fn checked_for_csrf(req: &Request, session: &Session) -> Result<(), Box<Problem>> {
    use spin_sdk::http::Method;
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return Ok(());
    }
    if !same_origin(req) {
        return Err(cross_site(
            "a request made with the session cookie must come from this app's own pages",
        ));
    }
    let sent = crate::request::header(req, "x-csrf-token");
    let expected = session.csrf_token.as_bytes();
    let equal = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !equal {
        return Err(cross_site(
            "send the header X-CSRF-Token with the csrf_token GET /api/me answers",
        ));
    }
    Ok(())
}

/// Who signed in, if anyone: a bearer token first, else the session
/// cookie (its CSRF checks passed for a state-changing request); `None`
/// for neither. 401 for a token or session that names no active person;
/// 403 on a development instance for a client on another machine.
pub fn signed_in(ctx: &Ctx) -> Result<Option<SignedIn>, Box<Problem>> {
    let req = &ctx.req;
    let bearer = req.header("authorization").is_some();
    let cookie = session_cookie(req);
    if !bearer && cookie.is_none() {
        return Ok(None);
    }
    let development = crate::keys::is_development()?;
    if development && !from_this_machine(req) {
        return Err(development_only());
    }
    if bearer {
        return bearer_principal(ctx, development).map(|p| Some(SignedIn::Bearer(p)));
    }
    let Some(cookie) = cookie else {
        return Ok(None);
    };
    let session = sessions::find(ctx.db()?, &cookie, ctx.now())?.ok_or_else(|| {
        Problem::new(401, "session_ended", "Signed out")
            .detail("the session has ended (signed out, idle, past the end of the shift, or the person disabled): sign in again")
            .boxed()
    })?;
    checked_for_csrf(req, &session)?;
    Ok(Some(SignedIn::Session { session, cookie }))
}

/// The signed-in principal, as the staff directory has them: 401 without
/// a valid token or session, or for a person it does not know (or
/// disabled); 403 on a development instance for a client on another
/// machine.
pub fn principal(ctx: &Ctx) -> Result<Principal, Box<Problem>> {
    match signed_in(ctx)? {
        Some(s) => Ok(s.principal().clone()),
        None => Err(unauthorized(
            "sign in, or send Authorization: Bearer <token>",
        )),
    }
}

fn bearer_principal(ctx: &Ctx, development: bool) -> Result<Principal, Box<Problem>> {
    let req = &ctx.req;
    let header = req
        .header("authorization")
        .and_then(|h| h.as_str())
        .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <token>"))?;
    let verified = crate::keys::token_verifier()?
        .verify(token.trim(), ctx.now().timestamp())
        .map_err(|e| unauthorized(&e.to_string()))?;
    let db = ctx.db()?;
    let demo = verified.identity.issuer == shared::access::tokens::DEVELOPMENT_ISSUER;
    let found = if development && demo {
        shared::directory::staff::demo_principal(db, &verified.claims, ctx.now_in_china())?
    } else {
        shared::directory::staff::principal_of(db, &verified.identity)?
    };
    found.ok_or_else(not_in_directory)
}
