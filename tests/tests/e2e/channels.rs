//! Intake on every channel of Art. 2: who may submit, the hall's opening
//! hours (on the official calendar), answers at once, and the public rate.

use e2e::{json, query, token, App, Value};

fn body(channel: &str, extra: Value) -> String {
    let mut v = json!({
        "channel": channel, "kind": "consultation", "title": "社保卡补办",
        "content": "请问社保卡丢失后在哪里补办？需要带什么材料？", "county": "410611000",
        "submitter": {"type": "individual", "name": "孙八", "phone": "13212345678"}
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in e {
            o.insert(k.clone(), val.clone());
        }
    }
    v.to_string()
}

#[test]
fn public_channels_take_cases_from_anyone_and_agent_channels_need_an_agent() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-11-28T10:00:00+08:00");
    for channel in ["online_platform", "hotline_web"] {
        let reply = app.post_json("/api/cases", &body(channel, json!({})), &[]);
        assert_eq!(reply.status, 201, "{channel}: {}", reply.body);
        assert_eq!(
            reply.json()["received_at"].as_str().map(|s| &s[..10]),
            Some("2025-11-28")
        );
    }
    let anonymous = app.post_json("/api/cases", &body("hotline_phone", json!({})), &[]);
    assert_eq!(anonymous.status, 401);
    let unit = token("unit", Some("qibin-hr"), "li.na");
    let by_unit = app.post_json(
        "/api/cases",
        &body("hotline_phone", json!({})),
        &[("authorization", &format!("Bearer {unit}"))],
    );
    assert_eq!(by_unit.status, 403);
    let agent = token("agent", None, "desk.1");
    let by_agent = app.post_json(
        "/api/cases",
        &body("hotline_phone", json!({})),
        &[("authorization", &format!("Bearer {agent}"))],
    );
    assert_eq!(by_agent.status, 201, "{}", by_agent.body);
}

#[test]
fn the_hall_takes_cases_only_in_its_opening_hours_on_working_days() {
    let (app, state) = App::with_test_clock();
    let agent = token("agent", None, "hall.1");
    let auth = format!("Bearer {agent}");
    let hall = |form: &str| {
        body(
            "service_hall",
            json!({"form": form, "kind": "complaint", "content": "窗口办理营业执照变更时工作人员态度差，请处理。"}),
        )
    };

    app.set_clock("2025-11-28T10:00:00+08:00"); // Friday
    let open = app.post_json("/api/cases", &hall("written"), &[("authorization", &auth)]);
    assert_eq!(open.status, 201, "{}", open.body);

    app.set_clock("2025-11-29T10:00:00+08:00"); // Saturday
    let closed = app.post_json("/api/cases", &hall("oral"), &[("authorization", &auth)]);
    assert_eq!(closed.status, 422, "{}", closed.body);
    assert_eq!(closed.json()["code"], "hall_closed");

    app.set_clock("2025-10-08T10:00:00+08:00"); // National Day holiday
    assert_eq!(
        app.post_json("/api/cases", &hall("oral"), &[("authorization", &auth)])
            .status,
        422
    );

    app.set_clock("2026-02-14T10:00:00+08:00"); // make-up Saturday: a working day
    assert_eq!(
        app.post_json("/api/cases", &hall("oral"), &[("authorization", &auth)])
            .status,
        201
    );

    app.set_clock("2025-11-28T12:30:00+08:00"); // lunch break
    assert_eq!(
        app.post_json("/api/cases", &hall("oral"), &[("authorization", &auth)])
            .status,
        422
    );

    let forms = query(state.path(), "SELECT hall_form FROM cases ORDER BY id");
    assert_eq!(
        forms,
        vec![vec!["written".to_string()], vec!["oral".to_string()]]
    );
    let no_form = app.post_json(
        "/api/cases",
        &body("service_hall", json!({})),
        &[("authorization", &auth)],
    );
    assert_eq!(
        (no_form.status, no_form.json()["field"].as_str()),
        (400, Some("form"))
    );
}

#[test]
fn an_agent_answers_at_once_or_transfers_directly_and_the_case_closes() {
    let (app, state) = App::with_test_clock();
    app.set_clock("2025-11-28T10:00:00+08:00");
    let agent = token("agent", None, "desk.2");
    let auth = format!("Bearer {agent}");
    let immediate = app.post_json(
        "/api/cases",
        &body(
            "hotline_phone",
            json!({"mode": "immediate", "answer": "已告知到区政务服务中心社保窗口补办"}),
        ),
        &[("authorization", &auth)],
    );
    assert_eq!(immediate.status, 201, "{}", immediate.body);
    assert_eq!(immediate.json()["status"], "closed");
    // The citizen sees the answer given on the call when tracking.
    let code = immediate.json()["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();
    let tracked = app
        .get(&format!("/api/cases/track/{code}?phone_last4=5678"))
        .json();
    assert_eq!(
        tracked["immediate_answer"],
        "已告知到区政务服务中心社保窗口补办"
    );

    let direct = app.post_json(
        "/api/cases",
        &body(
            "hotline_phone",
            json!({"mode": "direct", "unit": "qibin-hr", "answer": "人社局三方通话答复"}),
        ),
        &[("authorization", &auth)],
    );
    assert_eq!(direct.status, 201, "{}", direct.body);
    assert_eq!(direct.json()["status"], "closed");
    let id = direct.json()["case_id"].as_i64().expect("id");
    let lead = query(
        state.path(),
        &format!("SELECT lead_unit, closed_at IS NOT NULL FROM cases WHERE id = {id}"),
    );
    assert_eq!(lead, vec![vec!["qibin-hr".to_string(), "1".into()]]);

    // Only the agent who gave the answer records it; the unit must exist.
    let bureau = format!("Bearer {}", token("bureau", None, "zhang.wei"));
    let by_bureau = app.post_json(
        "/api/cases",
        &body("hotline_phone", json!({"mode": "immediate", "answer": "x"})),
        &[("authorization", &bureau)],
    );
    assert_eq!(by_bureau.status, 403);
    let nowhere = app.post_json(
        "/api/cases",
        &body(
            "hotline_phone",
            json!({"mode": "direct", "unit": "nowhere", "answer": "x"}),
        ),
        &[("authorization", &auth)],
    );
    assert_eq!(
        (nowhere.status, nowhere.json()["field"].as_str()),
        (422, Some("unit"))
    );

    // A mode without the agent's token is refused.
    let anonymous = app.post_json(
        "/api/cases",
        &body("hotline_web", json!({"mode": "immediate", "answer": "x"})),
        &[],
    );
    assert_eq!(anonymous.status, 401);
}

#[test]
fn the_public_channels_take_at_most_so_many_cases_a_minute_from_one_address() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2025-11-28T10:00:00+08:00");
    for i in 0..20 {
        let reply = app.post_json(
            "/api/cases",
            &body("online_platform", json!({"title": format!("咨询{i}")})),
            &[],
        );
        assert_eq!(reply.status, 201, "submission {i}: {}", reply.body);
    }
    let limited = app.post_json("/api/cases", &body("online_platform", json!({})), &[]);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], "too_many_requests");
    // The next minute is a new count.
    app.set_clock("2025-11-28T10:01:00+08:00");
    assert_eq!(
        app.post_json("/api/cases", &body("online_platform", json!({})), &[])
            .status,
        201
    );
}
