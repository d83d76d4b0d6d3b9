//! Staff sign in as people: the first bureau person by bootstrap, a local
//! account's password and second factor (a TOTP code computed here as an
//! authenticator app would), the session cookie a browser holds, CSRF and
//! same-origin checks on what it changes, throttling that slows guessing
//! without locking the clerk out, and the directory deciding at every
//! request.

use e2e::{json, token, App, Launch, Reply, Value};
use shared::access::totp::Secret;

const CODE: &str = "e2e-bootstrap-code-7f3a91";
const PASSWORD: &str = "淇河岸边柳树青青";
const NOW: &str = "2026-12-07T09:00:00+08:00";
/// NOW as Unix seconds.
const NOW_UNIX: i64 = 1_796_605_200;

fn launch(extra: &[(&str, &str)]) -> (App, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut launch = Launch {
        echo: false,
        ..Launch::casework().test_clock()
    }
    .env("SPIN_VARIABLE_BOOTSTRAP_CODE", CODE);
    for (k, v) in extra {
        launch = launch.env(k, v);
    }
    let app = App::launch(&launch, state.path());
    app.set_clock(NOW);
    (app, state)
}

fn bootstrap(app: &App) -> Value {
    let made = app.post_json(
        "/auth/bootstrap",
        &json!({"code": CODE, "username": "zhang.wei", "display_name": "张伟",
                "password": PASSWORD})
        .to_string(),
        &[],
    );
    assert_eq!(made.status, 201, "{}", made.body);
    made.json()
}

fn code_at(secret: &Secret, unix: i64) -> String {
    secret.code_at_step(unix / 30)
}

fn sign_in(app: &App, second: Value, headers: &[(&str, &str)]) -> Reply {
    let mut body = json!({"username": "zhang.wei", "password": PASSWORD});
    if let (Some(b), Some(s)) = (body.as_object_mut(), second.as_object()) {
        b.extend(s.clone());
    }
    app.post_json("/auth/password", &body.to_string(), headers)
}

/// The cookie header a browser sends back, from a `Set-Cookie`.
fn cookie_of(reply: &Reply) -> String {
    let set = reply.set_cookie.as_deref().expect("a cookie");
    set.split(';').next().expect("name=value").to_string()
}

#[test]
fn the_first_bureau_person_bootstraps_once_signs_in_with_password_and_code_and_a_code_works_once() {
    let (app, _state) = launch(&[]);
    // Only with the operator's code, and a password that is not common.
    let wrong = app.post_json(
        "/auth/bootstrap",
        &json!({"code": "guess", "username": "zhang.wei", "display_name": "张伟",
                "password": PASSWORD})
        .to_string(),
        &[],
    );
    assert_eq!(
        (wrong.status, wrong.json()["code"].as_str()),
        (403, Some("bootstrap_code_wrong"))
    );
    let weak = app.post_json(
        "/auth/bootstrap",
        &json!({"code": CODE, "username": "zhang.wei", "display_name": "张伟",
                "password": "password1"})
        .to_string(),
        &[],
    );
    assert_eq!(weak.status, 400, "{}", weak.body);
    assert_eq!(weak.json()["errors"][0]["field"], "password");
    let made = bootstrap(&app);
    assert_eq!(made["person"]["role"], "bureau");
    assert_eq!(made["recovery_codes"].as_array().map(Vec::len), Some(10));
    let secret = Secret::from_base32(made["totp_secret"].as_str().expect("secret")).expect("b32");
    let again = app.post_json(
        "/auth/bootstrap",
        &json!({"code": CODE, "username": "li.si", "display_name": "李四",
                "password": PASSWORD})
        .to_string(),
        &[],
    );
    assert_eq!(again.status, 409, "{}", again.body);

    // Signed in: a cookie a browser keeps only over HTTPS, never for scripts.
    let code = code_at(&secret, NOW_UNIX);
    let signed = sign_in(&app, json!({"totp": code}), &[]);
    assert_eq!(signed.status, 204, "{}", signed.body);
    let set = signed.set_cookie.clone().expect("set-cookie");
    for flag in [
        "__Host-casework-session=",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
    ] {
        assert!(set.contains(flag), "{flag} missing in {set}");
    }
    let cookie = cookie_of(&signed);
    let me = app.get_with("/api/me", &[("cookie", &cookie)]);
    assert_eq!(me.status, 200, "{}", me.body);
    let me = me.json();
    assert_eq!(
        (
            me["person"].as_str(),
            me["display_name"].as_str(),
            me["role"].as_str()
        ),
        (Some("zhang.wei"), Some("张伟"), Some("bureau"))
    );
    assert_eq!(me["session_expires_at"], "2026-12-07T09:30:00+08:00");
    assert!(me["csrf_token"].as_str().is_some_and(|t| t.len() >= 40));

    // The same code again is refused, the same answer as a wrong password.
    let replay = sign_in(&app, json!({"totp": code}), &[]);
    let wrong_password = app.post_json(
        "/auth/password",
        &json!({"username": "zhang.wei", "password": "not the password", "totp": "000000"})
            .to_string(),
        &[],
    );
    let unknown = app.post_json(
        "/auth/password",
        &json!({"username": "nobody", "password": PASSWORD, "totp": code}).to_string(),
        &[],
    );
    for refused in [&replay, &wrong_password, &unknown] {
        assert_eq!(
            (refused.status, refused.json()["code"].as_str()),
            (401, Some("sign_in_failed"))
        );
        assert_eq!(refused.json()["detail"], replay.json()["detail"]);
    }
    // A recovery code signs in once.
    let spare = made["recovery_codes"][3].as_str().expect("code");
    assert_eq!(
        sign_in(&app, json!({"recovery_code": spare}), &[]).status,
        204
    );
    assert_eq!(
        sign_in(&app, json!({"recovery_code": spare}), &[]).status,
        401
    );

    // On the trail: bootstrap, sign-ins and failures with the address,
    // an unknown username not as typed.
    let trail = app
        .get_with("/api/audit?kind=sign_in", &[("cookie", &cookie)])
        .json();
    let whats: Vec<String> = trail["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["subject"].as_str().unwrap_or(""),
                        e["what"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        whats
            .iter()
            .any(|w| w.starts_with("zhang.wei 设立首位管理员")),
        "{whats:?}"
    );
    assert!(
        whats
            .iter()
            .any(|w| w.starts_with("zhang.wei 登录（密码＋动态口令），来自 127.0.0.1")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.starts_with("zhang.wei 登录失败")),
        "{whats:?}"
    );
    assert!(
        whats
            .iter()
            .any(|w| w.starts_with("(unknown username) 登录失败")),
        "{whats:?}"
    );

    // Idle for 31 minutes, the session is over.
    app.set_clock("2026-12-07T09:31:00+08:00");
    let idle = app.get_with("/api/me", &[("cookie", &cookie)]);
    assert_eq!(
        (idle.status, idle.json()["code"].as_str()),
        (401, Some("session_ended"))
    );

    // Nothing secret in the log: no password, code, or session id.
    let session_id = cookie.split_once('=').map(|(_, v)| v).unwrap_or_default();
    for line in app.stdout_lines() {
        for secret in [PASSWORD, session_id, spare, code.as_str(), CODE] {
            assert!(!line.contains(secret), "a secret in the log: {line}");
        }
    }
}

#[test]
fn what_a_cookie_changes_needs_this_apps_own_page_and_its_csrf_token_and_sign_out_ends_it() {
    let (app, _state) = launch(&[]);
    let made = bootstrap(&app);
    let secret = Secret::from_base32(made["totp_secret"].as_str().expect("secret")).expect("b32");
    let cookie = cookie_of(&sign_in(
        &app,
        json!({"totp": code_at(&secret, NOW_UNIX)}),
        &[],
    ));
    let csrf = app.get_with("/api/me", &[("cookie", &cookie)]).json()["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let person = json!({"id": "wang.fang", "display_name": "王芳", "role": "agent"}).to_string();
    let add = |headers: &[(&str, &str)]| app.post_json("/api/admin/staff", &person, headers);
    // A cross-site form post carries the cookie but not the token.
    let cross_site = add(&[("cookie", &cookie), ("sec-fetch-site", "cross-site")]);
    assert_eq!(
        (cross_site.status, cross_site.json()["code"].as_str()),
        (403, Some("csrf_failed"))
    );
    let evil = add(&[
        ("cookie", &cookie),
        ("origin", "https://evil.example"),
        ("x-csrf-token", &csrf),
    ]);
    assert_eq!(evil.status, 403, "{}", evil.body);
    let no_token = add(&[("cookie", &cookie), ("sec-fetch-site", "same-origin")]);
    assert_eq!(no_token.status, 403);
    let wrong_token = add(&[
        ("cookie", &cookie),
        ("sec-fetch-site", "same-origin"),
        ("x-csrf-token", "not-the-token"),
    ]);
    assert_eq!(wrong_token.status, 403);
    let host = app.base.trim_start_matches("http://").to_string();
    let own_page = add(&[
        ("cookie", &cookie),
        ("origin", &format!("http://{host}")),
        ("x-csrf-token", &csrf),
    ]);
    assert_eq!(own_page.status, 201, "{}", own_page.body);
    // Recorded as the person, with their name.
    let changes = app
        .get_with("/api/audit?kind=staff", &[("cookie", &cookie)])
        .json();
    let added = changes["entries"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|e| {
                e["what"]
                    .as_str()
                    .is_some_and(|w| w == "新增人员：王芳，话务/窗口")
            })
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (added["subject"].as_str(), added["name"].as_str()),
        (Some("zhang.wei"), Some("张伟")),
        "{changes}"
    );

    // A second session; "sign out everywhere" ends both.
    app.set_clock("2026-12-07T09:01:00+08:00");
    let other = cookie_of(&sign_in(
        &app,
        json!({"totp": code_at(&secret, NOW_UNIX + 60)}),
        &[],
    ));
    let out = app.post_json(
        "/auth/logout?everywhere=true",
        "",
        &[
            ("cookie", &other),
            ("sec-fetch-site", "same-origin"),
            ("x-csrf-token", &{
                app.get_with("/api/me", &[("cookie", &other)]).json()["csrf_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }),
        ],
    );
    assert_eq!(out.status, 204, "{}", out.body);
    assert!(out.set_cookie.is_some_and(|c| c.contains("Max-Age=0")));
    for c in [&cookie, &other] {
        assert_eq!(app.get_with("/api/me", &[("cookie", c)]).status, 401);
    }
}

#[test]
fn guessing_from_one_address_is_refused_and_slows_the_account_but_the_clerk_gets_in_from_another() {
    let (app, _state) = launch(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1 ::1")]);
    let made = bootstrap(&app);
    let secret = Secret::from_base32(made["totp_secret"].as_str().expect("secret")).expect("b32");
    let attacker = [("x-forwarded-for", "198.51.100.9")];
    let guess = |n: i64| {
        app.post_json(
            "/auth/password",
            &json!({"username": "zhang.wei", "password": format!("guess number {n}"),
                    "totp": "123456"})
            .to_string(),
            &attacker,
        )
    };
    // Quick guesses: after five the account is slowed (429, a short wait).
    let quick: Vec<u16> = (0..8).map(|n| guess(n).status).collect();
    assert_eq!(quick, [401, 401, 401, 401, 401, 429, 429, 429]);
    // The clerk, at their own desk, waits at most the 30 s cap.
    let clerk = [("x-forwarded-for", "203.0.113.5")];
    let first = sign_in(&app, json!({"totp": code_at(&secret, NOW_UNIX)}), &clerk);
    assert_eq!(first.status, 429, "the account is slowed for everyone");
    let wait: i64 = first
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!((1..=30).contains(&wait), "waits {wait} s");
    app.set_clock("2026-12-07T09:00:31+08:00");
    let signed = sign_in(
        &app,
        json!({"totp": code_at(&secret, NOW_UNIX + 31)}),
        &clerk,
    );
    assert_eq!(signed.status, 204, "{}", signed.body);
    // Guessing on, once the delay allows: refused from the twentieth
    // failure for the rest of the window, whatever the account's delay.
    let mut at = NOW_UNIX + 31;
    let mut failures = 5;
    while failures < 20 {
        at += 31;
        app.set_clock(&at.to_string());
        assert_eq!(guess(failures).status, 401);
        failures += 1;
    }
    let refused = guess(99);
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert!(refused.json()["detail"]
        .as_str()
        .is_some_and(|d| d.contains("address")));
}

#[test]
fn a_token_names_a_person_only_through_the_directory_which_decides_role_and_refuses_the_disabled() {
    let (app, state) = launch(&[]);
    let bureau = token("bureau", None, "zhang.wei");
    // Someone the sign-on vouches for but the directory does not know.
    let stranger = token("bureau", None, "mallory");
    let refused = app.get_as_stranger(&stranger, "/api/admin/staff");
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (401, Some("unknown_person"))
    );
    // The directory says li.na is the bureau's, whatever her token claims.
    let added = app.post_as(
        &bureau,
        "/api/admin/staff",
        &json!({"id": "li.na", "display_name": "李娜", "role": "bureau",
                "identities": [{"issuer": e2e::TEST_ISSUER, "subject": "u-1001"}]})
        .to_string(),
        None,
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let claims_agent = token("agent", None, "u-1001");
    let as_her = app.get_as_stranger(&claims_agent, "/api/admin/staff");
    assert_eq!(as_her.status, 200, "the bureau reads the directory");
    let me = app.get_as_stranger(&claims_agent, "/api/me").json();
    assert_eq!(
        (
            me["person"].as_str(),
            me["role"].as_str(),
            me["display_name"].as_str()
        ),
        (Some("li.na"), Some("bureau"), Some("李娜"))
    );
    assert_eq!(me["session_expires_at"], Value::Null);
    // What she does to a case is recorded with her id and name.
    let case = app.post_json(
        "/api/cases",
        &json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
                "content": "九州路路灯已坏一周，夜间出行不便，请尽快维修。", "county": "410611000",
                "submitter": {"type": "individual", "name": "郑十二", "phone": "13812345678"}})
        .to_string(),
        &[],
    );
    assert_eq!(case.status, 201, "{}", case.body);
    let id = case.json()["case_id"].as_i64().expect("id");
    let tag = app
        .get_as_stranger(&claims_agent, &format!("/api/cases/{id}"))
        .etag;
    let mut req = vec![("authorization", format!("Bearer {claims_agent}"))];
    if let Some(tag) = tag {
        req.push(("if-match", tag));
    }
    let headers: Vec<(&str, &str)> = req.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let urged = app.post_json(
        &format!("/api/cases/{id}/actions"),
        &json!({"action": "urge", "note": "请加快办理"}).to_string(),
        &headers,
    );
    assert_eq!(urged.status, 200, "{}", urged.body);
    let rows = e2e::query(
        state.path(),
        "SELECT actor_subject, actor_name FROM case_events WHERE type = 'urged'",
    );
    assert_eq!(rows, [["li.na", "李娜"]]);
    let history = app
        .get_as_stranger(&claims_agent, &format!("/api/cases/{id}"))
        .json();
    assert!(
        history.to_string().contains("\"name\":\"李娜\""),
        "{history}"
    );
    // A token that claims more than the directory says gets what the
    // directory says: wang.fang is an agent, whatever her token claims.
    let wang = app.post_as(
        &bureau,
        "/api/admin/staff",
        &json!({"id": "wang.fang", "display_name": "王芳", "role": "agent",
                "identities": [{"issuer": e2e::TEST_ISSUER, "subject": "u-2002"}]})
        .to_string(),
        None,
    );
    assert_eq!(wang.status, 201, "{}", wang.body);
    let claims_bureau = token("bureau", None, "u-2002");
    assert_eq!(
        app.get_as_stranger(&claims_bureau, "/api/admin/staff")
            .status,
        403
    );
    assert_eq!(
        app.get_as_stranger(&claims_bureau, "/api/audit").status,
        403
    );
    // Disabled: refused at the next request.
    let off = app.put_as(
        &bureau,
        "/api/admin/staff/li.na",
        &json!({"active": false}).to_string(),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(app.get_as_stranger(&claims_agent, "/api/me").status, 401);
}

/// Signs `person` in for the first time with the one-time password the
/// bureau gave: their own password, a second factor, then a session.
fn first_session(app: &App, one_time: &Value, clock: i64) -> String {
    let username = one_time["username"].as_str().expect("username");
    let password = one_time["one_time_password"].as_str().expect("password");
    let enrolled = app.post_json(
        "/auth/first-sign-in",
        &json!({"username": username, "password": password, "new_password": PASSWORD}).to_string(),
        &[],
    );
    assert_eq!(enrolled.status, 201, "{}", enrolled.body);
    let secret = Secret::from_base32(enrolled.json()["totp_secret"].as_str().expect("secret"))
        .expect("base32");
    let signed = app.post_json(
        "/auth/password",
        &json!({"username": username, "password": PASSWORD, "totp": code_at(&secret, clock)})
            .to_string(),
        &[],
    );
    assert_eq!(signed.status, 204, "{}", signed.body);
    cookie_of(&signed)
}

#[test]
fn the_bureau_gives_a_clerk_a_one_time_password_she_sets_her_own_and_disabled_she_is_out() {
    let (app, _state) = launch(&[]);
    let bureau = token("bureau", None, "zhang.wei");
    let added = app.post_as(
        &bureau,
        "/api/admin/staff",
        &json!({"id": "li.na", "display_name": "李娜", "role": "unit", "unit": "qibin-urban",
                "leader": true})
        .to_string(),
        None,
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let clerk = token("unit", Some("qibin-urban"), "wang.clerk");
    assert_eq!(
        app.post_as(&clerk, "/api/admin/staff/li.na/reset", "{}", None)
            .status,
        403
    );
    let given = app.post_as(&bureau, "/api/admin/staff/li.na/reset", "{}", None);
    assert_eq!(given.status, 201, "{}", given.body);
    let given = given.json();
    // The one-time password alone does not sign in.
    let early = app.post_json(
        "/auth/password",
        &json!({"username": "li.na", "password": given["one_time_password"], "totp": "123456"})
            .to_string(),
        &[],
    );
    assert_eq!(
        (early.status, early.json()["code"].as_str()),
        (409, Some("password_change_required"))
    );
    let cookie = first_session(&app, &given, NOW_UNIX);
    let me = app.get_with("/api/me", &[("cookie", &cookie)]).json();
    assert_eq!(
        (
            me["person"].as_str(),
            me["role"].as_str(),
            me["unit_name"].as_str(),
            me["leader"].as_bool()
        ),
        (
            Some("li.na"),
            Some("unit"),
            Some("淇滨区城市管理局"),
            Some(true)
        )
    );
    // Her unit's inbox, by her session.
    assert_eq!(
        app.get_with("/api/inbox", &[("cookie", &cookie)]).status,
        200
    );
    // The one-time password is spent.
    let again = app.post_json(
        "/auth/first-sign-in",
        &json!({"username": "li.na", "password": given["one_time_password"],
                "new_password": "another long password"})
        .to_string(),
        &[],
    );
    assert_eq!(again.status, 401);
    // Disabled while signed in: her next request is refused.
    let off = app.put_as(
        &bureau,
        "/api/admin/staff/li.na",
        &json!({"active": false}).to_string(),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    let next = app.get_with("/api/inbox", &[("cookie", &cookie)]);
    assert_eq!(
        (next.status, next.json()["code"].as_str()),
        (401, Some("session_ended"))
    );
}

#[test]
fn a_county_without_a_sign_on_runs_on_its_local_accounts_alone_and_takes_no_token() {
    let state = tempfile::tempdir().expect("temp dir");
    let launch = Launch {
        echo: false,
        ..Launch::casework().test_clock()
    }
    .without_env("SPIN_VARIABLE_TOKEN_ISSUER")
    .env("SPIN_VARIABLE_TOKEN_JWKS", "none")
    .env("SPIN_VARIABLE_BOOTSTRAP_CODE", CODE);
    let app = App::launch(&launch, state.path());
    app.set_clock(NOW);
    let methods = app.get("/auth/methods").json();
    assert_eq!(
        (
            methods["development"].as_bool(),
            methods["bootstrap"].as_bool()
        ),
        (Some(false), Some(true)),
        "{methods}"
    );
    // No demo tokens here, and no token at all.
    assert_eq!(
        app.post_json("/api/dev/tokens", r#"{"role": "bureau"}"#, &[])
            .status,
        404
    );
    let tok = token("bureau", None, "zhang.wei");
    assert_eq!(app.get_as_stranger(&tok, "/api/admin/staff").status, 401);
    // The first bureau person, then her session, from any address.
    let made = bootstrap(&app);
    let secret = Secret::from_base32(made["totp_secret"].as_str().expect("secret")).expect("b32");
    let elsewhere = [("x-forwarded-for", "198.51.100.20")];
    let signed = sign_in(
        &app,
        json!({"totp": code_at(&secret, NOW_UNIX)}),
        &elsewhere,
    );
    assert_eq!(signed.status, 204, "{}", signed.body);
    let cookie = cookie_of(&signed);
    assert_eq!(
        app.get_with("/api/admin/staff", &[("cookie", &cookie)])
            .status,
        200
    );
    // A cross-site form cannot post a sign-in: only JSON is taken.
    let form = app.send(
        "POST",
        "/auth/password",
        Some("username=zhang.wei&password=x&totp=1"),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(form.status, 415, "{}", form.body);
}

#[test]
fn a_county_sets_how_long_a_session_lives_and_the_next_sign_in_lives_so() {
    let (app, _state) = launch(&[]);
    let made = bootstrap(&app);
    let secret = Secret::from_base32(made["totp_secret"].as_str().expect("secret")).expect("b32");
    // The bureau sets five idle minutes and an eight-hour shift.
    let bureau = token("bureau", None, "admin.bureau");
    let mut rules = app.get_as(&bureau, "/api/admin/rules/intake").json()["rules"].clone();
    rules["sessions"] = json!({"idle_minutes": 5, "shift_hours": 8});
    let set = app.put_as(&bureau, "/api/admin/rules/intake", &rules.to_string());
    assert_eq!(set.status, 200, "{}", set.body);
    rules["sessions"] = json!({"idle_minutes": 600, "shift_hours": 8});
    let longer = app.put_as(&bureau, "/api/admin/rules/intake", &rules.to_string());
    assert_eq!(
        longer.status, 422,
        "an idle time longer than the shift: {}",
        longer.body
    );
    let cookie = cookie_of(&sign_in(
        &app,
        json!({"totp": code_at(&secret, NOW_UNIX)}),
        &[],
    ));
    let me = app.get_with("/api/me", &[("cookie", &cookie)]).json();
    assert_eq!(me["session_expires_at"], "2026-12-07T09:05:00+08:00");
    app.set_clock("2026-12-07T09:06:00+08:00");
    assert_eq!(app.get_with("/api/me", &[("cookie", &cookie)]).status, 401);
}

#[test]
fn a_county_sets_its_sign_in_limits_and_a_lockout_length_delay_is_refused() {
    let (app, _state) = launch(&[]);
    bootstrap(&app);
    // The bureau lets one address fail three times a window, not twenty.
    let bureau = token("bureau", None, "admin.bureau");
    let mut rules = app.get_as(&bureau, "/api/admin/rules/intake").json()["rules"].clone();
    rules["sign_in"] =
        json!({"window_minutes": 15, "per_client": 3, "per_account": 5, "max_delay_seconds": 30});
    let set = app.put_as(&bureau, "/api/admin/rules/intake", &rules.to_string());
    assert_eq!(set.status, 200, "{}", set.body);
    rules["sign_in"]["max_delay_seconds"] = json!(3600);
    let lockout = app.put_as(&bureau, "/api/admin/rules/intake", &rules.to_string());
    assert_eq!(lockout.status, 422, "never a lockout: {}", lockout.body);
    let tries: Vec<u16> = (0..4)
        .map(|n| {
            sign_in(
                &app,
                json!({"password": format!("wrong guess {n}"), "totp": "123456"}),
                &[],
            )
            .status
        })
        .collect();
    assert_eq!(tries, [401, 401, 401, 429]);
}
