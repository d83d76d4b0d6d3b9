//! Staff sign in through the city's sign-on: the browser's steps from
//! `GET /auth/login` to the provider (a local OpenID Provider,
//! `e2e::fake_provider`, that checks the client's secret and the PKCE
//! verifier) and back to `GET /auth/callback`, the session the directory's
//! person holds — and every id token or person that must open none.

use e2e::fake_provider::FakeProvider;
use e2e::{json, token, App, Launch, Reply, Value};

/// Where the provider sends the browser back; the test's browser goes on
/// to the app's own callback (the app's port is known only once it runs).
const REDIRECT_URI: &str = "https://12345.example.gov.cn/auth/callback";

fn launch(provider: &FakeProvider) -> (App, tempfile::TempDir) {
    launch_with(provider.variables(REDIRECT_URI))
}

fn launch_with(variables: Vec<(String, String)>) -> (App, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut launch = Launch {
        echo: false,
        ..Launch::casework()
    };
    for (k, v) in variables {
        launch = launch.env(&k, &v);
    }
    (App::launch(&launch, state.path()), state)
}

/// The bureau adds `id`, linked to `subject` at the provider.
fn add_person(app: &App, provider: &FakeProvider, id: &str, subject: &str, role: Value) {
    add_person_at(app, &provider.issuer, id, subject, role);
}

/// The bureau adds `id`, linked to `subject` at `issuer`.
fn add_person_at(app: &App, issuer: &str, id: &str, subject: &str, role: Value) {
    let mut body = json!({"id": id, "display_name": "王芳",
        "identities": [{"issuer": issuer, "subject": subject}]});
    if let (Some(b), Some(r)) = (body.as_object_mut(), role.as_object()) {
        b.extend(r.clone());
    }
    let bureau = token("bureau", None, "zhang.wei");
    let added = app.post_as(&bureau, "/api/admin/staff", &body.to_string(), None);
    assert_eq!(added.status, 201, "{}", added.body);
}

/// Signs out from this app's own page, as the portal does: the session
/// cookie and the CSRF token `GET /api/me` gave (`me`).
fn log_out(app: &App, cookie: &str, me: &Value) -> Reply {
    let csrf = me["csrf_token"].as_str().expect("csrf");
    app.post_json(
        "/auth/logout",
        "",
        &[
            ("cookie", cookie),
            ("sec-fetch-site", "same-origin"),
            ("x-csrf-token", csrf),
        ],
    )
}

fn cookie_of(reply: &Reply) -> String {
    let set = reply.set_cookie.as_deref().expect("a cookie");
    set.split(';').next().expect("name=value").to_string()
}

/// A browser signs in: the app sends it to the provider, the provider back
/// to the callback with a code; the callback's answer (with `cookie` as
/// the state cookie the browser sends back, `None`: the one it was given).
fn sign_on(app: &App, state_cookie: Option<&str>) -> Reply {
    let login = app.step("/auth/login", &[]);
    assert_eq!(login.status, 302, "{}", login.body);
    let given = cookie_of(&login);
    let set = login.set_cookie.as_deref().unwrap_or_default();
    assert!(
        given.starts_with("__Host-casework-sign-on=")
            && ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"]
                .iter()
                .all(|flag| set.contains(flag)),
        "{set}"
    );
    let at_provider = app.step(login.location.as_deref().expect("to the provider"), &[]);
    assert_eq!(at_provider.status, 302, "{}", at_provider.body);
    let back = at_provider.location.expect("back to the app");
    let query = back
        .strip_prefix(&format!("{REDIRECT_URI}?"))
        .expect("to the registered redirect URI");
    let cookie = state_cookie.unwrap_or(&given);
    app.step(
        &format!("/auth/callback?{query}"),
        &[("cookie", cookie), ("accept", "text/html")],
    )
}

#[test]
fn a_person_the_bureau_linked_signs_in_through_the_sign_on_and_the_directory_decides_role_and_unit()
{
    let provider = FakeProvider::start();
    let (app, _state) = launch(&provider);
    let methods = app.get("/auth/methods").json();
    assert_eq!(methods["sign_on"], true, "{methods}");
    add_person(
        &app,
        &provider,
        "wang.fang",
        "u-2001",
        json!({"role": "unit", "unit": "qibin-urban", "leader": true}),
    );
    provider.sign_in_as("u-2001");
    let signed = sign_on(&app, None);
    assert_eq!(
        (signed.status, signed.location.as_deref()),
        (303, Some("/#/welcome")),
        "{}",
        signed.body
    );
    let cookie = cookie_of(&signed);
    assert!(cookie.starts_with("__Host-casework-session="));
    let me = app.get_with("/api/me", &[("cookie", &cookie)]);
    assert_eq!(me.status, 200, "{}", me.body);
    let me = me.json();
    assert_eq!(
        (
            me["person"].as_str(),
            me["display_name"].as_str(),
            me["role"].as_str(),
            me["unit"].as_str(),
            me["leader"].as_bool()
        ),
        (
            Some("wang.fang"),
            Some("王芳"),
            Some("unit"),
            Some("qibin-urban"),
            Some(true)
        )
    );
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());

    // Signing out sends the browser on to the provider's end-session page.
    let out = log_out(&app, &cookie, &me);
    assert_eq!(out.status, 200, "{}", out.body);
    let end = out.json()["end_session_url"]
        .as_str()
        .expect("an end-session URL")
        .to_string();
    assert!(
        end.starts_with(&format!(
            "{}/session/end?client_id=casework-e2e",
            provider.issuer
        )),
        "{end}"
    );
    let after = app.get_with("/api/me", &[("cookie", &cookie)]);
    assert_eq!(after.status, 401);
}

#[test]
fn a_wrong_nonce_a_wrong_audience_an_expired_id_token_or_a_foreign_browser_opens_no_session() {
    let provider = FakeProvider::start();
    let (app, state) = launch(&provider);
    add_person(
        &app,
        &provider,
        "wang.fang",
        "u-2001",
        json!({"role": "agent"}),
    );
    provider.sign_in_as("u-2001");
    let now = chrono::Utc::now().timestamp();
    for (spoil, why) in [
        (json!({"nonce": "another-sign-in"}), "nonce"),
        (json!({"nonce": null}), "nonce"),
        (json!({"aud": "another-app"}), "aud"),
        (json!({"aud": ["casework-e2e", "another-app"]}), "azp"),
        (json!({"exp": now - 600, "iat": now - 900}), "expired"),
        (json!({"iss": "https://sso.elsewhere.example"}), "iss"),
    ] {
        provider.spoil(spoil);
        let refused = sign_on(&app, None);
        assert_eq!(refused.status, 401, "{why}: {}", refused.body);
        assert!(
            refused.body.contains("登录未成功") && refused.body.contains("id_token_refused"),
            "{why}: {}",
            refused.body
        );
        assert!(refused.set_cookie.is_none(), "{why}: no session");
    }
    provider.spoil(json!({}));

    // A callback in a browser that did not begin the sign-in (a login
    // CSRF) is refused, and its code is never exchanged.
    let foreign = sign_on(&app, Some("__Host-casework-sign-on=someone-elses"));
    assert_eq!(foreign.status, 400, "{}", foreign.body);
    assert!(foreign.body.contains("sign_on_state"));

    // The same code twice: the second is refused before it is exchanged.
    let login = app.step("/auth/login", &[]);
    let back = app
        .step(login.location.as_deref().expect("provider"), &[])
        .location
        .expect("back");
    let query = back.split_once('?').expect("query").1.to_string();
    let cookie = cookie_of(&login);
    let callback = format!("/auth/callback?{query}");
    let first = app.step(&callback, &[("cookie", &cookie)]);
    assert_eq!(first.status, 303, "{}", first.body);
    let replay = app.step(&callback, &[("cookie", &cookie)]);
    assert_eq!(
        (replay.status, replay.json()["code"].as_str()),
        (400, Some("sign_on_state"))
    );
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());
    let recorded = e2e::query(
        state.path(),
        "SELECT event, COUNT(*) FROM sign_ins WHERE method = 'sign_on' GROUP BY event ORDER BY event",
    );
    assert_eq!(
        recorded,
        [
            vec!["failed".to_string(), "6".to_string()],
            vec!["signed_in".to_string(), "1".to_string()]
        ]
    );
}

#[test]
fn a_person_the_directory_does_not_know_is_refused_and_one_disabled_while_signed_in_at_the_next_request(
) {
    let provider = FakeProvider::start();
    let (app, _state) = launch(&provider);
    provider.sign_in_as("u-9999");
    let stranger = sign_on(&app, None);
    assert_eq!(stranger.status, 401, "{}", stranger.body);
    assert!(
        stranger.body.contains("工作人员名录中没有您的账号")
            && stranger.body.contains("unknown_person"),
        "{}",
        stranger.body
    );

    add_person(
        &app,
        &provider,
        "wang.fang",
        "u-2001",
        json!({"role": "agent"}),
    );
    provider.sign_in_as("u-2001");
    let cookie = cookie_of(&sign_on(&app, None));
    assert_eq!(app.get_with("/api/me", &[("cookie", &cookie)]).status, 200);
    let bureau = token("bureau", None, "zhang.wei");
    let disabled = app.put_as(
        &bureau,
        "/api/admin/staff/wang.fang",
        &json!({"active": false}).to_string(),
    );
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let next = app.get_with("/api/me", &[("cookie", &cookie)]);
    assert_eq!(next.status, 401, "{}", next.body);
    let again = sign_on(&app, None);
    assert_eq!(again.status, 401, "{}", again.body);
}

#[test]
fn a_cas_servers_ticket_signs_in_the_person_it_names_once_and_signing_out_goes_to_its_logout() {
    let provider = FakeProvider::start();
    let (app, _state) = launch_with(provider.cas_variables(REDIRECT_URI));
    let cas = provider.cas_server();
    add_person_at(&app, &cas, "zhao.min", "u-3001", json!({"role": "agent"}));
    provider.sign_in_as("u-3001");
    let login = app.step("/auth/login", &[]);
    let to = login.location.clone().expect("to the CAS server");
    assert!(
        to.starts_with(&format!(
            "{cas}/login?service=https%3A%2F%2F12345.example.gov.cn%2Fauth%2Fcallback%3Fstate%3D"
        )),
        "{to}"
    );
    let back = app.step(&to, &[]).location.expect("back with a ticket");
    let query = back.split_once('?').expect("query").1.to_string();
    assert!(query.contains("ticket=ST-"), "{query}");
    let cookie = cookie_of(&login);
    let callback = format!("/auth/callback?{query}");
    let signed = app.step(&callback, &[("cookie", &cookie)]);
    assert_eq!(signed.status, 303, "{}", signed.body);
    let session = cookie_of(&signed);
    let me = app.get_with("/api/me", &[("cookie", &session)]).json();
    assert_eq!(
        (me["person"].as_str(), me["role"].as_str()),
        (Some("zhao.min"), Some("agent"))
    );
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());
    // The ticket once: the sign-in it belonged to is taken.
    let replay = app.step(&callback, &[("cookie", &cookie)]);
    assert_eq!(replay.status, 400, "{}", replay.body);

    let out = log_out(&app, &session, &me);
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(
        out.json()["end_session_url"],
        format!("{cas}/logout?service=https%3A%2F%2F12345.example.gov.cn%2F")
    );

    // Someone the CAS server knows and the directory does not.
    provider.sign_in_as("u-9999");
    let stranger = sign_on(&app, None);
    assert_eq!(stranger.status, 401, "{}", stranger.body);
    assert!(
        stranger.body.contains("unknown_person"),
        "{}",
        stranger.body
    );
}

#[test]
fn an_oauth2_providers_user_record_names_the_person_and_the_directory_decides_the_rest() {
    let provider = FakeProvider::start();
    let (app, _state) = launch_with(provider.oauth2_variables(REDIRECT_URI));
    let issuer = format!("{}/oauth2", provider.issuer);
    add_person_at(
        &app,
        &issuer,
        "sun.li",
        "u-4001",
        json!({"role": "unit", "unit": "qibin-water"}),
    );
    provider.sign_in_as("u-4001");
    let signed = sign_on(&app, None);
    assert_eq!(signed.status, 303, "{}", signed.body);
    let me = app
        .get_with("/api/me", &[("cookie", &cookie_of(&signed))])
        .json();
    assert_eq!(
        (me["person"].as_str(), me["unit"].as_str()),
        (Some("sun.li"), Some("qibin-water"))
    );
    // The code was exchanged with the client's secret and the PKCE verifier.
    assert!(provider.refusals().is_empty(), "{:?}", provider.refusals());
    provider.sign_in_as("u-9999");
    assert_eq!(sign_on(&app, None).status, 401);
}
