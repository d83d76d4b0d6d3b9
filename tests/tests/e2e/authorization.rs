//! Who may do what, end to end: every role against every endpoint and a
//! few actions, the expected answers written out by hand here from the
//! README and the regulation (not from the table the code uses), compared
//! with what the server answers — for a bearer token and for the same role
//! signed in by password in a browser session.

use e2e::{json, token, App, Value};

/// The roles, in the order of every row's expectations.
const ROLES: [&str; 7] = [
    "none",
    "bureau",
    "lead unit",
    "other unit",
    "agent",
    "supervisor",
    "scheduler",
];

fn tokens() -> [Option<String>; 7] {
    [
        None,
        Some(token("bureau", None, "zhang.wei")),
        Some(token("unit", Some("qibin-urban"), "li.lei")),
        Some(token("unit", Some("qibin-housing"), "han.mei")),
        Some(token("agent", None, "wang.fang")),
        Some(token("supervisor", None, "sun.li")),
        Some(token("scheduler", None, "cron-job")),
    ]
}

enum Call {
    Get(String),
    Post(String, Value),
    Put(String, Value),
    Act(Value),
}

fn call(app: &App, id: i64, who: &Option<String>, what: &Call) -> u16 {
    let bureau = token("bureau", None, "zhang.wei");
    match (what, who) {
        (Call::Get(path), Some(t)) => app.get_as(t, path).status,
        (Call::Get(path), None) => app.get(path).status,
        (Call::Post(path, body), Some(t)) => app.post_as(t, path, &body.to_string(), None).status,
        (Call::Post(path, body), None) => app.post_json(path, &body.to_string(), &[]).status,
        (Call::Put(path, body), Some(t)) => app.put_as(t, path, &body.to_string()).status,
        (Call::Put(path, body), None) => app.put(path, &body.to_string()).status,
        (Call::Act(body), who) => {
            // The case's current version, as the bureau reads it, so the
            // answer is about the role, never a stale ETag.
            let tag = app.get_as(&bureau, &format!("/api/cases/{id}")).etag;
            let path = format!("/api/cases/{id}/actions");
            match who {
                Some(t) => {
                    app.post_as(t, &path, &body.to_string(), tag.as_deref())
                        .status
                }
                None => {
                    app.post_json(
                        &path,
                        &body.to_string(),
                        &[("if-match", tag.as_deref().unwrap_or(""))],
                    )
                    .status
                }
            }
        }
    }
}

#[test]
fn every_role_gets_exactly_the_answers_written_here_from_every_endpoint() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "路灯不亮",
        "content": "淇滨区九州路路口路灯已坏一周，夜间出行不便，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["case_id"].as_i64().expect("an id");
    let case = app.get_as(
        &token("bureau", None, "zhang.wei"),
        &format!("/api/cases/{id}"),
    );
    assert_eq!(case.json()["lead_unit"], "qibin-urban", "{}", case.body);
    // Signed for by its unit, so the unit's own moves are open to it.
    app.sign_for(&token("unit", Some("qibin-urban"), "li.na"), id);

    let c = format!("/api/cases/{id}");
    //                                             none  bureau lead other agent super sched
    let table: Vec<(&str, Call, [u16; 7])> = vec![
        (
            "read a case",
            Call::Get(c.clone()),
            [401, 200, 200, 403, 200, 200, 403],
        ),
        (
            "read personal data in the clear",
            Call::Get(format!("{c}?unmask=true&purpose=核实情况")),
            [401, 200, 200, 403, 403, 403, 403],
        ),
        (
            "a work list",
            Call::Get("/api/inbox".into()),
            [401, 200, 200, 200, 403, 200, 403],
        ),
        (
            "search cases",
            Call::Get("/api/search/cases?q=%E8%B7%AF%E7%81%AF".into()),
            [401, 200, 200, 200, 200, 200, 403],
        ),
        (
            "search cases for a CSV",
            Call::Get("/api/search/cases?format=csv".into()),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "a caller's history",
            Call::Get("/api/callers/history?phone=13812345678".into()),
            [401, 200, 403, 403, 200, 403, 403],
        ),
        (
            "statistics",
            Call::Get("/api/stats?from=2026-01-01&to=2026-12-31".into()),
            [401, 200, 200, 200, 403, 200, 403],
        ),
        (
            "hotspots",
            Call::Get("/api/hotspots?from=2026-01-01&to=2026-12-31".into()),
            [401, 200, 403, 403, 403, 200, 403],
        ),
        (
            "rectification items",
            Call::Get("/api/rectifications".into()),
            [401, 200, 200, 200, 403, 200, 403],
        ),
        (
            "read a rule family",
            Call::Get("/api/admin/rules/routing".into()),
            [401, 200, 403, 403, 403, 200, 403],
        ),
        (
            "change a rule family (an empty one: invalid, 422 as documented)",
            Call::Put("/api/admin/rules/routing".into(), json!({})),
            [401, 422, 403, 403, 403, 403, 403],
        ),
        (
            "read a calendar year",
            Call::Get("/api/admin/calendar/2026".into()),
            [401, 200, 403, 403, 403, 200, 403],
        ),
        (
            "the unit directory",
            Call::Get("/api/admin/units".into()),
            [401, 200, 403, 403, 403, 200, 403],
        ),
        (
            "the staff directory",
            Call::Get("/api/admin/staff".into()),
            [401, 200, 403, 403, 403, 200, 403],
        ),
        (
            "add a person (an empty body: invalid, 400)",
            Call::Post("/api/admin/staff".into(), json!({})),
            [401, 400, 403, 403, 403, 403, 403],
        ),
        (
            "change a person nobody has (404 for the bureau)",
            Call::Put("/api/admin/staff/nobody".into(), json!({"active": false})),
            [401, 404, 403, 403, 403, 403, 403],
        ),
        (
            "who am I",
            Call::Get("/api/me".into()),
            [401, 200, 200, 200, 200, 200, 200],
        ),
        (
            "give a person a one-time password (nobody has: 404 for the bureau)",
            Call::Post("/api/admin/staff/nobody/reset".into(), json!({})),
            [401, 404, 403, 403, 403, 403, 403],
        ),
        (
            "the audit trail",
            Call::Get("/api/audit".into()),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "re-seal personal data",
            Call::Post("/api/admin/reseal".into(), json!({})),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "run the deadline scan",
            Call::Post("/api/reminders/scan".into(), json!({})),
            [401, 200, 403, 403, 403, 403, 200],
        ),
        (
            "urge the unit (the bureau's move)",
            Call::Act(json!({"action": "urge", "note": "请加快办理"})),
            [401, 200, 403, 403, 403, 403, 403],
        ),
        (
            "record contact with the citizen (the lead unit's move)",
            Call::Act(json!({"action": "record_contact", "note": "已电话联系市民"})),
            [401, 403, 200, 403, 403, 403, 403],
        ),
    ];
    let who = tokens();
    let sessions = sessions(&app);
    let mut wrong = Vec::new();
    for (what, request, expected) in &table {
        for (i, token) in who.iter().enumerate() {
            let got = call(&app, id, token, request);
            if got != expected[i] {
                wrong.push(format!(
                    "{what} as {}: expected {}, got {got}",
                    ROLES[i], expected[i]
                ));
            }
            // The same person signed in by password in a browser: the same
            // answer, the directory deciding.
            if let Some(session) = &sessions[i] {
                let got = call_in_session(&app, id, session, request);
                if got != expected[i] {
                    wrong.push(format!(
                        "{what} as {} in a session: expected {}, got {got}",
                        ROLES[i], expected[i]
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A browser's session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// A session for each role but `none`: a person the bureau adds, gives a
/// one-time password, who sets their own and signs in with a TOTP code.
fn sessions(app: &App) -> [Option<Session>; 7] {
    use shared::access::totp::Secret;
    let bureau = token("bureau", None, "zhang.wei");
    let people: [Option<Value>; 7] = [
        None,
        Some(json!({"id": "s.bureau", "display_name": "周敏", "role": "bureau"})),
        Some(
            json!({"id": "s.lead", "display_name": "李雷", "role": "unit", "unit": "qibin-urban"}),
        ),
        Some(
            json!({"id": "s.other", "display_name": "韩梅", "role": "unit", "unit": "qibin-housing"}),
        ),
        Some(json!({"id": "s.agent", "display_name": "王芳", "role": "agent"})),
        Some(json!({"id": "s.supervisor", "display_name": "孙丽", "role": "supervisor"})),
        Some(json!({"id": "s.scheduler", "display_name": "定时任务", "role": "scheduler"})),
    ];
    let password = "淇河岸边柳树青青";
    people.map(|person| {
        let person = person?;
        let id = person["id"].as_str().unwrap_or_default().to_string();
        let added = app.post_as(&bureau, "/api/admin/staff", &person.to_string(), None);
        assert_eq!(added.status, 201, "{}", added.body);
        let given = app
            .post_as(&bureau, &format!("/api/admin/staff/{id}/reset"), "{}", None)
            .json();
        let enrolled = app.post_json(
            "/auth/first-sign-in",
            &json!({"username": id, "password": given["one_time_password"],
                    "new_password": password})
            .to_string(),
            &[],
        );
        assert_eq!(enrolled.status, 201, "{}", enrolled.body);
        let secret = Secret::from_base32(enrolled.json()["totp_secret"].as_str().expect("secret"))
            .expect("base32");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let signed = app.post_json(
            "/auth/password",
            &json!({"username": id, "password": password, "totp": secret.code_at_step(now / 30)})
                .to_string(),
            &[],
        );
        assert_eq!(signed.status, 204, "{}", signed.body);
        let cookie = signed
            .set_cookie
            .as_deref()
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        let csrf = app.get_with("/api/me", &[("cookie", &cookie)]).json()["csrf_token"]
            .as_str()
            .expect("a CSRF token")
            .to_string();
        Some(Session { cookie, csrf })
    })
}

fn call_in_session(app: &App, id: i64, s: &Session, what: &Call) -> u16 {
    let headers = [
        ("cookie", s.cookie.as_str()),
        ("x-csrf-token", s.csrf.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    match what {
        Call::Get(path) => app.get_with(path, &headers[..1]).status,
        Call::Post(path, body) => {
            app.send("POST", path, Some(&body.to_string()), &headers)
                .status
        }
        Call::Put(path, body) => {
            app.send("PUT", path, Some(&body.to_string()), &headers)
                .status
        }
        Call::Act(body) => {
            let bureau = token("bureau", None, "zhang.wei");
            let tag = app.get_as(&bureau, &format!("/api/cases/{id}")).etag;
            let mut with_tag = headers.to_vec();
            let tag = tag.unwrap_or_default();
            with_tag.push(("if-match", tag.as_str()));
            let path = format!("/api/cases/{id}/actions");
            app.send("POST", &path, Some(&body.to_string()), &with_tag)
                .status
        }
    }
}
