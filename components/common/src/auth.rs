//! Tokens: standard JWTs (HS256) signed with the `token_key` secret
//! variable, so a city's existing sign-on can issue them. They carry `sub`,
//! `role` and, for unit staff, `unit`, and must carry `exp`.

use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use shared::access::{Claims, Principal};
use spin_sdk::http::Request;

use crate::problem::Problem;

/// The development default of `token_key` (see `spin.toml`).
pub const DEVELOPMENT_TOKEN_KEY: &str = "insecure-development-key-set-SPIN_VARIABLE_TOKEN_KEY";

fn unauthorized(detail: &str) -> Box<Problem> {
    Problem::unauthorized(detail).boxed()
}

/// The signed-in principal, or a 401 problem.
pub fn principal(req: &Request) -> Result<Principal, Box<Problem>> {
    let header = req
        .header("authorization")
        .and_then(|h| h.as_str())
        .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <token>"))?;
    let key = spin_sdk::variables::get("token_key")
        .map_err(|e| Problem::internal(format!("variable token_key: {e:?}")).boxed())?;
    if key == DEVELOPMENT_TOKEN_KEY {
        eprintln!("warning: token_key is the development default; set SPIN_VARIABLE_TOKEN_KEY");
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .map_err(|e| unauthorized(&format!("the token is not valid: {e}")))?;
    Principal::from_claims(&data.claims).map_err(|e| unauthorized(&e.to_string()))
}
