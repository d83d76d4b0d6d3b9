//! The sign-on's Spin adapter: its configuration from the `oidc_*`
//! variables, the provider's documents fetched from `oidc_host` (kept in
//! the key-value store for ten minutes), the code exchanged, and a failed
//! sign-in shown to the person whose browser came here.

use shared::access::oauth2::{Endpoints, OAuth2Config};
use shared::access::oidc::{self, Begun, Discovery, SignOnConfig, SignOnError, TokenRequest};
use shared::access::provider::{Provider, Variables};
use shared::access::tokens::TokenError;
use shared::access::Identity;
use shared::directory::sign_on::{Pending, SignOnFailed};
use spin_sdk::http::{Request, Response};

use crate::kv::SpinKv;
use crate::{Ctx, Problem};

/// The most of a provider's answer read (a discovery document, keys, a
/// token response are a few KiB).
const MOST_BYTES: usize = 256 * 1024;

fn variable(name: &str) -> Result<String, SignOnFailed> {
    match spin_sdk::variables::get(name) {
        Ok(value) => Ok(value),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(String::new()),
        Err(e) => Err(SignOnError::Config(format!("variable {name}: {e:?}")).into()),
    }
}

/// The sign-on the `oidc_*` variables (and `sign_on_protocol`) configure;
/// `None` without one.
pub fn configured() -> Result<Option<Provider>, SignOnFailed> {
    let (protocol, issuer) = (variable("sign_on_protocol")?, variable("oidc_issuer")?);
    let (client_id, client_secret) = (variable("oidc_client_id")?, variable("oidc_client_secret")?);
    let (redirect_uri, host) = (variable("oidc_redirect_uri")?, variable("oidc_host")?);
    let (authorize_url, token_url) = (
        variable("oauth2_authorize_url")?,
        variable("oauth2_token_url")?,
    );
    let (userinfo_url, scope) = (variable("oauth2_userinfo_url")?, variable("oauth2_scope")?);
    let subject_field = variable("oauth2_subject_field")?;
    Ok(Provider::parse(&Variables {
        oauth2: Endpoints {
            authorize_url: &authorize_url,
            token_url: &token_url,
            userinfo_url: &userinfo_url,
            subject_field: &subject_field,
            scope: &scope,
        },
        protocol: &protocol,
        issuer: &issuer,
        client_id: &client_id,
        client_secret: &client_secret,
        redirect_uri: &redirect_uri,
        host: &host,
    })?)
}

/// The longest an id token may live (`token_max_lifetime`, seconds; 12
/// hours when not granted).
fn max_lifetime() -> i64 {
    variable("token_max_lifetime")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(43_200)
}

/// Whether a sign-on is configured (`oidc_issuer` set), for the sign-in
/// page; whether it works is `GET /auth/login`'s to say.
pub fn is_configured() -> bool {
    variable("oidc_issuer").is_ok_and(|issuer| !issuer.trim().is_empty())
}

/// The sign-on, or [`SignOnError::Off`].
pub fn config() -> Result<Provider, SignOnFailed> {
    configured()?.ok_or(SignOnFailed::Protocol(SignOnError::Off))
}

/// A GET at the provider (with an access token, if given): its status and
/// body.
async fn get(url: &str, bearer: Option<&str>, what: &str) -> Result<(u16, Vec<u8>), SignOnFailed> {
    let mut request = Request::get(url);
    request.header("accept", "application/json");
    if let Some(token) = bearer {
        request.header("authorization", format!("Bearer {token}"));
    }
    let resp: Response = spin_sdk::http::send(request.build())
        .await
        .map_err(|e| SignOnError::Provider(format!("{what} unreachable ({e})")))?;
    answer_of_body(resp, what)
}

async fn fetch(url: &str, what: &str) -> Result<Vec<u8>, SignOnFailed> {
    match get(url, None, what).await? {
        (200, body) => Ok(body),
        (status, _) => Err(SignOnError::Provider(format!("{what} answered {status}")).into()),
    }
}

fn answer_of_body(resp: Response, what: &str) -> Result<(u16, Vec<u8>), SignOnFailed> {
    let status = *resp.status();
    let body = resp.into_body();
    if body.len() > MOST_BYTES {
        return Err(SignOnError::Provider(format!("{what}: an answer over 256 KiB")).into());
    }
    Ok((status, body))
}

/// The provider's discovery document, as kept or fetched at `now`.
pub async fn discovery(config: &SignOnConfig, now: i64) -> Result<Discovery, SignOnFailed> {
    if let Some(body) = oidc::cached(&SpinKv, oidc::DISCOVERY_KEY, now) {
        if let Ok(d) = Discovery::parse(&body, config) {
            return Ok(d);
        }
    }
    let body = fetch(&config.discovery_url(), "the discovery document").await?;
    let d = Discovery::parse(&body, config)?;
    oidc::keep(&SpinKv, oidc::DISCOVERY_KEY, &body, now);
    Ok(d)
}

/// The provider's keys (its `jwks_uri` document): as kept, unless `fresh`
/// (an id token named a key not among them).
pub async fn keys(discovery: &Discovery, now: i64, fresh: bool) -> Result<String, SignOnFailed> {
    let kept = oidc::cached(&SpinKv, oidc::KEYS_KEY, now).filter(|_| !fresh);
    let body = match kept {
        Some(body) => body,
        None => {
            let body = fetch(&discovery.jwks_uri, "the provider's keys").await?;
            oidc::keep(&SpinKv, oidc::KEYS_KEY, &body, now);
            body
        }
    };
    String::from_utf8(body)
        .map_err(|_| SignOnError::Provider("the provider's keys are not UTF-8".into()).into())
}

/// The token endpoint's answer to a code exchange: its status and body.
pub async fn exchange(request: &TokenRequest) -> Result<(u16, Vec<u8>), SignOnFailed> {
    let mut builder = Request::post(&request.url, request.body.clone().into_bytes());
    builder
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", request.body.len().to_string())
        .header("accept", "application/json");
    if let Some(authorization) = &request.authorization {
        builder.header("authorization", authorization);
    }
    let resp: Response = spin_sdk::http::send(builder.build())
        .await
        .map_err(|e| SignOnError::Provider(format!("the token endpoint unreachable ({e})")))?;
    answer_of_body(resp, "the token endpoint")
}

/// Begins a sign-in from fresh random bytes: where the browser goes, and
/// what is kept until it comes back.
pub async fn begin(
    provider: &Provider,
    random: &[u8; 96],
    now: i64,
) -> Result<Begun, SignOnFailed> {
    Ok(match provider {
        Provider::Oidc(config) => oidc::begin(config, &discovery(config, now).await?, random),
        Provider::Cas(config) => config.begin(random),
        Provider::OAuth2(config) => config.begin(random),
    })
}

/// The identity the provider vouches for, given the code (a CAS ticket)
/// the browser came back with for the sign-in begun with `state`; and
/// where signing out of the session sends the browser, if anywhere.
pub async fn identity(
    provider: &Provider,
    code: &str,
    state: &str,
    pending: &Pending,
    now: i64,
) -> Result<(Identity, Option<String>), SignOnFailed> {
    let config = match provider {
        Provider::Oidc(config) => config,
        Provider::Cas(cas) => {
            let (status, body) =
                get(&cas.validate_url(state, code), None, "serviceValidate").await?;
            return Ok((cas.identity_of(status, &body)?, Some(cas.logout_url())));
        }
        Provider::OAuth2(oauth2) => {
            let (status, body) = exchange(&oauth2.token_request(code, &pending.verifier)).await?;
            let token = OAuth2Config::access_token_of(status, &body)?;
            let (status, body) =
                get(&oauth2.userinfo_url, Some(&token), "the user-info endpoint").await?;
            return Ok((oauth2.identity_of(status, &body)?, None));
        }
    };
    let discovery = discovery(config, now).await?;
    let request = oidc::token_request(config, &discovery, code, &pending.verifier);
    let (status, body) = exchange(&request).await?;
    let id_token = oidc::id_token_of(status, &body)?;
    let check = |jwks: &str| {
        oidc::identity_of(&id_token, jwks, config, &pending.nonce, now, max_lifetime())
    };
    let identity = match check(&keys(&discovery, now, false).await?) {
        Err(SignOnError::IdToken(TokenError::UnknownKey)) => {
            check(&keys(&discovery, now, true).await?)
        }
        checked => checked,
    }?;
    Ok((identity, discovery.end_session_url(config)))
}

/// A failed sign-in as its answer: a page in Chinese for a browser that
/// came here (it asks for `text/html`), the problem document otherwise;
/// the status the same for both.
pub fn failure(ctx: &Ctx, failed: SignOnFailed) -> Response {
    let message = failed.in_chinese();
    let problem: Box<Problem> = failed.into();
    if !crate::request::header(&ctx.req, "accept").contains("text/html") {
        return problem.into_response();
    }
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>登录未成功</title></head><body><h1>登录未成功</h1><p>{message}</p>\
         <p>错误代码：{}</p><p><a href=\"/#/signin\">返回登录页</a></p></body></html>",
        problem.code
    );
    Response::builder()
        .status(problem.status)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'")
        .header("cache-control", "no-store")
        .body(page)
        .build()
}
