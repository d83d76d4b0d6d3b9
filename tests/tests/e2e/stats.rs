//! Statistics (Art. 9) end to end: a month of cases with known outcomes,
//! worked through the real wasm with the test clock, counted by the test
//! and by `GET /api/stats`; a unit reads its own row; CSV opens in Excel.

use e2e::{json, leader_token, token, App, Reply, Value};

fn submit(app: &App, content: &str, phone: &str) -> Value {
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "路灯不亮",
        "content": content, "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn act(app: &App, who: &str, id: &Value, body: Value) -> Reply {
    let reply = app.act(who, id, body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

fn close(app: &App, id: &Value) {
    app.sign_for(&token("unit", Some("qibin-urban"), "li"), id);
    act(
        app,
        &token("unit", Some("qibin-urban"), "li"),
        id,
        json!({"action": "draft_reply", "text": "已修复"}),
    );
    act(
        app,
        &leader_token("qibin-urban", "wang"),
        id,
        json!({"action": "leader_review", "approved": true}),
    );
    act(
        app,
        &token("bureau", None, "qc"),
        id,
        json!({"action": "qc_pass"}),
    );
}

#[test]
fn a_months_statistics_match_the_cases_worked_through_it() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-11-03T09:00:00+08:00");
    let bureau = token("bureau", None, "zhang.wei");
    let on_time = submit(&app, "九州路路灯已坏一周，请尽快维修。", "13612340001");
    let late = submit(&app, "淇滨大道路灯不亮十天了，请尽快维修。", "13612340002");
    let open = submit(&app, "华夏南路路灯闪烁，请派人检修。", "13612340003");
    let proposal = submit(
        &app,
        "法院判决不公，请撤销法院判决，重新审理。",
        "13612340004",
    );
    assert_eq!(proposal["status"], "screening");
    act(
        &app,
        &bureau,
        &proposal["case_id"],
        json!({"action": "confirm_rejection", "reason": "涉诉"}),
    );
    let repeat = submit(&app, "九州路路灯已坏一周，请尽快维修。", "13612340001");
    assert_eq!(repeat["status"], "rejected");
    // Five working days from 3 November: due 10 November.
    app.set_clock("2025-11-05T10:00:00+08:00");
    close(&app, &on_time["case_id"]);
    app.set_clock("2025-11-12T10:00:00+08:00");
    close(&app, &late["case_id"]);
    let _ = open;

    app.set_clock("2025-12-01T09:00:00+08:00");
    let month = "/api/stats?from=2025-11-01&to=2025-11-30";
    let report = app.get_as(&bureau, month).json();
    let r = &report["rows"][0];
    assert_eq!(r["group"], "410611000", "{report}");
    let n = |k: &str| r[k].as_i64().unwrap_or(-1);
    assert_eq!(
        (
            n("received"),
            n("duplicates"),
            n("accepted"),
            n("closed"),
            n("closed_on_time"),
            n("overdue")
        ),
        (4, 1, 3, 2, 1, 2),
        "{report}"
    );
    assert_eq!(r["rejected"]["3"], 1);
    assert_eq!(
        r["on_time_rate"],
        json!({"numerator": 1, "denominator": 2, "value": 0.5})
    );
    assert_eq!(
        r["satisfaction_rate"]["value"],
        Value::Null,
        "no follow-up call: no data"
    );
    assert_eq!(r["qc_first_pass_rate"]["value"], 1.0);
    // Received Monday 3 November, closed on the 5th (2 working days) and
    // the 12th (7): 4.5 on average.
    assert_eq!(
        r["working_days_to_close_avg"],
        json!({"numerator": 9, "denominator": 2, "value": 4.5})
    );
    // By week: the closings in the weeks they happened.
    let weeks = app
        .get_as(&bureau, &format!("{month}&group_by=week"))
        .json();
    let closed: Vec<(&str, i64)> = weeks["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|w| {
            (
                w["group"].as_str().unwrap_or(""),
                w["closed"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        closed,
        vec![
            ("2025-10-27", 0),
            ("2025-11-03", 1),
            ("2025-11-10", 1),
            ("2025-11-17", 0),
            ("2025-11-24", 0)
        ],
        "{weeks}"
    );
    // Per unit, and a unit's own row only.
    let units = app
        .get_as(&bureau, &format!("{month}&group_by=unit"))
        .json();
    assert_eq!(
        (
            units["rows"][0]["group"].as_str(),
            units["rows"][0]["received"].as_i64()
        ),
        (Some("qibin-urban"), Some(3))
    );
    // Half closed on time: below the county's 90 %, the unit needs attention.
    assert_eq!(
        units["attention"],
        json!([{"group": "qibin-urban", "reasons": ["low_on_time_rate"]}])
    );
    assert_eq!(units["ranking"], json!(["qibin-urban"]));
    let own = app
        .get_as(&token("unit", Some("qibin-urban"), "li"), month)
        .json();
    assert_eq!(own["rows"].as_array().map(Vec::len), Some(1));
    let other = app
        .get_as(&token("unit", Some("qibin-water"), "w"), month)
        .json();
    assert_eq!(other["rows"].as_array().map(Vec::len), Some(0));
    assert_eq!(app.get_as(&token("agent", None, "a"), month).status, 403);
    let bad = app.get_as(&bureau, "/api/stats?from=2025-11-30&to=2025-11-01");
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("to"))
    );
    let xml = app.get_as(&bureau, &format!("{month}&format=xml"));
    assert_eq!(
        (xml.status, xml.json()["field"].as_str()),
        (400, Some("format"))
    );
    // CSV that opens cleanly in Excel/WPS.
    let csv = app.get_as(&bureau, &format!("{month}&format=csv"));
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("\u{FEFF}分组,受理量,重复件"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("410611000,4,1,3,0,0,0,1,0,2,1,2,50.0%"),
        "{}",
        csv.body
    );
}
