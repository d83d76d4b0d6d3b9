//! Handling to closure, end to end through the real wasm with the runner's
//! test clock: each channel on its own time limits (the online 1-5-15
//! across the National Day holiday, a hotline transfer's 10 working days),
//! a joint case with two co-units and an approved extension, the unit's
//! leader reviewing, the supervisor reading without acting, and the lists
//! of units that did not look.

use e2e::{json, leader_token, token, App, Reply, Value};

fn submit(app: &App, channel: &str, content: &str, phone: &str) -> i64 {
    let body = json!({"channel": channel, "kind": "complaint", "title": "路灯不亮",
        "content": content, "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["case_id"].as_i64().expect("id")
}

fn ok(reply: Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// The case's deadlines as (milestone, due, met, overdue, superseded).
fn deadlines(app: &App, id: i64) -> Vec<(String, String, bool, bool, bool)> {
    let bureau = token("bureau", None, "zhang.wei");
    let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    view["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .map(|d| {
            (
                d["milestone"].as_str().unwrap_or("").to_string(),
                d["due"].as_str().unwrap_or("").to_string(),
                d["met_at"].is_string(),
                d["overdue"].as_bool().unwrap_or(false),
                d["superseded"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn d(
    m: &str,
    due: &str,
    met: bool,
    overdue: bool,
    superseded: bool,
) -> (String, String, bool, bool, bool) {
    (m.into(), due.into(), met, overdue, superseded)
}

/// Draft, the leader's approval and the bureau's QC pass.
fn reply_and_pass(app: &App, id: i64, unit: &str) {
    let clerk = token("unit", Some(unit), "li.clerk");
    app.sign_for(&clerk, id);
    ok(app.act(
        &clerk,
        id,
        json!({"action": "draft_reply", "text": "已派人维修，路灯已恢复。"}),
    ));
    ok(app.act(
        &leader_token(unit, "wang.leader"),
        id,
        json!({"action": "leader_review", "approved": true}),
    ));
    ok(app.act(
        &token("bureau", None, "qc.zhou"),
        id,
        json!({"action": "qc_pass"}),
    ));
}

#[test]
fn an_online_case_received_before_national_day_is_contacted_in_1_and_investigated_in_5_or_15_working_days(
) {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-09-29T10:00:00+08:00");
    let id = submit(
        &app,
        "online_platform",
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13612345671",
    );
    // Contact by the next working day; five working days across the
    // holiday (1-8 October) and the make-up Saturday 11 October.
    assert_eq!(
        deadlines(&app, id),
        vec![
            d("contact", "2025-09-30", false, false, false),
            d("finish", "2025-10-13", false, false, false)
        ]
    );
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    app.set_clock("2025-09-30T09:30:00+08:00");
    app.sign_for(&clerk, id);
    ok(app.act(
        &clerk,
        id,
        json!({"action": "record_contact", "note": "电话联系赵先生，约定现场查看"}),
    ));
    // Complex: 5 working days to investigate, 15 to finish.
    let marked = ok(app.act(
        &clerk,
        id,
        json!({"action": "mark_complex", "reason": "需电力公司配合更换线路"}),
    ));
    assert_eq!(marked["article"], "Art. 6(一).1");
    assert_eq!(
        deadlines(&app, id),
        vec![
            d("contact", "2025-09-30", true, false, false),
            d("finish", "2025-10-13", false, false, true),
            d("investigate", "2025-10-13", false, false, false),
            d("finish", "2025-10-27", false, false, false)
        ]
    );
    let refused = app.act(
        &clerk,
        id,
        json!({"action": "mark_complex", "reason": "再次"}),
    );
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    // The investigation's result drafted and approved on its 5th working
    // day, released by QC the next: every milestone met in time.
    app.set_clock("2025-10-13T16:00:00+08:00");
    ok(app.act(
        &clerk,
        id,
        json!({"action": "draft_reply", "text": "已更换线路，路灯恢复。"}),
    ));
    ok(app.act(
        &leader_token("qibin-urban", "wang.leader"),
        id,
        json!({"action": "leader_review", "approved": true}),
    ));
    app.set_clock("2025-10-14T10:00:00+08:00");
    ok(app.act(
        &token("bureau", None, "qc.zhou"),
        id,
        json!({"action": "qc_pass"}),
    ));
    assert_eq!(
        deadlines(&app, id),
        vec![
            d("contact", "2025-09-30", true, false, false),
            d("finish", "2025-10-13", false, false, true),
            d("investigate", "2025-10-13", true, false, false),
            d("finish", "2025-10-27", true, false, false)
        ]
    );
}

#[test]
fn a_hotline_transfer_closed_on_its_tenth_working_day_is_on_time_and_on_its_eleventh_is_overdue_and_urged_once(
) {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-09-30T10:00:00+08:00");
    let on_time = submit(
        &app,
        "hotline_web",
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13612345672",
    );
    let late = submit(
        &app,
        "hotline_web",
        "淇滨大道路灯不亮已经十天，请尽快维修。",
        "13612345673",
    );
    assert_eq!(
        deadlines(&app, on_time),
        vec![d("finish", "2025-10-21", false, false, false)]
    );
    // The 10th working day, 16:00: on time.
    app.set_clock("2025-10-21T16:00:00+08:00");
    reply_and_pass(&app, on_time, "qibin-urban");
    assert_eq!(
        deadlines(&app, on_time),
        vec![d("finish", "2025-10-21", true, false, false)]
    );
    // The 11th: the scan urges the other once.
    app.set_clock("2025-10-22T09:00:00+08:00");
    let bureau = token("bureau", None, "zhang.wei");
    let scan = |app: &App| ok(app.post_as(&bureau, "/api/reminders/scan", "", None));
    assert_eq!(scan(&app)["urge_notices"], 1);
    assert_eq!(scan(&app)["urge_notices"], 0);
    reply_and_pass(&app, late, "qibin-urban");
    assert_eq!(
        deadlines(&app, late),
        vec![d("finish", "2025-10-21", true, true, false)]
    );
    let view = app.get_as(&bureau, &format!("/api/cases/{late}")).json();
    assert_eq!(view["status"], "closed");
    assert_eq!(view["urge_notices"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_joint_case_with_two_co_units_gets_an_extension_approved_by_a_named_city_leader() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-09-30T10:00:00+08:00");
    let id = submit(
        &app,
        "hotline_web",
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13612345674",
    );
    let bureau = token("bureau", None, "zhang.wei");
    ok(app.act(
        &bureau,
        id,
        json!({"action": "reassign", "lead": "qibin-housing",
        "co_units": ["qibin-urban", "qibin-environment"], "reason": "小区内路灯，物业牵头"}),
    ));
    // Joint handling: 15 working days.
    assert_eq!(
        deadlines(&app, id),
        vec![
            d("finish", "2025-10-21", false, false, true),
            d("finish", "2025-10-28", false, false, false)
        ]
    );
    for unit in ["qibin-urban", "qibin-environment"] {
        let co = token("unit", Some(unit), &format!("clerk.{unit}"));
        ok(app.act(
            &co,
            id,
            json!({"action": "co_unit_input", "text": "已配合现场核查"}),
        ));
    }
    let stranger = app.act(
        &token("unit", Some("qibin-water"), "x"),
        id,
        json!({"action": "co_unit_input", "text": "x"}),
    );
    assert_eq!(stranger.status, 403, "{}", stranger.body);

    let lead = token("unit", Some("qibin-housing"), "chen.clerk");
    app.sign_for(&lead, id);
    ok(app.act(
        &lead,
        id,
        json!({"action": "request_extension", "working_days": 5, "reason": "需协调供电部门"}),
    ));
    let unnamed = app.act(
        &bureau,
        id,
        json!({"action": "approve_extension", "working_days": 5}),
    );
    assert_eq!(
        (unnamed.status, unnamed.json()["field"].as_str()),
        (422, Some("city_leader")),
        "{}",
        unnamed.body
    );
    let approved = ok(app.act(
        &bureau,
        id,
        json!({"action": "approve_extension", "working_days": 5,
        "city_leader": "张副市长"}),
    ));
    assert_eq!(approved["events"][0]["approver"], "zhang.wei");
    assert_eq!(approved["events"][0]["city_leader"], "张副市长");
    assert_eq!(
        deadlines(&app, id).last(),
        Some(&d("finish", "2025-11-04", false, false, false))
    );

    // The clerk drafts; only the unit's leader approves the draft.
    ok(app.act(
        &lead,
        id,
        json!({"action": "draft_reply", "text": "已更换线路，路灯恢复。"}),
    ));
    let by_clerk = app.act(
        &lead,
        id,
        json!({"action": "leader_review", "approved": true}),
    );
    assert_eq!(by_clerk.status, 403, "{}", by_clerk.body);
    let reviewed = ok(app.act(
        &leader_token("qibin-housing", "liu.director"),
        id,
        json!({"action": "leader_review", "approved": true}),
    ));
    assert_eq!(reviewed["events"][0]["leader"], "liu.director");

    // The supervisor reads the QC queue and the case, changes nothing and
    // sees no personal data.
    let supervisor = token("supervisor", None, "sun.supervisor");
    let queue = ok(app.get_as(&supervisor, "/api/inbox?queue=qc"));
    assert_eq!(queue["cases"][0]["case_id"], id);
    let view = ok(app.get_as(&supervisor, &format!("/api/cases/{id}")));
    assert!(view.get("submitter").is_none(), "{view}");
    assert_eq!(view["allowed_actions"], json!([]));
    let refused = app.act(&supervisor, id, json!({"action": "qc_pass"}));
    assert_eq!(refused.status, 403, "{}", refused.body);
    ok(app.act(&bureau, id, json!({"action": "qc_pass"})));
}

#[test]
fn the_bureau_sees_which_units_did_not_open_their_inbox_on_a_working_day() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-09-30T10:00:00+08:00");
    // A case, so that the county's units are in the directory.
    submit(
        &app,
        "hotline_web",
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13612345675",
    );
    ok(app.get_as(
        &token("unit", Some("qibin-urban"), "li.clerk"),
        "/api/inbox",
    ));
    let bureau = token("bureau", None, "zhang.wei");
    let day = ok(app.get_as(&bureau, "/api/inbox?queue=unseen&date=2025-09-30"));
    assert_eq!(day["working_day"], true);
    let units: Vec<&str> = day["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["unit_id"].as_str())
        .collect();
    assert!(
        units.contains(&"qibin-housing") && !units.contains(&"qibin-urban"),
        "{units:?}"
    );
    let holiday = ok(app.get_as(&bureau, "/api/inbox?queue=unseen&date=2025-10-02"));
    assert_eq!(
        (
            holiday["working_day"].as_bool(),
            holiday["units"].as_array().map(Vec::len)
        ),
        (Some(false), Some(0))
    );
    let undated = app.get_as(&bureau, "/api/inbox?queue=unseen");
    assert_eq!(
        (undated.status, undated.json()["field"].as_str()),
        (400, Some("date"))
    );
    let follow_up = ok(app.get_as(&bureau, "/api/inbox?queue=follow_up"));
    assert_eq!(follow_up, json!({"cases": [], "next": null}));
}

#[test]
fn a_hall_suggestion_is_answered_with_whether_it_is_taken_up_and_the_citizen_sees_it() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-09-30T10:00:00+08:00");
    let agent = format!("Bearer {}", token("agent", None, "hall.1"));
    let body = json!({"channel": "service_hall", "kind": "suggestion", "form": "oral",
        "title": "增设路灯", "content": "建议在九州路北段增设路灯，请相关部门考虑。",
        "county": "410611000",
        "submitter": {"type": "individual", "name": "周九", "phone": "13712345676"}});
    let submitted = app.post_json(
        "/api/cases",
        &body.to_string(),
        &[("authorization", &agent)],
    );
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let submitted = submitted.json();
    let id = submitted["case_id"].as_i64().expect("id");
    let code = submitted["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();
    let bureau = token("bureau", None, "zhang.wei");
    if submitted["status"] == "accepted" {
        ok(app.act(
            &bureau,
            id,
            json!({"action": "route", "lead": "qibin-urban"}),
        ));
    }
    let lead = ok(app.get_as(&bureau, &format!("/api/cases/{id}")))["lead_unit"]
        .as_str()
        .expect("a unit")
        .to_string();
    let clerk = token("unit", Some(&lead), "li.clerk");
    app.sign_for(&clerk, id);
    let bare = app.act(
        &clerk,
        id,
        json!({"action": "draft_reply", "text": "感谢您的建议。"}),
    );
    assert_eq!(
        (bare.status, bare.json()["errors"][0]["field"].as_str()),
        (400, Some("adoption")),
        "{}",
        bare.body
    );
    let why_not = app.act(
        &clerk,
        id,
        json!({"action": "draft_reply", "text": "感谢您的建议。",
        "adoption": "partly_adopted"}),
    );
    assert_eq!(
        why_not.json()["errors"][0]["field"],
        "adoption_reason",
        "{}",
        why_not.body
    );
    ok(app.act(
        &clerk,
        id,
        json!({"action": "draft_reply", "text": "感谢您的建议，北段已列入明年计划。",
        "adoption": "partly_adopted", "adoption_reason": "南段已有路灯，北段明年实施"}),
    ));
    ok(app.act(
        &leader_token(&lead, "wang.leader"),
        id,
        json!({"action": "leader_review", "approved": true}),
    ));
    ok(app.act(&bureau, id, json!({"action": "qc_pass"})));
    let seen = ok(app.get(&format!("/api/cases/track/{code}?phone_last4=5676")));
    assert_eq!(seen["reply"]["adoption"], "partly_adopted", "{seen}");
    assert_eq!(
        seen["reply"]["adoption_reason"],
        "南段已有路灯，北段明年实施"
    );
}
