//! Staff move cases over HTTP: overrides, joint handling, return and
//! reassignment, with optimistic concurrency.

use e2e::{json, leader_token, query, token, App, Value};

fn submit(app: &App, content: &str, phone: &str) -> i64 {
    let body = json!({
        "channel": "hotline_web", "kind": "complaint", "title": "反映问题", "content": content,
        "county": "410611000", "submitter": {"type": "individual", "name": "钱七", "phone": phone}
    });
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["case_id"].as_i64().expect("id")
}

fn etag(app: &App, who: &str, id: i64) -> String {
    app.get_as(who, &format!("/api/cases/{id}"))
        .etag
        .expect("an ETag")
}

fn act(app: &App, who: &str, id: i64, body: Value) -> e2e::Reply {
    let tag = etag(app, who, id);
    app.post_as(
        who,
        &format!("/api/cases/{id}/actions"),
        &body.to_string(),
        Some(&tag),
    )
}

#[test]
fn the_bureau_overrides_a_rejection_then_sends_the_case_for_joint_handling() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    // Rejected at once as a duplicate of the same submitter's open case,
    // though it is a new night of noise: the bureau takes it in.
    let text = "工地噪音扰民，邻居说要起诉，请先协调处理。";
    submit(&app, text, "13312345678");
    let id = submit(&app, text, "13312345678");
    assert_eq!(
        app.get_as(&bureau, &format!("/api/cases/{id}")).json()["status"],
        "rejected"
    );

    let accepted = act(
        &app,
        &bureau,
        id,
        json!({"action": "override_to_accept", "reason": "实为噪音投诉"}),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json()["status"], "accepted");
    assert_eq!(accepted.json()["article"], "Art. 4, Art. 5");

    let joint = act(
        &app,
        &bureau,
        id,
        json!({"action": "route", "lead": "qibin-environment", "co_units": ["qibin-urban", "qibin-housing"]}),
    );
    assert_eq!(joint.status, 200, "{}", joint.body);
    let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    assert_eq!(view["lead_unit"], "qibin-environment");
    assert_eq!(view["co_units"], json!(["qibin-housing", "qibin-urban"]));
    // Joint handling: 15 working days.
    let finish = query(
        state.path(),
        &format!("SELECT working_days FROM case_deadlines WHERE case_id = {id} AND active = 1"),
    );
    assert_eq!(finish, vec![vec!["15".to_string()]]);

    // A co-unit adds its input; a unit of another case may not.
    let co = token("unit", Some("qibin-urban"), "li.na");
    assert_eq!(
        act(
            &app,
            &co,
            id,
            json!({"action": "co_unit_input", "text": "已派人核查"})
        )
        .status,
        200
    );
    let stranger = token("unit", Some("qibin-water"), "sun.li");
    assert_eq!(
        app.post_as(
            &stranger,
            &format!("/api/cases/{id}/actions"),
            &json!({"action": "co_unit_input", "text": "x"}).to_string(),
            Some("\"1\"")
        )
        .status,
        403
    );
}

#[test]
fn a_unit_returns_a_misrouted_case_and_the_bureau_reassigns_it() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let id = submit(&app, "某路口路灯不亮已一周，请尽快维修。", "13312345679");
    assert_eq!(
        app.get_as(&bureau, &format!("/api/cases/{id}")).json()["lead_unit"],
        "qibin-urban"
    );

    let urban = token("unit", Some("qibin-urban"), "li.na");
    let back = act(
        &app,
        &urban,
        id,
        json!({"action": "return_misrouted", "reason": "路灯属供电公司维护"}),
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.json()["status"], "accepted");
    // It waits in the bureau's `returned` queue with the unit's reason,
    // not in triage.
    let returned = app.get_as(&bureau, "/api/inbox?queue=returned").json();
    assert_eq!(returned["cases"][0]["case_id"], id);
    assert_eq!(returned["cases"][0]["returned"]["unit"], "qibin-urban");
    assert_eq!(
        returned["cases"][0]["returned"]["unit_name"],
        "淇滨区城市管理局"
    );
    assert_eq!(
        returned["cases"][0]["returned"]["reason"],
        "路灯属供电公司维护"
    );
    let triage = app.get_as(&bureau, "/api/inbox?queue=triage").json();
    assert_eq!(triage["cases"], json!([]));

    let again = act(
        &app,
        &bureau,
        id,
        json!({"action": "route", "lead": "qibin-housing"}),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    let events = query(
        state.path(),
        &format!("SELECT type FROM case_events WHERE case_id = {id} ORDER BY id"),
    );
    let kinds: Vec<&str> = events.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        kinds,
        vec!["accepted", "routed", "returned_misrouted", "reassigned"]
    );
    // The unit it left no longer reads it; the queue is empty again.
    assert_eq!(app.get_as(&urban, &format!("/api/cases/{id}")).status, 403);
    let returned = app.get_as(&bureau, "/api/inbox?queue=returned").json();
    assert_eq!(returned["cases"], json!([]));
}

#[test]
fn a_stale_or_missing_if_match_is_refused_and_bad_actions_are_named() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let id = submit(&app, "某路口路灯不亮已一周，请尽快维修。", "13312345670");
    let path = format!("/api/cases/{id}/actions");
    let urge = json!({"action": "urge", "note": "请加快办理"}).to_string();

    let missing = app.post_as(&bureau, &path, &urge, None);
    assert_eq!(missing.status, 428);
    assert_eq!(missing.json()["field"], "If-Match");
    let stale = app.post_as(&bureau, &path, &urge, Some("\"1\""));
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(stale.json()["code"], "stale_version");
    let tag = etag(&app, &bureau, id);
    assert_eq!(app.post_as(&bureau, &path, &urge, Some(&tag)).status, 200);
    // The same ETag a second time is stale: the urge changed the case.
    assert_eq!(app.post_as(&bureau, &path, &urge, Some(&tag)).status, 412);

    let tag = etag(&app, &bureau, id);
    let unknown = app.post_as(
        &bureau,
        &path,
        &json!({"action": "fly"}).to_string(),
        Some(&tag),
    );
    assert_eq!(
        (unknown.status, unknown.json()["field"].as_str()),
        (400, Some("action"))
    );
    let wrong_type = app.post_as(
        &bureau,
        &path,
        &json!({"action": "request_extension", "working_days": "five", "reason": "r"}).to_string(),
        Some(&tag),
    );
    assert_eq!(
        (wrong_type.status, wrong_type.json()["field"].as_str()),
        (400, Some("working_days"))
    );
    let not_now = app.post_as(
        &bureau,
        &path,
        &json!({"action": "qc_pass"}).to_string(),
        Some(&tag),
    );
    assert_eq!(
        (not_now.status, not_now.json()["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    let no_unit = app.post_as(
        &bureau,
        &path,
        &json!({"action": "reassign", "lead": "nowhere", "reason": "r"}).to_string(),
        Some(&tag),
    );
    assert_eq!(
        (no_unit.status, no_unit.json()["code"].as_str()),
        (422, Some("unknown_unit"))
    );
    let malformed = app.post_as(&bureau, &path, "{\"action\": ", Some(&tag));
    assert_eq!(
        (malformed.status, malformed.json()["code"].as_str()),
        (400, Some("malformed_json"))
    );
}

#[test]
fn an_oversize_body_is_refused_and_nothing_is_stored() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    submit(&app, "某路口路灯不亮已一周，请尽快维修。", "13312345672");
    let huge = json!({"channel": "online_platform", "kind": "complaint", "title": "x",
        "content": "字".repeat(30_000), "county": "410611000",
        "submitter": {"type": "individual", "name": "钱七", "phone": "13312345671"}});
    let reply = app.post_json("/api/cases", &huge.to_string(), &[]);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.json()["code"], "body_too_large");
    let wrong = app.post_json("/api/cases", &json!({"channel": 5}).to_string(), &[]);
    assert_eq!(
        (wrong.status, wrong.json()["field"].as_str()),
        (400, Some("channel"))
    );
    assert_eq!(
        query(state.path(), "SELECT COUNT(*) FROM cases"),
        vec![vec!["1".to_string()]]
    );
}

#[test]
fn the_case_view_shows_deadlines_history_reply_and_both_qc_rounds_with_who_did_what() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    let leader = leader_token("qibin-urban", "wang.juzhang");
    let id = submit(
        &app,
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13312345679",
    );
    let path = format!("/api/cases/{id}");
    let before = app.get_as(&clerk, &path).json();
    assert_eq!(before["lead_unit"], "qibin-urban", "{before}");
    assert_eq!(
        before["allowed_actions"],
        json!([
            "accept_assignment",
            "return_misrouted",
            "refer_misconduct_clue",
            "explain_delay"
        ])
    );
    // Signed for once: 签收 leaves the list, the work opens.
    app.sign_for(&clerk, id);
    let signed = app.get_as(&clerk, &path).json();
    assert_eq!(
        signed["allowed_actions"],
        json!([
            "return_misrouted",
            "request_extension",
            "record_contact",
            "mark_complex",
            "interim_reply",
            "refer_misconduct_clue",
            "explain_delay",
            "draft_reply"
        ])
    );
    assert_eq!(before["reply"], Value::Null);
    assert_eq!(before["rejection"], Value::Null);
    // A hotline web case is a transfer: one finish deadline, running.
    assert_eq!(before["deadlines"].as_array().map(Vec::len), Some(1));
    assert_eq!(before["deadlines"][0]["milestone"], "finish");
    assert_eq!(before["deadlines"][0]["superseded"], false);

    let steps = [
        (
            &clerk,
            json!({"action": "draft_reply", "text": "已安排维修"}),
        ),
        (
            &leader,
            json!({"action": "leader_review", "approved": true}),
        ),
        (
            &bureau,
            json!({"action": "qc_fail", "reasons": "未写明维修时间"}),
        ),
        (
            &clerk,
            json!({"action": "draft_reply", "text": "已于本周五修复"}),
        ),
        (
            &leader,
            json!({"action": "leader_review", "approved": true}),
        ),
        (&bureau, json!({"action": "qc_pass"})),
    ];
    for (who, body) in steps {
        let reply = act(&app, who, id, body);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    let view = app.get_as(&bureau, &path).json();
    assert_eq!(view["status"], "closed");
    assert_eq!(view["reply"]["round"], 2);
    assert_eq!(view["reply"]["text"], "已于本周五修复");
    assert_eq!(view["reply"]["leader_review"]["leader"], "wang.juzhang");
    assert!(view["reply"]["released_at"].is_string(), "{view}");
    let rounds: Vec<(u64, bool)> = view["qc_rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| (r["round"].as_u64().unwrap_or(0), r["passed"] == true))
        .collect();
    assert_eq!(rounds, vec![(1, false), (2, true)]);
    assert_eq!(view["qc_rounds"][0]["reasons"], "未写明维修时间");
    // The first finish deadline was superseded by the redo limit, which the
    // passed check met.
    let deadlines = view["deadlines"].as_array().expect("deadlines");
    assert_eq!(deadlines.len(), 2);
    assert_eq!(deadlines[0]["superseded"], true);
    assert_eq!(
        (&deadlines[1]["superseded"], &deadlines[1]["overdue"]),
        (&json!(false), &json!(false))
    );
    assert!(deadlines[1]["met_at"].is_string());
    let who_did = |event: &str| {
        view["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["event"] == event)
            .map(|e| {
                (
                    e["actor"]["subject"].as_str().unwrap_or("").to_string(),
                    e["action"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        who_did("qc_failed"),
        vec![("zhang.wei".to_string(), "qc_fail".to_string())]
    );
    assert_eq!(who_did("reply_drafted").len(), 2);
    assert_eq!(who_did("reply_drafted")[0].0, "li.clerk");
    assert_eq!(who_did("accepted")[0].0, "stage:screening");
    assert_eq!(
        view["allowed_actions"],
        json!(["follow_up", "request_review"])
    );
}

#[test]
fn a_unit_works_from_its_inbox_and_the_bureau_from_its_queues() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    let bureau = token("bureau", None, "zhang.wei");
    let lamps: Vec<i64> = (0..3)
        .map(|i| {
            submit(
                &app,
                "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
                &format!("1331234500{i}"),
            )
        })
        .collect();
    let unclear = submit(&app, "请问这个问题应该找哪个部门解决？", "13312345009");

    let page = app.get_as(&clerk, "/api/inbox?limit=2").json();
    let ids = |page: &Value| -> Vec<i64> {
        page["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["case_id"].as_i64())
            .collect()
    };
    assert_eq!(ids(&page), lamps[..2].to_vec(), "{page}");
    assert_eq!(page["cases"][0]["lead_unit"], "qibin-urban");
    assert_eq!(page["cases"][0]["overdue"], false);
    assert!(page["cases"][0]["next_due"].is_string());
    let next = page["next"].as_str().expect("a next page");
    let rest = app
        .get_as(&clerk, &format!("/api/inbox?limit=2&cursor={next}"))
        .json();
    assert_eq!((ids(&rest), &rest["next"]), (vec![lamps[2]], &Value::Null));
    // Opening the inbox is the unit's daily look.
    assert_eq!(
        query(
            state.path(),
            "SELECT COUNT(*) FROM unit_inbox_views WHERE unit_id = 'qibin-urban'"
        ),
        vec![vec!["1".to_string()]]
    );

    let triage = app.get_as(&bureau, "/api/inbox?queue=triage").json();
    assert_eq!(ids(&triage), vec![unclear]);
    let supervisor = token("supervisor", None, "sun.supervisor");
    assert_eq!(
        app.get_as(&supervisor, "/api/inbox").json()["cases"][0]["case_id"],
        unclear
    );

    let bad = app.get_as(&bureau, "/api/inbox?limit=500&queue=nope");
    assert_eq!(bad.status, 400);
    let problem = bad.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["limit", "queue"]);
    let unit_queue = app.get_as(&clerk, "/api/inbox?queue=qc");
    assert_eq!(
        (unit_queue.status, unit_queue.json()["field"].as_str()),
        (400, Some("queue"))
    );
    assert_eq!(
        app.get_as(&token("agent", None, "wang.agent"), "/api/inbox")
            .status,
        403
    );
    assert_eq!(app.get("/api/inbox").status, 401);
}

#[test]
fn a_unit_signs_once_tells_the_citizen_where_it_stands_and_a_further_call_is_added_to_the_case() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let id = submit(
        &app,
        "九州路路灯已坏一周，夜间出行不便，请尽快维修。",
        "13312345671",
    );
    let clerk = token("unit", Some("qibin-urban"), "li.na");
    // Nothing before signing for it (the county's default).
    let early = act(
        &app,
        &clerk,
        id,
        json!({"action": "interim_reply", "text": "正在核实"}),
    );
    assert_eq!(
        (early.status, early.json()["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    assert_eq!(
        act(&app, &clerk, id, json!({"action": "accept_assignment"})).status,
        200
    );
    let twice = act(&app, &clerk, id, json!({"action": "accept_assignment"}));
    assert_eq!(twice.status, 409, "{}", twice.body);
    let told = act(
        &app,
        &clerk,
        id,
        json!({"action": "interim_reply", "text": "已联系供电公司，预计三日内修复。"}),
    );
    assert_eq!(told.status, 200, "{}", told.body);
    // A further call from the same citizen, added by the agent.
    let bureau = token("bureau", None, "zhang.wei");
    let before = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    let agent = token("agent", None, "wang.fang");
    let added = act(
        &app,
        &agent,
        id,
        json!({"action": "add_to_case", "text": "市民再次来电：路灯仍未修好，另一盏也坏了。"}),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    let view = app.get_as(&clerk, &format!("/api/cases/{id}")).json();
    let last = view["events"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .expect("an event");
    assert_eq!(last["event"], "call_added");
    assert_eq!(
        last["details"]["text"],
        "市民再次来电：路灯仍未修好，另一盏也坏了。"
    );
    assert_eq!(last["actor"]["subject"], "wang.fang");
    assert_eq!(
        view["deadlines"], before["deadlines"],
        "the deadline is unchanged"
    );
    // Tracking: the unit by name, the deadline, the interim reply.
    let code: String = query(
        state.path(),
        &format!("SELECT tracking_code FROM cases WHERE id = {id}"),
    )[0][0]
        .clone();
    let tracked = app
        .get(&format!("/api/cases/track/{code}?phone_last4=5671"))
        .json();
    assert_eq!(tracked["handling_unit"], "淇滨区城市管理局");
    assert!(tracked["due"].is_string(), "{tracked}");
    assert_eq!(
        tracked["interim_replies"][0]["text"],
        "已联系供电公司，预计三日内修复。"
    );
    // A unit may not add a call.
    assert_eq!(
        act(
            &app,
            &clerk,
            id,
            json!({"action": "add_to_case", "text": "x"})
        )
        .status,
        403
    );
}
