//! The walking skeleton, end to end: a case submitted over HTTP to the real
//! intake component, kept in SQLite by the runner, found again by its
//! tracking code, also after a restart.

use e2e::{json, App};

fn a_case() -> String {
    json!({
        "channel": "online_platform",
        "kind": "complaint",
        "title": "小区路灯不亮",
        "content": "淇滨区某小区路灯已坏两周，夜间出行不便，请尽快维修。",
        "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    })
    .to_string()
}

#[test]
fn a_submitted_case_is_tracked_survives_a_restart_and_bad_input_is_refused() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start(state.path());

    // Submit.
    let created = app.post_json("/api/cases", &a_case(), &[]);
    assert_eq!(created.status, 201, "{}", created.body);
    let receipt = created.json();
    let code = receipt["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_string();
    assert!(
        receipt["case_id"].as_i64().is_some_and(|id| id > 0),
        "{receipt}"
    );
    // Screened and sent to its unit within the same request.
    assert_eq!(receipt["status"], "handling", "{receipt}");
    assert!(
        receipt["received_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "received_at is China time: {receipt}"
    );
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/api/cases/track/{code}").as_str())
    );

    // Track: the public view, without personal data.
    let tracked = app.get(&format!("/api/cases/track/{code}?phone_last4=5678"));
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    let view = tracked.json();
    assert_eq!(view["tracking_code"], code.as_str());
    assert_eq!(view["status"], "handling");
    assert_eq!(view["kind"], "complaint");
    assert!(
        !tracked.body.contains("13812345678") && !tracked.body.contains("张三"),
        "{}",
        tracked.body
    );

    // Personal data is sealed at rest: not in the database files.
    for file in ["sqlite_db.db", "sqlite_db.db-wal"] {
        let bytes = std::fs::read(state.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("13812345678") && !text.contains("张三"),
            "{file} holds personal data in the clear"
        );
    }
    assert!(std::fs::metadata(state.path().join("sqlite_db.db")).is_ok());

    // A code typed in lower case still finds the case.
    assert_eq!(
        app.get(&format!(
            "/api/cases/track/{}?phone_last4=5678",
            code.to_lowercase()
        ))
        .status,
        200
    );

    // Bad input: a 400 problem document naming the field.
    let mut bad: serde_json::Value = serde_json::from_str(&a_case()).expect("json");
    bad["channel"] = json!("fax");
    let refused = app.post_json("/api/cases", &bad.to_string(), &[]);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.content_type, "application/problem+json");
    assert_eq!(refused.json()["field"], "channel");
    assert_eq!(refused.json()["code"], "invalid_field");

    let malformed = app.post_json("/api/cases", "{\"channel\": ", &[]);
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["code"], "malformed_json");

    let bad_phone = a_case().replace("13812345678", "12");
    let refused = app.post_json("/api/cases", &bad_phone, &[]);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["field"], "submitter.phone");

    // Unknown and malformed codes.
    let unknown = app.get("/api/cases/track/CW-0000-0000-0000?phone_last4=5678");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "case_not_found");
    assert_eq!(
        app.get("/api/cases/track/nonsense?phone_last4=5678").status,
        400
    );
    // The second factor is required, and a wrong one finds nothing.
    assert_eq!(
        app.get(&format!("/api/cases/track/{code}")).json()["field"],
        "phone_last4"
    );
    assert_eq!(
        app.get(&format!("/api/cases/track/{code}?phone_last4=0000"))
            .status,
        404
    );

    // Wrong method, unknown route.
    assert_eq!(app.delete("/api/cases").status, 405);
    assert_eq!(app.get("/api/nothing-here").status, 404);

    // Restart on the same state: the case is still there.
    app.stop();
    let app = App::start(state.path());
    let tracked = app.get(&format!("/api/cases/track/{code}?phone_last4=5678"));
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert_eq!(tracked.json()["tracking_code"], code.as_str());
}

#[test]
fn a_retried_submission_with_the_same_idempotency_key_makes_one_case() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start(state.path());
    let key = [("Idempotency-Key", "retry-test-1")];

    let first = app.post_json("/api/cases", &a_case(), &key);
    assert_eq!(first.status, 201, "{}", first.body);
    let again = app.post_json("/api/cases", &a_case(), &key);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(first.json()["case_id"], again.json()["case_id"]);
    assert_eq!(first.json()["tracking_code"], again.json()["tracking_code"]);

    // A new submission under a used key is refused, and names the header.
    let other = a_case().replace("路灯不亮", "噪音扰民");
    let reused = app.post_json("/api/cases", &other, &key);
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(reused.json()["field"], "Idempotency-Key");

    // Without a key, the same body is a second case.
    let second = app.post_json("/api/cases", &a_case(), &[]);
    assert_eq!(second.status, 201);
    assert_ne!(second.json()["case_id"], first.json()["case_id"]);
}
