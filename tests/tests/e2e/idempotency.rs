//! An Idempotency-Key holds for one client and one day: a retry by the
//! same client gets the first answer, the same key from another client or
//! another person makes its own case, and a day later the key is free.

use e2e::{json, token, App, Value};

fn body(title: &str) -> String {
    json!({"channel": "online_platform", "kind": "suggestion", "title": title,
        "content": "建议在九州路增设公交站台。", "county": "410611000",
        "submitter": {"type": "individual", "name": "孙九", "phone": "13812345602"}})
    .to_string()
}

fn submit(app: &App, body: &str, headers: &[(&str, &str)]) -> Value {
    let reply = app.post_json("/api/cases", body, headers);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

#[test]
fn a_key_answers_its_own_client_for_a_day_and_no_one_else() {
    let (app, _state) = App::behind_local_proxy();
    let from = |ip: &'static str| [("x-forwarded-for", ip), ("idempotency-key", "retry-1")];
    let first = submit(&app, &body("增设站台"), &from("203.0.113.1"));
    let retry = submit(&app, &body("增设站台"), &from("203.0.113.1"));
    assert_eq!(first["case_id"], retry["case_id"]);
    let other_client = submit(&app, &body("增设站台"), &from("203.0.113.2"));
    assert_ne!(first["case_id"], other_client["case_id"]);

    // Staff: the key is the person's.
    let agent = |sub: &str| format!("Bearer {}", token("agent", None, sub));
    let (wang, li) = (agent("wang.fang"), agent("li.na"));
    let hotline = json!({"channel": "hotline_phone", "kind": "consultation", "title": "社保查询",
        "content": "请问社保缴费记录在哪里查询？", "county": "410611000",
        "submitter": {"type": "individual", "name": "周十", "phone": "13812345603"}})
    .to_string();
    let a = submit(
        &app,
        &hotline,
        &[("authorization", &wang), ("idempotency-key", "call-7")],
    );
    let again = submit(
        &app,
        &hotline,
        &[("authorization", &wang), ("idempotency-key", "call-7")],
    );
    let b = submit(
        &app,
        &hotline,
        &[("authorization", &li), ("idempotency-key", "call-7")],
    );
    assert_eq!(a["case_id"], again["case_id"]);
    assert_ne!(a["case_id"], b["case_id"]);

    // A day later the key is free, even for another body.
    app.set_clock("2026-03-03T10:00:01+08:00");
    let next_day = submit(&app, &body("另一条建议"), &from("203.0.113.1"));
    assert_ne!(first["case_id"], next_day["case_id"]);
}
