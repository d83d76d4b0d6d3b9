//! Finding cases over HTTP: 工单查询 by a two-character word, by code and by
//! the caller's phone within the reader's access, CSV for the bureau, and
//! a caller's history for the agent on the line — each phone search on the
//! audit trail without the number.

use e2e::{json, query, token, App};

fn submit(app: &App, title: &str, content: &str, phone: &str) -> (i64, String) {
    let body = json!({
        "channel": "hotline_web", "kind": "complaint", "title": title, "content": content,
        "county": "410611000", "submitter": {"type": "individual", "name": "钱七", "phone": phone}
    });
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let v = reply.json();
    (
        v["case_id"].as_i64().expect("id"),
        v["tracking_code"].as_str().expect("code").to_string(),
    )
}

/// `text` as a query-string value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(v: &e2e::Value) -> Vec<i64> {
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["case_id"].as_i64().expect("id"))
        .collect()
}

#[test]
fn staff_find_cases_by_a_word_a_code_and_a_phone_within_their_access() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let (lamp, _) = submit(
        &app,
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
        "13312345601",
    );
    let (noise, noise_code) = submit(
        &app,
        "小区噪音",
        "小区物业管理混乱，夜间施工噪音扰民。",
        "13312345601",
    );
    let (water, _) = submit(
        &app,
        "停水",
        "淇滨大道停水两天，何时恢复供水？",
        "13312345602",
    );
    let bureau = token("bureau", None, "zhang.wei");
    let found = app.get_as(&bureau, &format!("/api/search/cases?q={}", enc("路灯")));
    assert_eq!(found.status, 200, "{}", found.body);
    let v = found.json();
    assert_eq!(ids(&v), vec![lamp]);
    assert_eq!(v["cases"][0]["lead_unit_name"], "淇滨区城市管理局");
    assert_eq!(v["cases"][0]["channel"], "hotline_web");
    assert!(v["next"].is_null());
    assert_eq!(
        ids(&app
            .get_as(&bureau, &format!("/api/search/cases?code={noise_code}"))
            .json()),
        vec![noise]
    );
    // Newest first; the number never in a result.
    let by_phone = app.get_as(&bureau, "/api/search/cases?phone=13312345601");
    assert_eq!(ids(&by_phone.json()), vec![noise, lamp]);
    assert!(!by_phone.body.contains("13312345601"), "{}", by_phone.body);
    assert_eq!(
        ids(&app
            .get_as(&bureau, "/api/search/cases?status=handling&limit=1")
            .json())
        .len(),
        1
    );
    // A unit finds its own cases only.
    let urban = token("unit", Some("qibin-urban"), "li.na");
    assert_eq!(
        ids(&app
            .get_as(&urban, &format!("/api/search/cases?q={}", enc("停水")))
            .json()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app.get_as(&urban, "/api/search/cases").json()),
        vec![lamp]
    );
    let _ = water;
    // One character is not a word; a bad phone is named.
    let short = app.get_as(&bureau, &format!("/api/search/cases?q={}", enc("路")));
    assert_eq!(short.status, 400, "{}", short.body);
    assert_eq!(short.json()["errors"][0]["field"], "q");
    let bad = app.get_as(&bureau, "/api/search/cases?phone=12");
    assert_eq!(
        (bad.status, bad.json()["errors"][0]["field"].as_str()),
        (400, Some("phone"))
    );
    // CSV for the bureau only.
    let csv = app.get_as(
        &bureau,
        &format!("/api/search/cases?format=csv&q={}", enc("噪音")),
    );
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("小区噪音,办理中"), "{}", csv.body);
    assert_eq!(
        app.get_as(&urban, "/api/search/cases?format=csv").status,
        403
    );
    // The phone search is on the trail: who, why, how many; no number.
    let trail = app
        .get_as(&bureau, "/api/audit?kind=personal_search")
        .json();
    let entry = &trail["entries"][0];
    assert_eq!(entry["subject"], "zhang.wei");
    assert_eq!(entry["what"], "工单查询：按来电号码查询，找到 2 件");
    let rows = query(state.path(), "SELECT * FROM personal_searches");
    assert!(!format!("{rows:?}").contains("2345601"), "{rows:?}");
}

#[test]
fn an_agent_sees_a_callers_open_cases_first_and_a_unit_may_not_look() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let (lamp, _) = submit(
        &app,
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
        "13312345603",
    );
    let (court, _) = submit(
        &app,
        "撤销判决",
        "法院判决不公，请撤销法院判决，重新审理。",
        "13312345603",
    );
    let agent = token("agent", None, "wang.fang");
    let h = app.get_as(&agent, "/api/callers/history?phone=133%201234%205603");
    assert_eq!(h.status, 200, "{}", h.body);
    let v = h.json();
    assert_eq!(v["phone_masked"], "133****5603");
    // Both open, newest first: the court case waits for the bureau's
    // decision on screening's proposal, the lamp is with its unit.
    assert_eq!(ids(&v), vec![court, lamp]);
    assert_eq!(v["open"], 2);
    assert_eq!(v["cases"][0]["status"], "screening");
    assert_eq!(v["cases"][1]["status"], "handling");
    assert_eq!(v["cases"][1]["lead_unit_name"], "淇滨区城市管理局");
    assert!(v["cases"][1]["next_due"].is_string());
    let none = app.get_as(&agent, "/api/callers/history");
    assert_eq!(
        (none.status, none.json()["errors"][0]["code"].as_str()),
        (400, Some("required"))
    );
    let unit = token("unit", Some("qibin-urban"), "li.na");
    assert_eq!(
        app.get_as(&unit, "/api/callers/history?phone=13312345603")
            .status,
        403
    );
    let trail = app
        .get_as(
            &token("bureau", None, "zhang.wei"),
            "/api/audit?kind=personal_search",
        )
        .json();
    assert_eq!(trail["entries"][0]["subject"], "wang.fang");
    assert_eq!(
        trail["entries"][0]["what"],
        "来电历史：按来电号码查询，找到 2 件"
    );
}
