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
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::access::{Claims, Identity};
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
    /// An id token's `nonce` is missing or not the one its sign-in sent
    /// (a replayed or injected id token).
    #[error("the id token's nonce is not the one this sign-in sent")]
    Nonce,
    /// An id token's `azp` names another client, or is missing beside a
    /// second audience.
    #[error("the id token was issued to another client (azp)")]
    AuthorizedParty,
    /// The claims do not describe a staff member.
    #[error("{0}")]
    Claims(String),
}

/// What a verified token says: who the sign-on vouches for, and its claims
/// (which only a development instance's demo tokens are read for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The issuer and subject: the identity the staff directory looks up.
    pub identity: Identity,
    /// The token's claims.
    pub claims: Claims,
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

/// The times a token's claims carry: `exp`, `nbf`, `iat`.
trait Timed {
    fn times(&self) -> (Option<i64>, Option<i64>, Option<i64>);
}

impl Timed for TokenClaims {
    fn times(&self) -> (Option<i64>, Option<i64>, Option<i64>) {
        (self.exp, self.nbf, self.iat)
    }
}

/// A token's `aud`: one audience or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Audiences {
    One(String),
    Many(Vec<String>),
}

impl Audiences {
    /// How many audiences it names.
    fn count(&self) -> usize {
        match self {
            Self::One(one) => usize::from(!one.is_empty()),
            Self::Many(all) => all.len(),
        }
    }
}

/// What an id token carries that this app reads.
#[derive(Debug, Clone, Deserialize)]
struct IdTokenClaims {
    sub: String,
    aud: Audiences,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
}

impl Timed for IdTokenClaims {
    fn times(&self) -> (Option<i64>, Option<i64>, Option<i64>) {
        (self.exp, self.nbf, self.iat)
    }
}

#[derive(Clone)]
struct TrustedKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// The key a JWK is, if this app verifies with it: Ed25519 (EdDSA) or RSA
/// (RS256), for signatures.
fn trusted_key(jwk: &jsonwebtoken::jwk::Jwk) -> Result<TrustedKey, TokenConfigError> {
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
    use jsonwebtoken::jwk::KeyAlgorithm as A;
    if matches!(jwk.common.key_algorithm, Some(a) if !matches!(a, A::RS256 | A::EdDSA)) {
        return Err(refuse("only EdDSA and RS256 are accepted"));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| refuse(&e.to_string()))?;
    Ok(TrustedKey {
        kid,
        algorithm,
        key,
    })
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
        Self::from_key_set(jwks, policy, false)
    }

    /// A verifier of an OpenID Provider's published keys (its `jwks_uri`):
    /// as [`Verifier::from_jwks`], except that a key this app does not use
    /// (an encryption key, an EC or symmetric key) is passed over rather
    /// than refused, as providers publish several kinds side by side.
    pub fn from_provider_jwks(jwks: &str, policy: TokenPolicy) -> Result<Self, TokenConfigError> {
        Self::from_key_set(jwks, policy, true)
    }

    fn from_key_set(
        jwks: &str,
        policy: TokenPolicy,
        pass_over: bool,
    ) -> Result<Self, TokenConfigError> {
        check_policy(&policy)?;
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| TokenConfigError::NotJwks(e.to_string()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            match trusted_key(jwk) {
                Ok(key) => keys.push(key),
                Err(_) if pass_over => {}
                Err(e) => return Err(e),
            }
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

    /// A verifier that trusts no key, for an instance whose staff sign in
    /// only with its local accounts (`token_jwks = "none"`): every token is
    /// refused as signed by an unknown key.
    pub fn refusing_all(policy: TokenPolicy) -> Self {
        Self {
            keys: Vec::new(),
            policy,
        }
    }

    /// The policy tokens are held to.
    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    /// Who a token names, if it verifies at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<Verified, TokenError> {
        let c: TokenClaims = self.verified_claims(token, now)?;
        if c.staff.sub.trim().is_empty() {
            return Err(TokenError::Claims("sub is empty".into()));
        }
        Ok(Verified {
            identity: Identity {
                issuer: self.policy.issuer.clone(),
                subject: c.staff.sub.clone(),
            },
            claims: c.staff,
        })
    }

    /// Who an OpenID Provider's id token names, if it verifies at `now`
    /// and was issued to this sign-in: its `nonce` is the one the sign-in
    /// sent, its audience names `client_id` (the policy's audience), and an
    /// `azp` (required beside a second audience) names `client_id` too
    /// (OpenID Connect Core 3.1.3.7). Only the subject is read: what the
    /// person may do is the directory's say.
    pub fn verify_id_token(
        &self,
        token: &str,
        now: i64,
        nonce: &str,
    ) -> Result<Identity, TokenError> {
        let c: IdTokenClaims = self.verified_claims(token, now)?;
        let client_id = self.policy.audience.as_str();
        if c.nonce.as_deref() != Some(nonce) {
            return Err(TokenError::Nonce);
        }
        match c.azp.as_deref() {
            Some(azp) if azp != client_id => return Err(TokenError::AuthorizedParty),
            None if c.aud.count() > 1 => return Err(TokenError::AuthorizedParty),
            _ => {}
        }
        if c.sub.trim().is_empty() {
            return Err(TokenError::Claims("sub is empty".into()));
        }
        Ok(Identity {
            issuer: self.policy.issuer.clone(),
            subject: c.sub,
        })
    }

    /// A token's claims, once its key, algorithm, signature, issuer,
    /// audience and times are checked.
    fn verified_claims<T: DeserializeOwned + Timed>(
        &self,
        token: &str,
        now: i64,
    ) -> Result<T, TokenError> {
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
            match self.decode_with::<T>(token, key) {
                Ok(claims) => {
                    let (exp, nbf, iat) = claims.times();
                    let exp = exp.ok_or_else(|| TokenError::Missing("exp".into()))?;
                    self.check_times(exp, nbf, iat, now)?;
                    return Ok(claims);
                }
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

    fn decode_with<T: DeserializeOwned>(
        &self,
        token: &str,
        key: &TrustedKey,
    ) -> Result<T, TokenError> {
        let mut validation = Validation::new(key.algorithm);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[&self.policy.issuer]);
        validation.set_audience(&[&self.policy.audience]);
        use jsonwebtoken::errors::ErrorKind as K;
        let data = jsonwebtoken::decode::<T>(token, &key.key, &validation).map_err(|e| match e
            .kind()
        {
            K::InvalidSignature => TokenError::Signature,
            K::InvalidAlgorithm | K::MissingAlgorithm => TokenError::Algorithm,
            K::InvalidIssuer => TokenError::Issuer,
            K::InvalidAudience => TokenError::Audience,
            K::MissingRequiredClaim(c) => TokenError::Missing(c.clone()),
            _ => TokenError::Malformed,
        })?;
        Ok(data.claims)
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
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const NOW: i64 = 1_800_000_000;
    const ISSUER: &str = "https://sso.example.gov.cn";

    fn signer() -> DevSigner {
        DevSigner::from_seed([7; 32])
    }

    fn policy() -> TokenPolicy {
        TokenPolicy::parse(ISSUER, "casework", "43200").expect("policy")
    }

    fn verifier() -> Verifier {
        Verifier::from_jwks(&signer().jwks(), policy()).expect("verifier")
    }

    /// A token of the given claims, signed EdDSA by `signer` with its kid.
    fn signed_by(signer: &DevSigner, claims: Value) -> String {
        signer.sign_claims(&claims).expect("signs")
    }

    fn claims() -> Value {
        json!({"sub": "zhang.wei", "role": "bureau", "iss": ISSUER, "aud": "casework",
           "iat": NOW - 10, "exp": NOW + 3600})
    }

    fn with(mut base: Value, key: &str, value: Value) -> Value {
        base[key] = value;
        base
    }

    fn without(mut base: Value, key: &str) -> Value {
        if let Some(map) = base.as_object_mut() {
            map.remove(key);
        }
        base
    }

    #[test]
    fn a_token_signed_by_a_trusted_key_names_its_sign_on_identity() {
        let p = verifier()
            .verify(&signed_by(&signer(), claims()), NOW)
            .expect("verifies");
        assert_eq!(
            p.identity,
            Identity {
                issuer: ISSUER.into(),
                subject: "zhang.wei".into()
            }
        );
        assert_eq!(p.claims.role.as_deref(), Some("bureau"));
    }

    #[test]
    fn a_token_signed_by_another_key_is_refused_whether_or_not_it_names_a_trusted_kid() {
        let mallory = DevSigner::from_seed([9; 32]);
        assert_eq!(
            verifier().verify(&signed_by(&mallory, claims()), NOW),
            Err(TokenError::UnknownKey)
        );
        // Mallory's token claiming the trusted key's id.
        let mut der = ED25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&mallory.seed);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(signer().kid());
        let forged = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&der))
            .expect("signs");
        assert_eq!(verifier().verify(&forged, NOW), Err(TokenError::Signature));
    }

    #[test]
    fn an_hs256_token_is_refused_even_when_its_secret_is_the_public_key() {
        let x = base64url(&signer().public_key());
        for secret in [x.as_bytes(), b"anything".as_slice()] {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(signer().kid());
            let token = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret))
                .expect("signs");
            assert_eq!(verifier().verify(&token, NOW), Err(TokenError::Algorithm));
        }
    }

    #[test]
    fn a_wrong_or_missing_issuer_or_audience_is_refused() {
        let v = verifier();
        let s = signer();
        let iss = signed_by(&s, with(claims(), "iss", json!("https://evil.example")));
        assert_eq!(v.verify(&iss, NOW), Err(TokenError::Issuer));
        let aud = signed_by(&s, with(claims(), "aud", json!("another-app")));
        assert_eq!(v.verify(&aud, NOW), Err(TokenError::Audience));
        let no_aud = signed_by(&s, without(claims(), "aud"));
        assert_eq!(
            v.verify(&no_aud, NOW),
            Err(TokenError::Missing("aud".into()))
        );
        let no_iss = signed_by(&s, without(claims(), "iss"));
        assert_eq!(
            v.verify(&no_iss, NOW),
            Err(TokenError::Missing("iss".into()))
        );
        let many = signed_by(&s, with(claims(), "aud", json!(["portal", "casework"])));
        assert!(
            v.verify(&many, NOW).is_ok(),
            "an aud list naming us is fine"
        );
    }

    #[test]
    fn expiry_and_not_before_are_checked_with_a_minute_of_leeway() {
        let v = verifier();
        let s = signer();
        let just_expired = signed_by(&s, with(claims(), "exp", json!(NOW - 30)));
        assert!(v.verify(&just_expired, NOW).is_ok());
        let expired = signed_by(&s, with(claims(), "exp", json!(NOW - 61)));
        assert_eq!(v.verify(&expired, NOW), Err(TokenError::Expired));
        let no_exp = signed_by(&s, without(claims(), "exp"));
        assert_eq!(
            v.verify(&no_exp, NOW),
            Err(TokenError::Missing("exp".into()))
        );
        let later = signed_by(&s, with(claims(), "nbf", json!(NOW + 600)));
        assert_eq!(v.verify(&later, NOW), Err(TokenError::NotYetValid));
        let skewed = signed_by(&s, with(claims(), "nbf", json!(NOW + 30)));
        assert!(v.verify(&skewed, NOW).is_ok());
        let issued_later = signed_by(&s, with(claims(), "iat", json!(NOW + 600)));
        assert_eq!(v.verify(&issued_later, NOW), Err(TokenError::NotYetValid));
    }

    #[test]
    fn a_token_living_longer_than_the_cap_is_refused_with_or_without_iat() {
        let v = verifier();
        let s = signer();
        let long = signed_by(&s, with(claims(), "exp", json!(NOW - 10 + 43_200 + 3600)));
        assert_eq!(v.verify(&long, NOW), Err(TokenError::TooLong(43_200)));
        let far = signed_by(
            &s,
            with(
                without(claims(), "iat"),
                "exp",
                json!(NOW + 5 * 365 * 86_400),
            ),
        );
        assert_eq!(v.verify(&far, NOW), Err(TokenError::TooLong(43_200)));
        let shift = signed_by(&s, with(claims(), "exp", json!(NOW - 10 + 43_200)));
        assert!(
            v.verify(&shift, NOW).is_ok(),
            "a 12-hour shift's token is fine"
        );
    }

    #[test]
    fn a_token_without_a_subject_is_refused_and_its_role_claim_decides_nothing() {
        let s = signer();
        let nobody = signed_by(&s, with(claims(), "sub", json!(" ")));
        assert!(matches!(
            verifier().verify(&nobody, NOW),
            Err(TokenError::Claims(_))
        ));
        // A role claim is read only from a development instance's demo
        // tokens; the staff directory decides what a sign-on's person may do.
        let citizen = signed_by(&s, with(claims(), "role", json!("citizen")));
        assert_eq!(
            verifier().verify(&citizen, NOW).map(|v| v.identity.subject),
            Ok("zhang.wei".into())
        );
        let roleless = signed_by(&s, without(claims(), "role"));
        assert!(verifier().verify(&roleless, NOW).is_ok());
        assert_eq!(
            verifier().verify("not.a.token", NOW),
            Err(TokenError::Malformed)
        );
        assert_eq!(verifier().verify("", NOW), Err(TokenError::Malformed));
    }

    #[test]
    fn a_key_missing_from_the_jwks_after_rotation_no_longer_verifies() {
        let old = signer();
        let new = DevSigner::from_seed([8; 32]);
        let token = signed_by(&old, claims());
        let both = format!(r#"{{"keys": [{}, {}]}}"#, jwk_of(&old), jwk_of(&new));
        let during = Verifier::from_jwks(&both, policy()).expect("verifier");
        assert!(during.verify(&token, NOW).is_ok());
        let after = Verifier::from_jwks(&new.jwks(), policy()).expect("verifier");
        assert_eq!(after.verify(&token, NOW), Err(TokenError::UnknownKey));
        assert!(after.verify(&signed_by(&new, claims()), NOW).is_ok());
    }

    fn jwk_of(s: &DevSigner) -> String {
        let set: Value = serde_json::from_str(&s.jwks()).expect("json");
        set["keys"][0].to_string()
    }

    #[test]
    fn an_instance_without_a_sign_on_refuses_every_token() {
        let v = Verifier::refusing_all(policy());
        assert_eq!(
            v.verify(&signed_by(&signer(), claims()), NOW).map(|_| ()),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn a_jwks_with_a_shared_secret_or_no_key_is_refused_at_configuration() {
        let oct = r#"{"keys": [{"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}]}"#;
        assert!(matches!(
            Verifier::from_jwks(oct, policy()),
            Err(TokenConfigError::Key { kid: Some(k), .. }) if k == "k1"
        ));
        assert_eq!(
            Verifier::from_jwks(r#"{"keys": []}"#, policy()).map(|_| ()),
            Err(TokenConfigError::NoKeys)
        );
        assert!(matches!(
            Verifier::from_jwks("secret", policy()),
            Err(TokenConfigError::NotJwks(_))
        ));
        // RFC 7517 A.1's RSA public key is accepted (RS256).
        let rsa = r#"{"keys": [{"kty": "RSA", "kid": "2011-04-29", "e": "AQAB", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}"#;
        assert!(Verifier::from_jwks(rsa, policy()).is_ok());
    }

    #[test]
    fn the_policy_needs_an_issuer_an_audience_and_a_positive_lifetime() {
        assert_eq!(
            TokenPolicy::parse("", "casework", "43200"),
            Err(TokenConfigError::NoIssuer)
        );
        assert_eq!(
            TokenPolicy::parse(ISSUER, " ", "43200"),
            Err(TokenConfigError::NoAudience)
        );
        for bad in ["0", "-5", "twelve hours", ""] {
            assert_eq!(
                TokenPolicy::parse(ISSUER, "casework", bad),
                Err(TokenConfigError::Lifetime)
            );
        }
    }

    #[test]
    fn a_development_instance_verifies_the_demo_tokens_it_signs_and_nothing_else() {
        let dev = DevSigner::from_seed([3; 32]);
        let v = Verifier::development(&dev, "casework", 43_200);
        let demo = DemoClaims {
            sub: "demo.bureau".into(),
            role: "bureau".into(),
            unit: None,
            leader: false,
        };
        let token = dev
            .sign(
                &demo,
                DEVELOPMENT_ISSUER,
                "casework",
                NOW,
                DEMO_TOKEN_LIFETIME,
            )
            .expect("signs");
        assert_eq!(
            v.verify(&token, NOW).map(|p| p.identity.subject),
            Ok("demo.bureau".into())
        );
        assert_eq!(
            v.verify(&token, NOW + DEMO_TOKEN_LIFETIME + 61),
            Err(TokenError::Expired)
        );
        let demo_token = dev.demo_token(demo, v.policy(), NOW).expect("issues");
        assert_eq!(
            demo_token.expires_at.to_rfc3339(),
            "2027-01-15T17:00:00+08:00"
        );
        assert!(v.verify(&demo_token.token, NOW + 3000).is_ok());
        // A token of the sign-on's issuer, even if signed by the dev key, is not a demo token.
        let other = signed_by(&dev, claims());
        assert_eq!(v.verify(&other, NOW), Err(TokenError::Issuer));
    }

    #[test]
    fn only_a_loopback_peer_that_no_proxy_forwarded_is_local() {
        assert!(is_local_client("127.0.0.1:52000", false));
        assert!(is_local_client("[::1]:52000", false));
        assert!(is_local_client("[::ffff:127.0.0.1]:52000", false));
        assert!(!is_local_client("127.0.0.1:52000", true));
        assert!(!is_local_client("192.0.2.7:52000", false));
        assert!(!is_local_client("[2001:db8::1]:443", false));
        assert!(!is_local_client("", false));
        assert!(!is_local_client("localhost:80", false));
    }

    #[test]
    fn a_demo_token_request_names_a_staff_role_and_a_unit_only_for_unit_staff() {
        let bureau = DemoClaims::parse(&json!({"role": "bureau"})).expect("valid");
        assert_eq!(
            (bureau.sub.as_str(), bureau.role.as_str()),
            ("demo.bureau", "bureau")
        );
        let clerk = DemoClaims::parse(
            &json!({"role": "unit", "unit": "qibin-housing", "sub": "li.na", "leader": true}),
        )
        .expect("valid");
        assert_eq!(clerk.unit.as_deref(), Some("qibin-housing"));
        assert!(clerk.leader);
        let fields = |body: Value| -> Vec<String> {
            DemoClaims::parse(&body)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(json!({"role": "citizen"})), ["role"]);
        assert_eq!(fields(json!({})), ["role"]);
        assert_eq!(fields(json!({"role": "unit"})), ["unit"]);
        assert_eq!(
            fields(json!({"role": "agent", "unit": "qibin-housing"})),
            ["unit"]
        );
        assert_eq!(
            fields(json!({"role": "bureau", "leader": true})),
            ["leader"]
        );
        assert_eq!(fields(json!({"role": "bureau", "exp": 1})), ["exp"]);
    }
}
