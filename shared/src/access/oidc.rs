//! Signing in through the city's sign-on, an OpenID Provider: the
//! authorization code flow with PKCE (`S256`), `state` and `nonce`
//! (OpenID Connect Core 1.0 §3.1, RFC 7636). The provider is read from its
//! discovery document; its id token is checked with [`Verifier`] (issuer,
//! audience, `azp`, nonce, expiry, EdDSA or RS256 only) and names a sign-in
//! identity, which the staff directory links to a person — the sign-on
//! proves who someone is, never what they may do.
//!
//! This module only reads and writes the protocol's messages; the
//! component makes the requests (to `oidc_host`, the one outbound host it
//! is allowed).

use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;
use sha2::Digest;
use thiserror::Error;

use crate::access::tokens::{base64url, TokenError, TokenPolicy, Verifier};
use crate::access::Identity;
use crate::base::kv::KeyValue;

/// The path of the callback the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/auth/callback";

/// The cookie that ties a sign-in's return to the browser that began it
/// (its `state`), for [`PENDING_SECONDS`].
pub const STATE_COOKIE: &str = "__Host-casework-sign-on";

/// How long a begun sign-in may take, in seconds.
pub const PENDING_SECONDS: i64 = 600;

/// How long a provider's discovery document and keys are kept, in seconds
/// (keys are fetched again at once when an id token names an unknown one).
pub const CACHE_SECONDS: i64 = 600;

/// Why a sign-in through the sign-on did not happen.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignOnError {
    /// No sign-on is configured (`oidc_issuer` is empty).
    #[error("this instance has no sign-on (oidc_issuer is not set)")]
    Off,
    /// The configuration, or the provider's discovery document, cannot be
    /// used.
    #[error("the sign-on is misconfigured: {0}")]
    Config(String),
    /// The provider did not answer, or answered what is not the protocol.
    #[error("the sign-on did not answer as expected: {0}")]
    Provider(String),
    /// The browser came back without the sign-in it began here, or too
    /// late.
    #[error("this sign-in was not begun in this browser, was used already or took longer than ten minutes: start again")]
    State,
    /// The provider refused (its `error` code, e.g. `access_denied`).
    #[error("the sign-on refused the sign-in ({0})")]
    Refused(String),
    /// The id token does not verify or is not this sign-in's.
    #[error("the sign-on's id token is refused: {0}")]
    IdToken(TokenError),
}

/// The sign-on as the operator configures it (Spin variables `oidc_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOnConfig {
    /// The provider's issuer URL (`oidc_issuer`), exactly as its tokens say.
    pub issuer: String,
    /// This app's client id at the provider (`oidc_client_id`).
    pub client_id: String,
    /// Its client secret (`oidc_client_secret`); none for a public client.
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back (`oidc_redirect_uri`,
    /// ending in [`CALLBACK_PATH`]).
    pub redirect_uri: String,
    /// `scheme://host:port` of the provider (`oidc_host`): its token
    /// endpoint and keys must be there, the only outbound host allowed.
    pub host: String,
}

/// A URL's origin, `scheme://host:port` with the port explicit; `None` for
/// anything but an absolute `http`/`https` URL without user info.
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']')?;
            (format!("[{inside}]"), after)
        }
        None => {
            let at = authority.find(':').unwrap_or(authority.len());
            (authority[..at].to_string(), &authority[at..])
        }
    };
    let port = match port {
        "" => default,
        _ => port.strip_prefix(':')?.parse::<u16>().ok()?,
    };
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{}:{port}", host.to_ascii_lowercase()))
}

/// Whether a URL may carry the sign-on: `https`, or `http` to this machine
/// (a provider on loopback, as in development and tests).
fn secure_or_loopback(url: &str) -> bool {
    let Some(o) = origin(url) else {
        return false;
    };
    o.starts_with("https://")
        || ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
            .iter()
            .any(|p| o.starts_with(p))
}

/// Checks the URLs every sign-on has, whatever its protocol: its issuer
/// (`oidc_issuer`), this app's callback (`oidc_redirect_uri`) and the
/// provider's origin (`oidc_host`), naming the variable at fault.
pub(crate) fn check_urls(issuer: &str, redirect_uri: &str, host: &str) -> Result<(), SignOnError> {
    let bad = |what: &str| Err(SignOnError::Config(what.to_string()));
    if !secure_or_loopback(issuer) {
        return bad("oidc_issuer must be an https URL (http only on this machine)");
    }
    let callback_ok = secure_or_loopback(redirect_uri)
        && redirect_uri
            .split(['?', '#'])
            .next()
            .is_some_and(|u| u.ends_with(CALLBACK_PATH));
    if !callback_ok {
        return bad("oidc_redirect_uri must be this app's https URL ending in /auth/callback");
    }
    let host_ok = origin(host).is_some()
        && host
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.contains('/'));
    if !host_ok {
        return bad("oidc_host must be the provider's scheme://host:port, without a path");
    }
    Ok(())
}

impl SignOnConfig {
    /// The sign-on the variables configure; `Ok(None)` when `issuer` is
    /// empty (no sign-on), an error naming the variable otherwise.
    pub fn parse(
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
        host: &str,
    ) -> Result<Option<Self>, SignOnError> {
        let issuer = issuer.trim();
        if issuer.is_empty() {
            return Ok(None);
        }
        check_urls(issuer, redirect_uri, host)?;
        if client_id.trim().is_empty() {
            return Err(SignOnError::Config(
                "oidc_client_id must name this app's client at the provider".into(),
            ));
        }
        Ok(Some(Self {
            issuer: issuer.to_string(),
            client_id: client_id.trim().to_string(),
            client_secret: Some(client_secret.to_string()).filter(|s| !s.is_empty()),
            redirect_uri: redirect_uri.to_string(),
            host: host.to_string(),
        }))
    }

    /// Where the provider's discovery document is.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }

    /// The policy the provider's id tokens are held to.
    pub fn token_policy(&self, max_lifetime: i64) -> TokenPolicy {
        TokenPolicy {
            issuer: self.issuer.clone(),
            audience: self.client_id.clone(),
            max_lifetime,
        }
    }
}

/// What this app reads of a provider's discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    /// The issuer, which must be the configured one exactly.
    pub issuer: String,
    /// Where the browser signs in.
    pub authorization_endpoint: String,
    /// Where this app exchanges the code.
    pub token_endpoint: String,
    /// The provider's public keys.
    pub jwks_uri: String,
    /// Where the browser signs out of the sign-on, if it can.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// How a client may authenticate at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// The PKCE methods the provider supports.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

impl Discovery {
    /// The discovery document in `body`, checked against `config`: the
    /// same issuer, the token endpoint and keys at `oidc_host`, `S256` if
    /// the provider lists PKCE methods at all.
    pub fn parse(body: &[u8], config: &SignOnConfig) -> Result<Self, SignOnError> {
        let d: Self = serde_json::from_slice(body).map_err(|e| {
            SignOnError::Provider(format!("the discovery document is not readable: {e}"))
        })?;
        if d.issuer != config.issuer {
            return Err(SignOnError::Config(format!(
                "the provider calls itself {:?}, not oidc_issuer {:?}",
                d.issuer, config.issuer
            )));
        }
        let host = origin(&config.host);
        for (name, url) in [
            ("token_endpoint", &d.token_endpoint),
            ("jwks_uri", &d.jwks_uri),
        ] {
            if origin(url) != host {
                return Err(SignOnError::Config(format!(
                    "the provider's {name} {url:?} is not at oidc_host {:?}",
                    config.host
                )));
            }
        }
        for (name, url) in [
            ("authorization_endpoint", Some(&d.authorization_endpoint)),
            ("end_session_endpoint", d.end_session_endpoint.as_ref()),
        ] {
            if url.is_some_and(|u| !secure_or_loopback(u)) {
                return Err(SignOnError::Config(format!(
                    "the provider's {name} is not an https URL"
                )));
            }
        }
        if d.code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| !m.iter().any(|m| m == "S256"))
        {
            return Err(SignOnError::Config(
                "the provider does not support PKCE with S256".into(),
            ));
        }
        Ok(d)
    }

    /// Where signing out of a session from this sign-on sends the browser
    /// (back to this app's front page afterwards), if the provider has an
    /// end-session endpoint.
    pub fn end_session_url(&self, config: &SignOnConfig) -> Option<String> {
        let end = self.end_session_endpoint.as_ref()?;
        let front = config
            .redirect_uri
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches(CALLBACK_PATH);
        let query = form_encode(&[
            ("client_id", &config.client_id),
            ("post_logout_redirect_uri", &format!("{front}/")),
        ]);
        Some(with_query(end, &query))
    }
}

/// `application/x-www-form-urlencoded`, also for a URL's query.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn with_query(url: &str, query: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{query}")
}

/// A sign-in just begun: what the browser is sent to, and what this app
/// keeps until it comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Begun {
    /// The `state` (also the value of [`STATE_COOKIE`]).
    pub state: String,
    /// The `nonce` the id token must carry.
    pub nonce: String,
    /// The PKCE code verifier (its challenge goes to the provider).
    pub verifier: String,
    /// The provider's authorization URL the browser is sent to.
    pub location: String,
}

/// The PKCE `S256` challenge of a verifier.
pub fn code_challenge(verifier: &str) -> String {
    base64url(&sha2::Sha256::digest(verifier.as_bytes()))
}

/// Begins a sign-in from 96 fresh random bytes (state, nonce, verifier).
pub fn begin(config: &SignOnConfig, discovery: &Discovery, random: &[u8; 96]) -> Begun {
    let state = base64url(&random[..32]);
    let nonce = base64url(&random[32..64]);
    let verifier = base64url(&random[64..]);
    let query = form_encode(&[
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("scope", "openid"),
        ("state", &state),
        ("nonce", &nonce),
        ("code_challenge", &code_challenge(&verifier)),
        ("code_challenge_method", "S256"),
    ]);
    Begun {
        location: with_query(&discovery.authorization_endpoint, &query),
        state,
        nonce,
        verifier,
    }
}

/// What the provider sent the browser back with (the callback's query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// A code to exchange, and the state it belongs to.
    Code {
        /// The authorization code.
        code: String,
        /// The state the sign-in began with.
        state: String,
    },
    /// The provider's refusal (`error`), and the state if it gave it.
    Refused {
        /// The provider's error code.
        error: String,
        /// The state the sign-in began with.
        state: Option<String>,
    },
}

impl Returned {
    /// Reads the callback's query parameters (decoded): `code` (or a CAS
    /// `ticket`) and `state`, or `error`.
    pub fn parse(query: &BTreeMap<String, String>) -> Result<Self, SignOnError> {
        let get = |name: &str| query.get(name).cloned();
        // A CAS server's service ticket is the code of its sign-in.
        let code = get("code").or_else(|| get("ticket"));
        match (get("error"), code, get("state")) {
            (Some(error), _, state) => Ok(Self::Refused {
                error: error.chars().take(64).collect(),
                state,
            }),
            (None, Some(code), Some(state)) if !code.is_empty() => Ok(Self::Code { code, state }),
            _ => Err(SignOnError::State),
        }
    }

    /// The state it came back with.
    pub fn state(&self) -> Option<&str> {
        match self {
            Self::Code { state, .. } => Some(state),
            Self::Refused { state, .. } => state.as_deref(),
        }
    }
}

/// The token request a code is exchanged with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The provider's token endpoint.
    pub url: String,
    /// `Authorization: Basic …` (`client_secret_basic`), if so.
    pub authorization: Option<String>,
    /// The form body.
    pub body: String,
}

/// The request exchanging `code` (with the sign-in's PKCE verifier): the
/// client authenticates with its secret as the provider prefers
/// (`client_secret_basic` unless it lists only `client_secret_post`), or
/// not at all as a public client.
pub fn token_request(
    config: &SignOnConfig,
    discovery: &Discovery,
    code: &str,
    verifier: &str,
) -> TokenRequest {
    let methods = discovery.token_endpoint_auth_methods_supported.as_deref();
    let basic = methods.is_none_or(|m| m.iter().any(|m| m == "client_secret_basic"));
    code_exchange(config, &discovery.token_endpoint, basic, code, verifier)
}

/// The request exchanging `code` at `token_endpoint`, the client's secret
/// in `Authorization: Basic` (`basic`) or in the form.
pub(crate) fn code_exchange(
    config: &SignOnConfig,
    token_endpoint: &str,
    basic: bool,
    code: &str,
    verifier: &str,
) -> TokenRequest {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("code_verifier", verifier),
    ];
    let mut authorization = None;
    match &config.client_secret {
        Some(secret) if basic => {
            let user = form_encode(&[("", &config.client_id)]);
            let pass = form_encode(&[("", secret)]);
            let pair = format!("{}:{}", &user[1..], &pass[1..]);
            authorization = Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ));
        }
        Some(secret) => {
            pairs.push(("client_id", &config.client_id));
            pairs.push(("client_secret", secret));
        }
        None => pairs.push(("client_id", &config.client_id)),
    }
    TokenRequest {
        url: token_endpoint.to_string(),
        authorization,
        body: form_encode(&pairs),
    }
}

/// The id token of the token endpoint's answer (`status`, `body`); the
/// provider's `error` when it refused the code.
pub fn id_token_of(status: u16, body: &[u8]) -> Result<String, SignOnError> {
    token_answer(status, body, "id_token", "is the scope openid granted?")
}

/// The token `field` of the token endpoint's answer (`status`, `body`);
/// the provider's `error` when it refused the code (`hint` says what a
/// missing one may mean).
pub(crate) fn token_answer(
    status: u16,
    body: &[u8],
    field: &str,
    hint: &str,
) -> Result<String, SignOnError> {
    let answer: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        SignOnError::Provider(format!("the token endpoint answered {status}, not JSON"))
    })?;
    let text = |name: &str| {
        answer
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    match (status, text(field), text("error")) {
        (200, Some(token), _) => Ok(token),
        (200, None, _) => Err(SignOnError::Provider(format!(
            "the token endpoint gave no {field} ({hint})"
        ))),
        (400 | 401, _, Some(e)) => Err(SignOnError::Refused(e.chars().take(64).collect())),
        (status, _, _) => Err(SignOnError::Provider(format!(
            "the token endpoint answered {status}"
        ))),
    }
}

/// The sign-in identity an id token names, checked against the
/// provider's keys (`jwks`, its `jwks_uri` document), `config`, the
/// sign-in's `nonce`, and `now` (Unix seconds; `max_lifetime` caps how long
/// the token may live).
pub fn identity_of(
    id_token: &str,
    jwks: &str,
    config: &SignOnConfig,
    nonce: &str,
    now: i64,
    max_lifetime: i64,
) -> Result<Identity, SignOnError> {
    let verifier = Verifier::from_provider_jwks(jwks, config.token_policy(max_lifetime))
        .map_err(|e| SignOnError::Provider(format!("its keys (jwks_uri): {e}")))?;
    verifier
        .verify_id_token(id_token, now, nonce)
        .map_err(SignOnError::IdToken)
}

/// The store key of a provider's document kept for [`CACHE_SECONDS`].
pub const DISCOVERY_KEY: &str = "sign-on/discovery";
/// The store key of a provider's keys.
pub const KEYS_KEY: &str = "sign-on/jwks";

/// A document kept under `key` less than [`CACHE_SECONDS`] ago, if any.
pub fn cached(kv: &impl KeyValue, key: &str, now: i64) -> Option<Vec<u8>> {
    let value = kv.get(key).ok().flatten()?;
    let (at, body) = value.split_at_checked(8)?;
    let at = i64::from_le_bytes(at.try_into().ok()?);
    (now.saturating_sub(at) < CACHE_SECONDS && at <= now).then(|| body.to_vec())
}

/// Keeps a document under `key`, fetched at `now` (a store that fails only
/// means fetching it again).
pub fn keep(kv: &impl KeyValue, key: &str, body: &[u8], now: i64) {
    let mut value = now.to_le_bytes().to_vec();
    value.extend_from_slice(body);
    if let Err(e) = kv.set(key, &value) {
        eprintln!("sign-on: {key} not kept ({e})");
    }
}

#[cfg(test)]
mod tests {
    //! The protocol's messages as a provider sees them, and every way an id
    //! token is refused.

    use super::*;
    use crate::access::tokens::DevSigner;
    use serde_json::{json, Value};

    const NOW: i64 = 1_796_000_000;

    fn config() -> SignOnConfig {
        SignOnConfig::parse(
            "https://sso.example.gov.cn/oidc",
            "casework",
            "s3cret:with&odd=chars",
            "https://12345.example.gov.cn/auth/callback",
            "https://sso.example.gov.cn",
        )
        .expect("valid")
        .expect("configured")
    }

    fn discovery_json() -> Value {
        json!({
            "issuer": "https://sso.example.gov.cn/oidc",
            "authorization_endpoint": "https://sso.example.gov.cn/oidc/auth",
            "token_endpoint": "https://sso.example.gov.cn:443/oidc/token",
            "jwks_uri": "https://sso.example.gov.cn/oidc/jwks",
            "end_session_endpoint": "https://sso.example.gov.cn/oidc/session/end",
            "code_challenge_methods_supported": ["S256"],
        })
    }

    fn discovery() -> Discovery {
        Discovery::parse(discovery_json().to_string().as_bytes(), &config()).expect("valid")
    }

    fn signer() -> DevSigner {
        DevSigner::from_seed([7; 32])
    }

    fn id_token(changes: Value) -> String {
        let mut claims = json!({
            "iss": "https://sso.example.gov.cn/oidc", "sub": "u-4711",
            "aud": "casework", "nonce": "n-1", "iat": NOW - 5, "exp": NOW + 300,
            "role": ["admin"], "unit": 17,
        });
        for (k, v) in changes.as_object().expect("object") {
            if v.is_null() {
                claims.as_object_mut().expect("object").remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        signer().sign_claims(&claims).expect("signs")
    }

    fn check(token: &str) -> Result<Identity, SignOnError> {
        identity_of(token, &signer().jwks(), &config(), "n-1", NOW, 3600)
    }

    #[test]
    fn an_id_token_of_this_sign_in_names_the_providers_subject_and_nothing_else() {
        let identity = check(&id_token(json!({}))).expect("verifies");
        assert_eq!(identity.issuer, "https://sso.example.gov.cn/oidc");
        assert_eq!(identity.subject, "u-4711");
        let two = json!({"aud": ["casework", "other"], "azp": "casework"});
        assert!(check(&id_token(two)).is_ok());
    }

    #[test]
    fn a_wrong_nonce_audience_azp_issuer_or_an_expired_id_token_is_refused() {
        let refused = |changes: Value| match check(&id_token(changes)) {
            Err(SignOnError::IdToken(e)) => e,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(refused(json!({"nonce": "n-2"})), TokenError::Nonce);
        assert_eq!(refused(json!({"nonce": null})), TokenError::Nonce);
        assert_eq!(refused(json!({"aud": "another-app"})), TokenError::Audience);
        assert_eq!(
            refused(json!({"aud": ["casework", "other"]})),
            TokenError::AuthorizedParty
        );
        assert_eq!(
            refused(json!({"azp": "other"})),
            TokenError::AuthorizedParty
        );
        assert_eq!(
            refused(json!({"iss": "https://evil.example"})),
            TokenError::Issuer
        );
        assert_eq!(
            refused(json!({"exp": NOW - 120, "iat": NOW - 400})),
            TokenError::Expired
        );
        let other = DevSigner::from_seed([8; 32]);
        let forged = other
            .sign_claims(
                &json!({"iss": "https://sso.example.gov.cn/oidc", "sub": "u-4711",
                                 "aud": "casework", "nonce": "n-1", "exp": NOW + 300}),
            )
            .expect("signs");
        assert!(matches!(check(&forged), Err(SignOnError::IdToken(_))));
    }

    #[test]
    fn a_providers_encryption_and_ec_keys_are_passed_over_not_refused() {
        let mut jwks: Value = serde_json::from_str(&signer().jwks()).expect("json");
        let keys = jwks["keys"].as_array_mut().expect("keys");
        keys.push(
            json!({"kty": "EC", "crv": "P-256", "kid": "ec", "use": "sig",
                         "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                         "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}),
        );
        keys.push(
            json!({"kty": "OKP", "crv": "Ed25519", "kid": "enc", "use": "enc",
                         "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
        );
        let identity = identity_of(
            &id_token(json!({})),
            &jwks.to_string(),
            &config(),
            "n-1",
            NOW,
            3600,
        );
        assert_eq!(identity.expect("verifies").subject, "u-4711");
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_and_nonce_and_the_challenge_is_s256() {
        let begun = begin(&config(), &discovery(), &std::array::from_fn(|i| i as u8));
        assert!(begun
            .location
            .starts_with("https://sso.example.gov.cn/oidc/auth?response_type=code&client_id=casework&redirect_uri=https%3A%2F%2F12345.example.gov.cn%2Fauth%2Fcallback&scope=openid&state="));
        assert!(begun.location.contains(&format!("&nonce={}", begun.nonce)));
        assert!(begun.location.ends_with("&code_challenge_method=S256"));
        assert_eq!(begun.verifier.len(), 43);
        assert_ne!(begun.state, begun.nonce);
        // RFC 7636 Appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_code_is_exchanged_with_the_verifier_and_the_secret_as_the_provider_prefers() {
        let basic = token_request(&config(), &discovery(), "c/1", "v");
        assert_eq!(
            basic.body,
            "grant_type=authorization_code&code=c%2F1&redirect_uri=https%3A%2F%2F12345.example.gov.cn%2Fauth%2Fcallback&code_verifier=v"
        );
        let pair = base64::engine::general_purpose::STANDARD
            .decode(
                basic
                    .authorization
                    .expect("basic")
                    .trim_start_matches("Basic "),
            )
            .expect("base64");
        assert_eq!(pair, b"casework:s3cret%3Awith%26odd%3Dchars");
        let mut post = discovery();
        post.token_endpoint_auth_methods_supported = Some(vec!["client_secret_post".into()]);
        let post = token_request(&config(), &post, "c", "v");
        assert_eq!(post.authorization, None);
        assert!(post
            .body
            .ends_with("&client_id=casework&client_secret=s3cret%3Awith%26odd%3Dchars"));
    }

    #[test]
    fn a_discovery_document_of_another_issuer_or_with_endpoints_off_the_host_is_refused() {
        let refused = |changes: Value| {
            let mut d = discovery_json();
            for (k, v) in changes.as_object().expect("object") {
                d[k] = v.clone();
            }
            Discovery::parse(d.to_string().as_bytes(), &config())
        };
        assert!(matches!(
            refused(json!({"issuer": "https://sso.example.gov.cn/oidc/"})),
            Err(SignOnError::Config(_))
        ));
        assert!(matches!(
            refused(json!({"jwks_uri": "https://keys.example.net/jwks"})),
            Err(SignOnError::Config(_))
        ));
        assert!(matches!(
            refused(json!({"code_challenge_methods_supported": ["plain"]})),
            Err(SignOnError::Config(_))
        ));
        assert!(matches!(
            Discovery::parse(b"<html>", &config()),
            Err(SignOnError::Provider(_))
        ));
        assert_eq!(
            discovery().end_session_url(&config()).expect("has one"),
            "https://sso.example.gov.cn/oidc/session/end?client_id=casework&post_logout_redirect_uri=https%3A%2F%2F12345.example.gov.cn%2F"
        );
    }

    #[test]
    fn the_configuration_names_the_variable_at_fault_and_no_issuer_means_no_sign_on() {
        assert_eq!(SignOnConfig::parse("", "", "", "", ""), Ok(None));
        let fault =
            |issuer: &str, client: &str, redirect: &str, host: &str| match SignOnConfig::parse(
                issuer, client, "", redirect, host,
            ) {
                Err(SignOnError::Config(why)) => {
                    why.split(' ').next().unwrap_or_default().to_string()
                }
                other => panic!("expected a refusal, got {other:?}"),
            };
        let (i, r, h) = (
            "https://sso.example.gov.cn",
            "https://a.example/auth/callback",
            "https://sso.example.gov.cn",
        );
        assert_eq!(fault("http://sso.example.gov.cn", "c", r, h), "oidc_issuer");
        assert_eq!(fault(i, " ", r, h), "oidc_client_id");
        assert_eq!(
            fault(i, "c", "https://a.example/callback", h),
            "oidc_redirect_uri"
        );
        assert_eq!(
            fault(i, "c", r, "https://sso.example.gov.cn/oidc"),
            "oidc_host"
        );
        assert_eq!(fault(i, "c", r, "sso.example.gov.cn"), "oidc_host");
        let local = SignOnConfig::parse(
            "http://127.0.0.1:9400",
            "casework",
            "",
            "http://127.0.0.1:3000/auth/callback",
            "http://127.0.0.1:9400",
        );
        assert!(matches!(
            local,
            Ok(Some(SignOnConfig {
                client_secret: None,
                ..
            }))
        ));
    }

    #[test]
    fn the_callback_reads_a_code_or_the_providers_refusal_and_nothing_else() {
        let query = |pairs: &[(&str, &str)]| {
            Returned::parse(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(
            query(&[("code", "a+b"), ("state", "s1"), ("iss", "x")]),
            Ok(Returned::Code {
                code: "a+b".into(),
                state: "s1".into()
            })
        );
        assert_eq!(
            query(&[("error", "access_denied"), ("state", "s1")]),
            Ok(Returned::Refused {
                error: "access_denied".into(),
                state: Some("s1".into())
            })
        );
        assert_eq!(query(&[("code", "a")]), Err(SignOnError::State));
        assert_eq!(
            query(&[("code", ""), ("state", "s")]),
            Err(SignOnError::State)
        );
        assert_eq!(
            id_token_of(400, br#"{"error":"invalid_grant"}"#),
            Err(SignOnError::Refused("invalid_grant".into()))
        );
        assert_eq!(id_token_of(200, br#"{"id_token":"t"}"#), Ok("t".into()));
        assert!(matches!(
            id_token_of(502, b"oops"),
            Err(SignOnError::Provider(_))
        ));
    }

    #[test]
    fn origins_make_the_port_explicit_and_refuse_user_info() {
        assert_eq!(
            origin("https://A.example/x").as_deref(),
            Some("https://a.example:443")
        );
        assert_eq!(
            origin("http://127.0.0.1:9400/t").as_deref(),
            Some("http://127.0.0.1:9400")
        );
        assert_eq!(
            origin("http://[::1]:8080/").as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(origin("https://u@a.example/"), None);
        assert_eq!(origin("ftp://a.example/"), None);
    }
}
