//! A small OpenID Provider on loopback for the end-to-end tests of signing
//! in through the sign-on: a discovery document, keys, an authorization
//! endpoint that signs in whoever the test says at once, a token endpoint
//! that checks the client's secret, the redirect URI and the PKCE verifier
//! as a real provider does, and id tokens the test may spoil (a wrong
//! nonce, another audience, an expired one) to see them refused.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;
use shared::access::tokens::DevSigner;

/// The client the provider knows.
pub const CLIENT_ID: &str = "casework-e2e";
/// Its secret.
pub const CLIENT_SECRET: &str = "e2e-client-secret:with&odd=chars";

#[derive(Default)]
struct Script {
    /// Who the next sign-in at the authorization endpoint is.
    subject: String,
    /// Claims the next id tokens carry instead of (or without, when null)
    /// the right ones.
    spoil: BTreeMap<String, Value>,
    /// Codes issued: code → (nonce, challenge, redirect URI).
    codes: BTreeMap<String, (String, String, String)>,
    /// Token requests refused, and why.
    refusals: Vec<String>,
    /// CAS service tickets issued: ticket → (service, user).
    tickets: BTreeMap<String, (String, String)>,
    /// OAuth2 access tokens issued: token → user.
    access_tokens: BTreeMap<String, String>,
}

/// The provider, serving until dropped with the test.
pub struct FakeProvider {
    /// Its issuer, `http://127.0.0.1:<port>`.
    pub issuer: String,
    script: Arc<Mutex<Script>>,
}

fn query_of(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(s: &str) -> String {
    shared::access::oidc::form_encode(&[("", s)])[1..].to_string()
}

impl FakeProvider {
    /// Starts the provider on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let script = Arc::new(Mutex::new(Script::default()));
        let (shared_script, base) = (script.clone(), issuer.clone());
        std::thread::spawn(move || {
            let signer = DevSigner::from_seed([42; 32]);
            for stream in listener.incoming().map_while(Result::ok) {
                let _ = serve(stream, &base, &signer, &shared_script);
            }
        });
        Self { issuer, script }
    }

    /// The app's variables for this provider (`redirect_uri`: where it
    /// sends the browser back).
    pub fn variables(&self, redirect_uri: &str) -> Vec<(String, String)> {
        [
            ("OIDC_ISSUER", self.issuer.as_str()),
            ("OIDC_CLIENT_ID", CLIENT_ID),
            ("OIDC_CLIENT_SECRET", CLIENT_SECRET),
            ("OIDC_REDIRECT_URI", redirect_uri),
            ("OIDC_HOST", self.issuer.as_str()),
        ]
        .iter()
        .map(|(k, v)| (format!("SPIN_VARIABLE_{k}"), v.to_string()))
        .collect()
    }

    /// The app's variables for this provider as a CAS server (at
    /// `<issuer>/cas`).
    pub fn cas_variables(&self, redirect_uri: &str) -> Vec<(String, String)> {
        [
            ("SIGN_ON_PROTOCOL", "cas".to_string()),
            ("OIDC_ISSUER", self.cas_server()),
            ("OIDC_REDIRECT_URI", redirect_uri.to_string()),
            ("OIDC_HOST", self.issuer.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("SPIN_VARIABLE_{k}"), v))
        .collect()
    }

    /// The app's variables for this provider as an OAuth2 provider with a
    /// user-info endpoint (whose record names the user at `data.userid`),
    /// named by the issuer `<issuer>/oauth2`.
    pub fn oauth2_variables(&self, redirect_uri: &str) -> Vec<(String, String)> {
        let base = &self.issuer;
        [
            ("SIGN_ON_PROTOCOL", "oauth2".to_string()),
            ("OIDC_ISSUER", format!("{base}/oauth2")),
            ("OIDC_CLIENT_ID", CLIENT_ID.to_string()),
            ("OIDC_CLIENT_SECRET", CLIENT_SECRET.to_string()),
            ("OIDC_REDIRECT_URI", redirect_uri.to_string()),
            ("OIDC_HOST", base.clone()),
            ("OAUTH2_AUTHORIZE_URL", format!("{base}/oauth2/authorize")),
            ("OAUTH2_TOKEN_URL", format!("{base}/oauth2/token")),
            ("OAUTH2_USERINFO_URL", format!("{base}/oauth2/userinfo")),
            ("OAUTH2_SUBJECT_FIELD", "data.userid".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("SPIN_VARIABLE_{k}"), v))
        .collect()
    }

    /// Its URL as a CAS server: the issuer its identities are under.
    pub fn cas_server(&self) -> String {
        format!("{}/cas", self.issuer)
    }

    /// The next sign-in is `subject`'s.
    pub fn sign_in_as(&self, subject: &str) {
        if let Ok(mut s) = self.script.lock() {
            s.subject = subject.to_string();
        }
    }

    /// The next id tokens carry `claims` (a null drops the claim); `{}`
    /// makes them right again.
    pub fn spoil(&self, claims: Value) {
        if let Ok(mut s) = self.script.lock() {
            s.spoil = claims
                .as_object()
                .map(|o| o.clone().into_iter().collect())
                .unwrap_or_default();
        }
    }

    /// The token requests refused so far, and why.
    pub fn refusals(&self) -> Vec<String> {
        self.script
            .lock()
            .map(|s| s.refusals.clone())
            .unwrap_or_default()
    }
}

fn answer(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
}

fn serve(
    mut stream: TcpStream,
    base: &str,
    signer: &DevSigner,
    script: &Mutex<Script>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let json_type = [("content-type", "application/json")];
    match (method, path) {
        ("GET", "/.well-known/openid-configuration") => {
            let doc = json!({
                "issuer": base,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "jwks_uri": format!("{base}/jwks"),
                "end_session_endpoint": format!("{base}/session/end"),
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "id_token_signing_alg_values_supported": ["EdDSA"],
            });
            answer(&mut stream, "200 OK", &json_type, &doc.to_string());
        }
        ("GET", "/jwks") => answer(&mut stream, "200 OK", &json_type, &signer.jwks()),
        ("GET", "/authorize" | "/oauth2/authorize") => {
            let q = query_of(query);
            let get = |k: &str| q.get(k).cloned().unwrap_or_default();
            let ok = get("response_type") == "code"
                && get("client_id") == CLIENT_ID
                && get("code_challenge_method") == "S256"
                && (path == "/oauth2/authorize" || get("scope").split(' ').any(|s| s == "openid"));
            if !ok {
                answer(
                    &mut stream,
                    "400 Bad Request",
                    &[],
                    "bad authorization request",
                );
                return Ok(());
            }
            let code = format!("code-{}", rand_suffix());
            if let Ok(mut s) = script.lock() {
                s.codes.insert(
                    code.clone(),
                    (get("nonce"), get("code_challenge"), get("redirect_uri")),
                );
            }
            let back = format!(
                "{}?code={}&state={}",
                get("redirect_uri"),
                encode(&code),
                encode(&get("state"))
            );
            answer(&mut stream, "302 Found", &[("location", &back)], "");
        }
        ("POST", "/token" | "/oauth2/token") => {
            let form = query_of(&String::from_utf8_lossy(&body));
            let get = |k: &str| form.get(k).cloned().unwrap_or_default();
            let basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    encode(CLIENT_ID),
                    encode(CLIENT_SECRET)
                ))
            );
            let mut s = script
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?;
            let issued = s.codes.remove(&get("code"));
            let challenge = shared::access::tokens::base64url(&sha2::Sha256::digest(
                get("code_verifier").as_bytes(),
            ));
            let why = match &issued {
                _ if headers.get("authorization") != Some(&basic) => Some("client authentication"),
                _ if get("grant_type") != "authorization_code" => Some("grant_type"),
                None => Some("unknown or used code"),
                Some((_, c, _)) if *c != challenge => Some("PKCE verifier"),
                Some((_, _, r)) if *r != get("redirect_uri") => Some("redirect_uri"),
                Some(_) => None,
            };
            if let Some(why) = why {
                s.refusals.push(why.to_string());
                let error = json!({"error": "invalid_grant", "error_description": why});
                answer(
                    &mut stream,
                    "400 Bad Request",
                    &json_type,
                    &error.to_string(),
                );
                return Ok(());
            }
            if path == "/oauth2/token" {
                let token = format!("at-{}", rand_suffix());
                let user = s.subject.clone();
                s.access_tokens.insert(token.clone(), user);
                let body =
                    json!({"access_token": token, "token_type": "bearer", "expires_in": 7200});
                answer(&mut stream, "200 OK", &json_type, &body.to_string());
                return Ok(());
            }
            let nonce = issued.map(|(n, _, _)| n).unwrap_or_default();
            let now = chrono::Utc::now().timestamp();
            let mut claims = json!({
                "iss": base, "sub": s.subject, "aud": CLIENT_ID, "nonce": nonce,
                "iat": now, "exp": now + 300, "auth_time": now,
            });
            for (k, v) in &s.spoil {
                match (v.is_null(), claims.as_object_mut()) {
                    (true, Some(c)) => {
                        c.remove(k);
                    }
                    (false, _) => claims[k] = v.clone(),
                    _ => {}
                }
            }
            let id_token = signer.sign_claims(&claims).unwrap_or_default();
            let answer_body = json!({"access_token": "opaque", "token_type": "Bearer",
                                     "expires_in": 300, "id_token": id_token});
            answer(&mut stream, "200 OK", &json_type, &answer_body.to_string());
        }
        ("GET", "/oauth2/userinfo") => {
            let s = script
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?;
            let bearer = headers
                .get("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .and_then(|t| s.access_tokens.get(t));
            match bearer {
                Some(user) => {
                    let body = json!({"errcode": 0, "data": {"userid": user, "name": "测试"}});
                    answer(&mut stream, "200 OK", &json_type, &body.to_string());
                }
                None => answer(
                    &mut stream,
                    "401 Unauthorized",
                    &json_type,
                    r#"{"errcode":40014}"#,
                ),
            }
        }
        ("GET", "/cas/login") => {
            let q = query_of(query);
            let service = q.get("service").cloned().unwrap_or_default();
            let ticket = format!("ST-{}-e2e", rand_suffix());
            let mut s = script
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?;
            let user = s.subject.clone();
            s.tickets.insert(ticket.clone(), (service.clone(), user));
            let sep = if service.contains('?') { '&' } else { '?' };
            let back = format!("{service}{sep}ticket={}", encode(&ticket));
            answer(&mut stream, "302 Found", &[("location", &back)], "");
        }
        ("GET", "/cas/p3/serviceValidate") => {
            let q = query_of(query);
            let get = |k: &str| q.get(k).cloned().unwrap_or_default();
            let mut s = script
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?;
            let issued = s.tickets.remove(&get("ticket"));
            let xml = match issued {
                Some((service, user)) if service == get("service") => format!(
                    "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n  <cas:authenticationSuccess>\n    <cas:user>{user}</cas:user>\n  </cas:authenticationSuccess>\n</cas:serviceResponse>\n"
                ),
                other => {
                    let code = if other.is_some() { "INVALID_SERVICE" } else { "INVALID_TICKET" };
                    s.refusals.push(code.to_string());
                    format!(
                        "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n  <cas:authenticationFailure code=\"{code}\">not recognized</cas:authenticationFailure>\n</cas:serviceResponse>\n"
                    )
                }
            };
            answer(
                &mut stream,
                "200 OK",
                &[("content-type", "application/xml")],
                &xml,
            );
        }
        _ => answer(&mut stream, "404 Not Found", &[], "not found"),
    }
    Ok(())
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
