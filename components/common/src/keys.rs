//! The deployment's keys, from Spin variables: the public keys staff
//! tokens are verified with (`token_jwks`, `token_issuer`,
//! `token_audience`, `token_max_lifetime`) and the personal-data keys
//! (`pd_key`, `pd_previous_keys`). None has a usable default: left empty,
//! the instance is a development instance, on keys it made itself on first
//! use and keeps in its own key-value store (never in the database), whose
//! staff endpoints answer only clients on the same machine.

use shared::access::tokens::{DevSigner, TokenPolicy, Verifier, DEVELOPMENT_ISSUER};
use shared::case::personal::Keys;
use spin_sdk::wit::wasi::keyvalue::{atomics, store};

use crate::problem::Problem;
use shared::record::cases;

/// Where a development instance keeps the seed of its token-signing key.
const DEV_TOKEN_SEED: &str = "casework/development/token-signing-seed";
/// Where a development instance keeps its personal-data key.
const DEV_PD_KEY: &str = "casework/development/pd-key";

/// 503: the deployment's settings are missing or unusable (the detail
/// names the variable, never a value).
pub fn not_configured(detail: impl std::fmt::Display) -> Box<Problem> {
    Problem::new(503, "not_configured", "This instance is not configured")
        .detail(detail.to_string())
        .boxed()
}

fn variable(name: &str) -> Result<String, Box<Problem>> {
    spin_sdk::variables::get(name).map_err(|e| not_configured(format!("variable {name}: {e:?}")))
}

/// The `token_jwks` of an instance without a sign-on: staff sign in only
/// with its local accounts, and no bearer token is accepted.
const NO_SIGN_ON: &str = "none";

/// Whether this instance runs on development keys: `token_jwks` left
/// empty (`none` is a county without a sign-on, not a development
/// instance), or, in a component that holds personal-data keys, `pd_key`.
pub fn is_development() -> Result<bool, Box<Problem>> {
    if variable("token_jwks")?.trim().is_empty() {
        return Ok(true);
    }
    match spin_sdk::variables::get("pd_key") {
        Ok(key) => Ok(key.is_empty()),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(false),
        Err(e) => Err(not_configured(format!("variable pd_key: {e:?}"))),
    }
}

/// The verifier of staff tokens: the sign-on's public keys, or on a
/// development instance the key it signs its demo tokens with.
pub fn token_verifier() -> Result<Verifier, Box<Problem>> {
    let jwks = variable("token_jwks")?;
    let audience = variable("token_audience")?;
    let lifetime = variable("token_max_lifetime")?;
    if jwks.trim() == NO_SIGN_ON {
        let policy =
            TokenPolicy::parse(NO_SIGN_ON, &audience, &lifetime).map_err(not_configured)?;
        return Ok(Verifier::refusing_all(policy));
    }
    if jwks.trim().is_empty() {
        let policy =
            TokenPolicy::parse(DEVELOPMENT_ISSUER, &audience, &lifetime).map_err(not_configured)?;
        return Ok(Verifier::development(
            &dev_signer()?,
            &policy.audience,
            policy.max_lifetime,
        ));
    }
    let policy = TokenPolicy::parse(&variable("token_issuer")?, &audience, &lifetime)
        .map_err(not_configured)?;
    Verifier::from_jwks(&jwks, policy).map_err(not_configured)
}

/// The development instance's token-signing key (made on first use).
pub fn dev_signer() -> Result<DevSigner, Box<Problem>> {
    Ok(DevSigner::from_seed(
        dev_secret(DEV_TOKEN_SEED, true)?
            .ok_or_else(|| Problem::internal("the development signing key was not kept"))?,
    ))
}

/// The personal-data keys: `pd_key` in force, `pd_previous_keys`
/// (whitespace-separated) still opening what they sealed; on a development
/// instance a key of its own, which stays an opening key once a real
/// `pd_key` is set, until its rows are re-sealed.
pub fn personal_data_keys() -> Result<Keys, Box<Problem>> {
    let configured = variable("pd_key")?;
    let previous = variable("pd_previous_keys")?;
    let dev = dev_secret(DEV_PD_KEY, configured.is_empty())?.map(|seed| hex(&seed));
    let mut opening: Vec<&str> = previous.split_whitespace().collect();
    let current = if configured.is_empty() {
        dev.as_deref().unwrap_or_default()
    } else {
        opening.extend(dev.as_deref());
        configured.as_str()
    };
    Keys::for_deployment(current, opening).map_err(not_configured)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 32-byte secret kept in the key-value store under `key`; made (once,
/// by compare-and-swap, so concurrent first uses agree) when `create`.
fn dev_secret(key: &str, create: bool) -> Result<Option<[u8; 32]>, Box<Problem>> {
    let failed = |e: &dyn std::fmt::Debug| {
        Problem::internal(format!("development key {key}: {e:?}")).boxed()
    };
    let bucket = store::open("default").map_err(|e| failed(&e))?;
    for _ in 0..3 {
        let cas = atomics::Cas::new(&bucket, key).map_err(|e| failed(&e))?;
        if let Some(value) = cas.current().map_err(|e| failed(&e))? {
            let seed: [u8; 32] = value
                .as_slice()
                .try_into()
                .map_err(|_| failed(&"not 32 bytes"))?;
            return Ok(Some(seed));
        }
        if !create {
            return Ok(None);
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| failed(&e))?;
        match atomics::swap(cas, &seed) {
            Ok(()) => {
                eprintln!("made a development key ({key}); set the deployment's keys for real use");
                return Ok(Some(seed));
            }
            Err(atomics::CasError::CasFailed(_)) => continue,
            Err(atomics::CasError::StoreError(e)) => return Err(failed(&e)),
        }
    }
    Err(failed(&"another request kept changing it"))
}

/// Random bytes for storing a new case: a few draws of a tracking code and
/// a sealing nonce (a draw is used again only if its code collides).
pub fn draws() -> Result<[cases::Draw; 3], Box<crate::Problem>> {
    let mut draws = [([0u8; 8], [0u8; 12]); 3];
    for (code, nonce) in &mut draws {
        getrandom::fill(code)
            .and_then(|_| getrandom::fill(nonce))
            .map_err(|e| crate::Problem::internal(format!("no randomness: {e}")).boxed())?;
    }
    Ok(draws)
}

/// The operator's one-time bootstrap code (the `bootstrap_code`
/// variable; empty when unset).
pub fn bootstrap_code() -> Result<String, Box<Problem>> {
    match spin_sdk::variables::get("bootstrap_code") {
        Ok(code) => Ok(code),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(String::new()),
        Err(e) => Err(not_configured(format!("variable bootstrap_code: {e:?}"))),
    }
}

/// `N` fresh random bytes (session ids, salts, second-factor secrets).
pub fn random<const N: usize>() -> Result<[u8; N], Box<Problem>> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Problem::internal(format!("no randomness: {e}")).boxed())?;
    Ok(bytes)
}

/// A fresh random sealing nonce.
pub fn nonce() -> Result<[u8; 12], Box<Problem>> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce)
        .map_err(|e| Problem::internal(format!("no randomness: {e}")).boxed())?;
    Ok(nonce)
}

/// `n` fresh nonces, drawn before a batch so none can fail inside it.
pub fn nonces(n: u32) -> Result<Vec<[u8; 12]>, Box<Problem>> {
    (0..n).map(|_| nonce()).collect()
}
