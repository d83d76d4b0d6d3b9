//! The deadline scan (催办) end to end: over HTTP for the bureau or the
//! scheduler, on the cron trigger, through the real wasm with the runner's
//! test clock.

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{json, query, token, App, Launch, Value};

fn set_clock(app: &App, at: &str) {
    assert_eq!(app.put("/.well-known/runner/test-clock", at).status, 200);
}

/// Without the cron trigger, so that only the test's own scans run.
fn without_cron(manifest: String) -> String {
    let trigger =
        "[[trigger.cron]]\ncomponent = \"reminder\"\ncron_expression = \"0 */5 * * * *\"\n";
    assert!(manifest.contains(trigger), "spin.toml's cron trigger moved");
    manifest.replace(trigger, "")
}

/// The app from a copy of `spin.toml` changed by `change`, with the test
/// clock.
fn app_with(dir: &Path, change: impl FnOnce(String) -> String) -> App {
    let root = e2e::repo_root();
    let manifest = std::fs::read_to_string(root.join("spin.toml"))
        .expect("manifest")
        .replace(
            "\"target/wasm32-wasip1",
            &format!("\"{}/target/wasm32-wasip1", root.display()),
        );
    let path = dir.join("spin.toml");
    std::fs::write(&path, change(manifest)).expect("written");
    App::launch(
        &Launch {
            manifest: path,
            echo: false,
            ..Launch::casework().test_clock()
        },
        &dir.join("state"),
    )
}

fn street_lamp(app: &App, phone: &str) -> Value {
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，夜间出行不便，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn scan(app: &App, who: &str) -> e2e::Reply {
    app.post_as(who, "/api/reminders/scan", "", None)
}

#[test]
fn an_overdue_transfer_is_urged_once_and_only_the_bureau_or_the_scheduler_runs_the_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app_with(dir.path(), without_cron);
    set_clock(&app, "2025-09-30T10:00:00+08:00");
    let case = street_lamp(&app, "13612345671");
    assert_eq!(case["status"], "handling", "{case}");
    let id = case["case_id"].as_i64().expect("id");

    let bureau = token("bureau", None, "zhang.wei");
    let scheduler = token("scheduler", None, "cronjob/casework-scan");
    let anonymous = app.post_json("/api/reminders/scan", "", &[]);
    assert_eq!(anonymous.status, 401);
    for who in [
        token("agent", None, "wang.agent"),
        token("supervisor", None, "sun.supervisor"),
        token("unit", Some("qibin-urban"), "li.clerk"),
    ] {
        let refused = scan(&app, &who);
        assert_eq!(
            (refused.status, refused.json()["code"].as_str()),
            (403, Some("forbidden"))
        );
    }
    // The scheduler may do nothing else.
    assert_eq!(
        app.get_as(&scheduler, &format!("/api/cases/{id}")).status,
        403
    );

    // Ten working days from 30 September, across the National Day holiday
    // and its make-up Saturday: due 21 October. The day before: a warning.
    set_clock(&app, "2025-10-20T09:00:00+08:00");
    let warned = scan(&app, &bureau);
    assert_eq!(warned.status, 200, "{}", warned.body);
    assert_eq!(
        warned.json(),
        json!({"urge_notices": 0, "warnings": 1, "overdue_marked": 0, "redriven": 0, "anonymised": 0, "closings_counted": 0, "indexed": 0})
    );
    // The 11th working day: overdue, urged once.
    set_clock(&app, "2025-10-22T09:00:00+08:00");
    assert_eq!(
        scan(&app, &scheduler).json(),
        json!({"urge_notices": 1, "warnings": 0, "overdue_marked": 1, "redriven": 0, "anonymised": 0, "closings_counted": 0, "indexed": 0})
    );
    assert_eq!(
        scan(&app, &scheduler).json(),
        json!({"urge_notices": 0, "warnings": 0, "overdue_marked": 0, "redriven": 0, "anonymised": 0, "closings_counted": 0, "indexed": 0})
    );

    let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    let notices: Vec<(String, String, String)> = view["urge_notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap_or("").to_string(),
                n["unit"].as_str().unwrap_or("").to_string(),
                n["due_at"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let due = "2025-10-21T23:59:59+08:00".to_string();
    assert_eq!(
        notices,
        vec![
            ("warning".into(), "qibin-urban".into(), due.clone()),
            ("overdue".into(), "qibin-urban".into(), due)
        ]
    );
    assert_eq!(view["deadlines"][0]["overdue"], true);

    // The unit urged acknowledges the overdue notice; no one else may.
    let overdue = view["urge_notices"][1]["id"].as_i64().expect("notice id");
    let ack_path = format!("/api/urge-notices/{overdue}/ack");
    let urban = token("unit", Some("qibin-urban"), "li.clerk");
    for other in [token("unit", Some("qibin-water"), "sun.li"), bureau.clone()] {
        assert_eq!(app.post_as(&other, &ack_path, "", None).status, 403);
    }
    set_clock(&app, "2025-10-22T10:30:00+08:00");
    let acked = app.post_as(&urban, &ack_path, "", None);
    assert_eq!(acked.status, 200, "{}", acked.body);
    assert_eq!(acked.json()["acknowledged_at"], "2025-10-22T10:30:00+08:00");
    assert_eq!(acked.json()["level"], "overdue");
    let unknown = app.post_as(&urban, "/api/urge-notices/999/ack", "", None);
    assert_eq!(
        (unknown.status, unknown.json()["code"].as_str()),
        (404, Some("urge_notice_not_found"))
    );
    assert_eq!(
        query(
            dir.path().join("state").as_path(),
            &format!("SELECT overdue_at FROM cases WHERE id = {id}")
        ),
        vec![vec!["2025-10-22T09:00:00+08:00".to_string()]]
    );
}

#[test]
fn a_case_stranded_at_received_is_driven_on_by_the_scan_after_a_few_minutes() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Intake may reach neither stage: the case stays at `received`.
    let app = app_with(dir.path(), |m| {
        without_cron(m).replace(
            r#"allowed_outbound_hosts = ["http://filter.spin.internal", "http://route.spin.internal"]"#,
            "allowed_outbound_hosts = []",
        )
    });
    set_clock(&app, "2025-11-03T10:00:00+08:00");
    let case = street_lamp(&app, "13612345672");
    assert_eq!(case["status"], "received", "{case}");
    let track = format!(
        "/api/cases/track/{}?phone_last4=5672",
        case["tracking_code"].as_str().expect("code")
    );
    let bureau = token("bureau", None, "zhang.wei");
    set_clock(&app, "2025-11-03T10:02:00+08:00");
    assert_eq!(scan(&app, &bureau).json()["redriven"], 0);
    set_clock(&app, "2025-11-03T10:06:00+08:00");
    assert_eq!(scan(&app, &bureau).json()["redriven"], 1);
    assert_eq!(app.get(&track).json()["status"], "handling");
    assert_eq!(scan(&app, &bureau).json()["redriven"], 0);
}

#[test]
fn the_cron_trigger_runs_the_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Every second instead of every five minutes.
    let app = app_with(dir.path(), |m| {
        m.replace(
            r#"cron_expression = "0 */5 * * * *""#,
            r#"cron_expression = "* * * * * *""#,
        )
    });
    set_clock(&app, "2025-09-30T10:00:00+08:00");
    let id = street_lamp(&app, "13612345673")["case_id"]
        .as_i64()
        .expect("id");
    let state = dir.path().join("state");
    let sql = format!("SELECT level FROM urge_notices WHERE case_id = {id} ORDER BY id");
    let levels_by_then = |want: &[&str]| {
        let want: Vec<Vec<String>> = want.iter().map(|l| vec![l.to_string()]).collect();
        let started = Instant::now();
        let mut levels = query(&state, &sql);
        while levels != want && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(200));
            levels = query(&state, &sql);
        }
        levels
    };
    // The runs read the test clock: the day before it falls due, a warning
    // and nothing more; after it, the urge notice.
    set_clock(&app, "2025-10-20T09:00:00+08:00");
    assert_eq!(
        levels_by_then(&["warning"]),
        vec![vec!["warning".to_string()]]
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(query(&state, &sql), vec![vec!["warning".to_string()]]);
    set_clock(&app, "2025-10-22T09:00:00+08:00");
    let both = vec![vec!["warning".to_string()], vec!["overdue".to_string()]];
    assert_eq!(levels_by_then(&["warning", "overdue"]), both);
    // Later runs write nothing more.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(query(&state, &sql), both);
}

#[test]
fn a_screening_proposal_nobody_decided_is_urged_to_the_bureau_by_the_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app_with(dir.path(), without_cron);
    set_clock(&app, "2025-09-30T10:00:00+08:00");
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "撤销判决",
        "content": "淇滨区法院判决不公，请撤销法院判决，重新审理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": "13612345679"}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let case = reply.json();
    assert_eq!(case["status"], "screening", "{case}");
    let id = case["case_id"].as_i64().expect("id");
    let bureau = token("bureau", None, "zhang.wei");
    // Decided by the next working day, 9 October (the National Day
    // holiday comes first); on the 10th the scan urges the bureau, once.
    set_clock(&app, "2025-10-10T09:00:00+08:00");
    assert_eq!(scan(&app, &bureau).json()["urge_notices"], 1);
    assert_eq!(scan(&app, &bureau).json()["urge_notices"], 0);
    let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    assert_eq!(view["urge_notices"][0]["unit"], "bureau", "{view}");
    assert_eq!(view["urge_notices"][0]["milestone"], "decision");
    let overdue = app.get_as(&bureau, "/api/inbox?queue=overdue").json();
    assert_eq!(overdue["cases"][0]["case_id"], id, "{overdue}");
}
