//! Staff tokens: JWTs the city's sign-on signs with its private key,
//! verified here with its public keys ([`shared::access::tokens`]); they carry
//! `sub`, `role` and, for unit staff, `unit`. A development instance
//! verifies the demo tokens it signs itself, and serves staff only on this
//! machine.

use shared::access::Principal;
use spin_sdk::http::Request;

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

/// The signed-in principal: 401 without a valid token; 403 on a
/// development instance for a client on another machine.
pub fn principal(req: &Request) -> Result<Principal, Box<Problem>> {
    if crate::keys::is_development()? && !from_this_machine(req) {
        return Err(development_only());
    }
    let header = req
        .header("authorization")
        .and_then(|h| h.as_str())
        .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <token>"))?;
    crate::keys::token_verifier()?
        .verify(token.trim(), shared::base::clock::now().timestamp())
        .map_err(|e| unauthorized(&e.to_string()))
}
