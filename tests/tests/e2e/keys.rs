//! No key anyone else knows: an instance started without keys is a
//! development instance (demo tokens from its own key, staff served only on
//! this machine); a configured instance verifies the sign-on's public keys
//! and issues no demo token; a new personal-data key keeps old cases
//! readable, and re-sealing moves them to it.

use std::net::{IpAddr, UdpSocket};

use e2e::{json, token, App, Launch, Value, TEST_PD_KEY};

fn submit(app: &App, phone: &str) -> Value {
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，夜间出行不便。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn track(app: &App, code: &str, last4: &str) -> e2e::Reply {
    app.get(&format!("/api/cases/track/{code}?phone_last4={last4}"))
}

/// An address of this machine that is not loopback (the one its default
/// route leaves from; no packet is sent).
fn non_loopback_address() -> IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    socket
        .connect("198.51.100.1:9")
        .expect("this machine has a route off loopback");
    let ip = socket.local_addr().expect("local address").ip();
    assert!(!ip.is_loopback(), "{ip} is loopback");
    ip
}

fn port(app: &App) -> u16 {
    app.base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port in the base URL")
}

#[test]
fn a_start_without_keys_is_a_development_instance_whose_staff_endpoints_answer_only_on_this_machine(
) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut app = App::launch(
        &Launch {
            echo: false,
            listen: "0.0.0.0:0".into(),
            ..Launch::development()
        },
        state.path(),
    );
    let port = port(&app);
    let local = format!("http://127.0.0.1:{port}");
    let remote = format!("http://{}:{port}", non_loopback_address());

    app.base = local.clone();
    let case = submit(&app, "13812345678");
    let code = case["tracking_code"].as_str().expect("code").to_string();
    let minted = app.post_json(
        "/api/dev/tokens",
        r#"{"role": "bureau", "sub": "li.lei"}"#,
        &[],
    );
    assert_eq!(minted.status, 201, "{}", minted.body);
    let demo = minted.json();
    assert_eq!(demo["development"], true);
    assert_eq!(demo["sub"], "li.lei");
    let bureau = demo["token"].as_str().expect("a token").to_string();
    let path = format!("/api/cases/{}", case["case_id"]);
    let read = app.get_as(&bureau, &path);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["submitter"]["phone"], "138****5678");
    let bad = app.post_json("/api/dev/tokens", r#"{"role": "unit"}"#, &[]);
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("\"unit\""), "{}", bad.body);
    // A token the sign-on the tests play signed is not trusted here.
    assert_eq!(app.get_as(&token("bureau", None, "x"), &path).status, 401);
    // A proxy on this machine does not make its clients local.
    let proxied = app.post_json(
        "/api/dev/tokens",
        r#"{"role": "bureau"}"#,
        &[("x-forwarded-for", "203.0.113.9")],
    );
    assert_eq!(proxied.status, 403, "{}", proxied.body);

    app.base = remote;
    for reply in [
        app.get_as(&bureau, &path),
        app.get_as(&bureau, "/api/inbox"),
        app.post_json("/api/dev/tokens", r#"{"role": "bureau"}"#, &[]),
    ] {
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(reply.json()["code"], "development_instance");
    }
    // Citizens are served from anywhere.
    assert_eq!(track(&app, &code, "5678").status, 200);
    submit(&app, "13912345678");

    // The development key is kept: after a restart the case still opens.
    drop(app);
    let app = App::launch(
        &Launch {
            echo: false,
            ..Launch::development()
        },
        state.path(),
    );
    assert_eq!(track(&app, &code, "5678").status, 200);
}

#[test]
fn an_instance_with_keys_issues_no_demo_token() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let reply = app.post_json("/api/dev/tokens", r#"{"role": "bureau"}"#, &[]);
    assert_eq!(reply.status, 404, "{}", reply.body);
}

const NEW_KEY: &str = "a-new-personal-data-key-put-in-force-0123456789";

#[test]
fn a_new_personal_data_key_keeps_old_cases_readable_and_resealing_moves_them_to_it() {
    let state = tempfile::tempdir().expect("temp dir");
    let quiet = |launch: Launch| Launch {
        echo: false,
        ..launch
    };
    let app = App::launch(&quiet(Launch::casework()), state.path());
    let codes: Vec<String> = ["13812340001", "13812340002", "13812340003"]
        .iter()
        .map(|phone| {
            submit(&app, phone)["tracking_code"]
                .as_str()
                .expect("code")
                .to_string()
        })
        .collect();
    drop(app);

    // A new key in force, the old one kept for opening.
    let rotated = quiet(
        Launch::casework()
            .env("SPIN_VARIABLE_PD_KEY", NEW_KEY)
            .env("SPIN_VARIABLE_PD_PREVIOUS_KEYS", TEST_PD_KEY),
    );
    let app = App::launch(&rotated, state.path());
    assert_eq!(track(&app, &codes[0], "0001").status, 200);
    let fresh = submit(&app, "13812340004")["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();
    let bureau = token("bureau", None, "zhang.wei");
    let agent = token("agent", None, "wang.fang");
    assert_eq!(
        app.post_as(&agent, "/api/admin/reseal", "", None).status,
        403
    );
    let first = app.post_as(&bureau, "/api/admin/reseal?limit=2", "", None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        (
            first.json()["resealed"].as_u64(),
            first.json()["remaining"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let second = app.post_as(&bureau, "/api/admin/reseal", "", None).json();
    assert_eq!(
        (second["resealed"].as_u64(), second["remaining"].as_u64()),
        (Some(1), Some(0))
    );
    let bad = app.post_as(&bureau, "/api/admin/reseal?limit=0", "", None);
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("limit"))
    );
    drop(app);

    // The old key can go: every case opens with the new one alone.
    let app = App::launch(
        &quiet(Launch::casework().env("SPIN_VARIABLE_PD_KEY", NEW_KEY)),
        state.path(),
    );
    for (code, last4) in codes
        .iter()
        .zip(["0001", "0002", "0003"])
        .chain([(&fresh, "0004")])
    {
        assert_eq!(track(&app, code, last4).status, 200, "{code}");
    }
    drop(app);

    // A key dropped too early says which is missing, not 500.
    let app = App::launch(
        &quiet(Launch::casework().env(
            "SPIN_VARIABLE_PD_KEY",
            "yet-another-key-nobody-sealed-with-0123456789",
        )),
        state.path(),
    );
    let reply = track(&app, &codes[0], "0001");
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["code"], "not_configured");
    // A key too short is refused the same way.
    drop(app);
    let app = App::launch(
        &quiet(Launch::casework().env("SPIN_VARIABLE_PD_KEY", "short")),
        state.path(),
    );
    assert_eq!(
        track(&app, &codes[0], "0001").json()["code"],
        "not_configured"
    );
}

#[test]
fn a_development_instance_given_real_keys_still_opens_what_its_own_key_sealed() {
    let state = tempfile::tempdir().expect("temp dir");
    let dev = App::launch(
        &Launch {
            echo: false,
            ..Launch::development()
        },
        state.path(),
    );
    let code = submit(&dev, "13812345678")["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();
    drop(dev);
    let app = App::start_quiet(state.path());
    assert_eq!(track(&app, &code, "5678").status, 200);
    let moved = app
        .post_as(
            &token("bureau", None, "zhang.wei"),
            "/api/admin/reseal",
            "",
            None,
        )
        .json();
    assert_eq!(
        (moved["resealed"].as_u64(), moved["remaining"].as_u64()),
        (Some(1), Some(0))
    );
}
