//! Staff tokens: JWTs the city's sign-on signs with a private key and this
//! app verifies with the public keys it is given (a JWKS document), so no
//! component holds a key that could mint a token.
//!
//! Accepted: `EdDSA` (Ed25519) and `RS256`, the algorithm fixed by the key
//! (`kid` picks the key), never the token's word for it — an `HS256`
//! token is refused whatever its secret. `iss` and `aud` are pinned; `exp`
//! is required and `nbf` honoured, each with [`LEEWAY_SECONDS`]; a token may
//! live at most the deployment's maximum lifetime (counted from `iat` when
//! present and from now in any case).
//!
//! A development instance (no JWKS configured) signs its own short-lived
//! demo tokens with an Ed25519 key it made on first use: [`DevSigner`].

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::access::{Claims, Principal};
use crate::base::fields::{one_of, Bounded, FieldError, Fields};
use crate::base::ids::UnitId;
use crate::case::words::Role;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;

/// The issuer a development instance writes in its demo tokens.
pub const DEVELOPMENT_ISSUER: &str = "casework-development";

/// How long a demo token lives, in seconds.
pub const DEMO_TOKEN_LIFETIME: i64 = 3600;

/// What a token must say about where it comes from and how long it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    /// The only `iss` accepted.
    pub issuer: String,
    /// The `aud` a token must name.
    pub audience: String,
    /// The longest a token may live, in seconds.
    pub max_lifetime: i64,
}

/// Why the configured keys or policy cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenConfigError {
    /// `token_jwks` is not a JWKS document.
    #[error("token_jwks is not a JWKS document ({{\"keys\": [...]}}): {0}")]
    NotJwks(String),
    /// The JWKS has no usable public key.
    #[error("token_jwks holds no Ed25519 or RSA public key")]
    NoKeys,
    /// A key of the JWKS is of a kind this app refuses.
    #[error("token_jwks key {kid:?}: {reason}")]
    Key {
        /// The key's `kid`, if it has one.
        kid: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// `token_issuer` is empty while keys are configured.
    #[error("token_issuer must name the sign-on's issuer (the tokens' iss)")]
    NoIssuer,
    /// `token_audience` is empty.
    #[error("token_audience must not be empty")]
    NoAudience,
    /// `token_max_lifetime` is not a positive number of seconds.
    #[error("token_max_lifetime must be a positive number of seconds")]
    Lifetime,
}

/// Why a token is refused (each answered 401).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Not a JWT, or its header or claims are not readable.
    #[error("the token is not a readable JWT")]
    Malformed,
    /// The header's `alg` is not the algorithm of the verifying key.
    #[error("the token's algorithm is not accepted (EdDSA or RS256, as its key says)")]
    Algorithm,
    /// No configured key has the token's `kid` (or, without a `kid`, none
    /// verifies it).
    #[error("the token is not signed by a key this instance trusts")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the token's signature is not valid")]
    Signature,
    /// `iss` is missing or not the configured issuer.
    #[error("the token's issuer (iss) is not the one this instance trusts")]
    Issuer,
    /// `aud` is missing or does not name this app.
    #[error("the token's audience (aud) does not name this instance")]
    Audience,
    /// A required claim is missing.
    #[error("the token lacks the claim {0}")]
    Missing(String),
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` (or `iat`) lies in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token lives longer than the deployment allows.
    #[error("the token lives longer than this instance allows ({0} s)")]
    TooLong(i64),
    /// The claims do not describe a staff member.
    #[error("{0}")]
    Claims(String),
}

/// Everything a token carries that this app reads.
#[derive(Debug, Clone, Deserialize)]
struct TokenClaims {
    #[serde(flatten)]
    staff: Claims,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
}

#[derive(Clone)]
struct TrustedKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Verifies staff tokens with the configured public keys and policy.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<TrustedKey>,
    policy: TokenPolicy,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("policy", &self.policy)
            .finish()
    }
}

fn check_policy(policy: &TokenPolicy) -> Result<(), TokenConfigError> {
    if policy.issuer.trim().is_empty() {
        return Err(TokenConfigError::NoIssuer);
    }
    if policy.audience.trim().is_empty() {
        return Err(TokenConfigError::NoAudience);
    }
    if policy.max_lifetime <= 0 {
        return Err(TokenConfigError::Lifetime);
    }
    Ok(())
}

impl TokenPolicy {
    /// The policy from the deployment's settings: `token_issuer`,
    /// `token_audience`, and `token_max_lifetime` (seconds, as text).
    pub fn parse(
        issuer: &str,
        audience: &str,
        max_lifetime: &str,
    ) -> Result<Self, TokenConfigError> {
        let max_lifetime = max_lifetime
            .trim()
            .parse::<i64>()
            .map_err(|_| TokenConfigError::Lifetime)?;
        let policy = Self {
            issuer: issuer.trim().to_string(),
            audience: audience.trim().to_string(),
            max_lifetime,
        };
        check_policy(&policy)?;
        Ok(policy)
    }
}

impl Verifier {
    /// A verifier of the public keys of a JWKS document (`{"keys": [...]}`):
    /// Ed25519 (`kty` `OKP`, EdDSA) and RSA (RS256) keys; a symmetric (`oct`)
    /// key or a key for another use is refused, so no shared secret can
    /// ever verify a token.
    pub fn from_jwks(jwks: &str, policy: TokenPolicy) -> Result<Self, TokenConfigError> {
        check_policy(&policy)?;
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| TokenConfigError::NotJwks(e.to_string()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone();
            let refuse = |reason: &str| TokenConfigError::Key {
                kid: kid.clone(),
                reason: reason.to_string(),
            };
            if matches!(
                jwk.common.public_key_use,
                Some(ref u) if *u != jsonwebtoken::jwk::PublicKeyUse::Signature
            ) {
                return Err(refuse("its use is not sig"));
            }
            let algorithm = match &jwk.algorithm {
                AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                    Algorithm::EdDSA
                }
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::OctetKey(_) => {
                    return Err(refuse("a symmetric (oct) key is a shared secret, refused"))
                }
                _ => return Err(refuse("only Ed25519 (OKP) and RSA keys are accepted")),
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| refuse(&e.to_string()))?;
            keys.push(TrustedKey {
                kid,
                algorithm,
                key,
            });
        }
        if keys.is_empty() {
            return Err(TokenConfigError::NoKeys);
        }
        Ok(Self { keys, policy })
    }

    /// A verifier of the tokens a development instance signs itself.
    pub fn development(signer: &DevSigner, audience: &str, max_lifetime: i64) -> Self {
        let x = base64url(&signer.public_key());
        Self {
            keys: DecodingKey::from_ed_components(&x)
                .map(|key| TrustedKey {
                    kid: Some(signer.kid()),
                    algorithm: Algorithm::EdDSA,
                    key,
                })
                .into_iter()
                .collect(),
            policy: TokenPolicy {
                issuer: DEVELOPMENT_ISSUER.to_string(),
                audience: audience.to_string(),
                max_lifetime,
            },
        }
    }

    /// The policy tokens are held to.
    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    /// The principal a token names, if it verifies at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let candidates: Vec<&TrustedKey> = match &header.kid {
            Some(kid) => self
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid.as_str()))
                .collect(),
            None => self.keys.iter().collect(),
        };
        if candidates.is_empty() {
            return Err(TokenError::UnknownKey);
        }
        if !candidates.iter().any(|k| k.algorithm == header.alg) {
            return Err(TokenError::Algorithm);
        }
        let mut last = TokenError::UnknownKey;
        for key in candidates.into_iter().filter(|k| k.algorithm == header.alg) {
            match self.verify_with(token, key, now) {
                Ok(p) => return Ok(p),
                Err(TokenError::Signature) => last = TokenError::Signature,
                Err(e) => return Err(e),
            }
        }
        Err(if header.kid.is_none() && last == TokenError::Signature {
            TokenError::UnknownKey
        } else {
            last
        })
    }

    fn verify_with(
        &self,
        token: &str,
        key: &TrustedKey,
        now: i64,
    ) -> Result<Principal, TokenError> {
        let mut validation = Validation::new(key.algorithm);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[&self.policy.issuer]);
        validation.set_audience(&[&self.policy.audience]);
        use jsonwebtoken::errors::ErrorKind as K;
        let data = jsonwebtoken::decode::<TokenClaims>(token, &key.key, &validation).map_err(
            |e| match e.kind() {
                K::InvalidSignature => TokenError::Signature,
                K::InvalidAlgorithm | K::MissingAlgorithm => TokenError::Algorithm,
                K::InvalidIssuer => TokenError::Issuer,
                K::InvalidAudience => TokenError::Audience,
                K::MissingRequiredClaim(c) => TokenError::Missing(c.clone()),
                _ => TokenError::Malformed,
            },
        )?;
        let c = data.claims;
        let exp = c.exp.ok_or_else(|| TokenError::Missing("exp".into()))?;
        self.check_times(exp, c.nbf, c.iat, now)?;
        Principal::from_claims(&c.staff).map_err(|e| TokenError::Claims(e.to_string()))
    }

    fn check_times(
        &self,
        exp: i64,
        nbf: Option<i64>,
        iat: Option<i64>,
        now: i64,
    ) -> Result<(), TokenError> {
        if exp.saturating_add(LEEWAY_SECONDS) <= now {
            return Err(TokenError::Expired);
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS))
            || iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS))
        {
            return Err(TokenError::NotYetValid);
        }
        let cap = self.policy.max_lifetime;
        let from = iat.into_iter().chain(nbf).min().unwrap_or(now).min(now);
        if exp.saturating_sub(from) > cap.saturating_add(LEEWAY_SECONDS) {
            return Err(TokenError::TooLong(cap));
        }
        Ok(())
    }
}

/// Whether a request comes from this machine, as a development instance
/// requires of staff: its peer (`spin-client-addr`) is a loopback address
/// and no proxy forwarded it (a proxy on this machine would make every
/// client look local).
pub fn is_local_client(peer: &str, forwarded: bool) -> bool {
    use std::net::{IpAddr, SocketAddr};
    let ip = peer
        .parse::<SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| peer.parse::<IpAddr>());
    !forwarded && ip.is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The claims of a token this app signs itself (development demo tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoClaims {
    /// The person.
    pub sub: String,
    /// `bureau`, `unit`, `agent`, `supervisor` or `scheduler`.
    pub role: String,
    /// The unit of unit staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// A unit's leader.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leader: bool,
}

const STAFF_ROLES: &[&str] = &["bureau", "unit", "agent", "supervisor", "scheduler"];

impl DemoClaims {
    /// A demo token's claims from a request body: `role` (`bureau`,
    /// `unit`, `agent`, `supervisor`, `scheduler`), `unit` for unit staff, `leader` for
    /// a unit's leader, `sub` (default `demo.<role>`).
    pub fn parse(body: &serde_json::Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(body)?;
        f.only(&["role", "unit", "sub", "leader"], "a demo token request");
        let role = match f.raw("role").map(|v| one_of::<Role>(v, STAFF_ROLES)) {
            Some(Ok(role)) if role != Role::Citizen => Some(role.as_str().to_string()),
            Some(Ok(_)) => {
                let roles = STAFF_ROLES.join(", ");
                f.error("role", "unknown_value", format!("must be one of: {roles}"));
                None
            }
            Some(Err(issues)) => {
                for i in issues {
                    f.error("role", i.code, i.message);
                }
                None
            }
            None => {
                f.error("role", "missing", "this field is required");
                None
            }
        };
        let unit = f.get::<Option<UnitId>>("unit").flatten();
        let leader = f.get::<Option<bool>>("leader").flatten().unwrap_or(false);
        let sub = f.get::<Option<Bounded<64>>>("sub").flatten();
        let Some(role) = role else {
            return Err(f.into_errors());
        };
        match (role.as_str(), &unit) {
            ("unit", None) => f.error("unit", "missing", "a unit token names its unit"),
            ("unit", Some(_)) => {}
            (_, Some(_)) => f.error("unit", "invalid", "only unit staff have a unit"),
            _ => {}
        }
        if leader && role != "unit" {
            f.error("leader", "invalid", "only unit staff lead a unit");
        }
        let claims = Self {
            sub: sub.map(|s| s.0).unwrap_or_else(|| format!("demo.{role}")),
            unit: unit.map(|u| u.to_string()),
            role,
            leader,
        };
        f.finish(Some(claims))
    }
}

/// A demo token as `POST /api/dev/tokens` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoToken {
    /// The JWT.
    pub token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// When it expires, China time.
    pub expires_at: chrono::DateTime<chrono::FixedOffset>,
    /// What it says.
    #[serde(flatten)]
    pub claims: DemoClaims,
    /// Always `true`: only a development instance issues these.
    pub development: bool,
    /// What a development instance allows.
    pub note: &'static str,
}

#[derive(Serialize)]
struct SignedClaims<'a> {
    #[serde(flatten)]
    claims: &'a DemoClaims,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// The Ed25519 key a development instance signs its demo tokens with.
#[derive(Clone)]
pub struct DevSigner {
    seed: [u8; 32],
}

impl std::fmt::Debug for DevSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevSigner(..)")
    }
}

/// PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410), before its seed.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Base64url without padding, as JOSE writes keys.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl DevSigner {
    /// The signer of a 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { seed }
    }

    /// The public key (32 bytes).
    pub fn public_key(&self) -> [u8; 32] {
        ed25519_dalek::SigningKey::from_bytes(&self.seed)
            .verifying_key()
            .to_bytes()
    }

    /// The key's id: the first 8 bytes of its public key, base64url.
    pub fn kid(&self) -> String {
        base64url(&self.public_key()[..8])
    }

    /// The public key as a JWKS document.
    pub fn jwks(&self) -> String {
        serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
            "kid": self.kid(), "x": base64url(&self.public_key()),
        }]})
        .to_string()
    }

    /// A demo token for `claims` under a development instance's `policy`,
    /// issued at `now` (Unix seconds), living an hour at most.
    pub fn demo_token(
        &self,
        claims: DemoClaims,
        policy: &TokenPolicy,
        now: i64,
    ) -> Result<DemoToken, TokenError> {
        let lifetime = DEMO_TOKEN_LIFETIME.min(policy.max_lifetime);
        let token = self.sign(&claims, &policy.issuer, &policy.audience, now, lifetime)?;
        let expires_at = chrono::DateTime::from_timestamp(now.saturating_add(lifetime), 0)
            .map(crate::base::clock::in_china)
            .ok_or(TokenError::Malformed)?;
        Ok(DemoToken {
            token,
            token_type: "Bearer",
            expires_at,
            claims,
            development: true,
            note: "a development instance: staff endpoints answer only on this machine until token_jwks and pd_key are set",
        })
    }

    /// Any claims signed EdDSA with this key and its `kid` (a sign-on
    /// simulator's tokens, in tests).
    pub fn sign_claims(&self, claims: &impl Serialize) -> Result<String, TokenError> {
        let mut der = ED25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&self.seed);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&der))
            .map_err(|_| TokenError::Malformed)
    }

    /// A token for `claims` issued by `issuer` for `audience`, valid from
    /// `now` (Unix seconds) for `lifetime` seconds.
    pub fn sign(
        &self,
        claims: &DemoClaims,
        issuer: &str,
        audience: &str,
        now: i64,
        lifetime: i64,
    ) -> Result<String, TokenError> {
        self.sign_claims(&SignedClaims {
            claims,
            iss: issuer,
            aud: audience,
            iat: now,
            nbf: now,
            exp: now.saturating_add(lifetime),
        })
    }
}

#[cfg(test)]
#[path = "tokens_tests.rs"]
mod tests;
