//! One move on many cases (`POST /api/inbox/batch`): a unit signs for its
//! new cases at once (批量签收), the bureau sends returned cases on at once
//! (批量分办); each case is its own move with its own events, and one that
//! cannot move is refused alone.

use e2e::{json, query, token, App, Value};

fn submit(app: &App, content: &str, phone: &str) -> i64 {
    let body = json!({
        "channel": "hotline_web", "kind": "complaint", "title": "路灯不亮", "content": content,
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

fn batch(app: &App, who: &str, body: Value) -> e2e::Reply {
    app.post_as(who, "/api/inbox/batch", &body.to_string(), None)
}

fn events(state: &std::path::Path, id: i64, kind: &str) -> usize {
    query(
        state,
        &format!("SELECT id FROM case_events WHERE case_id = {id} AND type = '{kind}'"),
    )
    .len()
}

/// The moves of `action` recorded for case `id`.
fn moves(state: &std::path::Path, id: i64, action: &str) -> usize {
    query(
        state,
        &format!("SELECT id FROM case_events WHERE case_id = {id} AND action = '{action}'"),
    )
    .len()
}

#[test]
fn a_unit_signs_for_its_cases_at_once_and_a_stale_or_foreign_one_is_refused_alone() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    let bureau = token("bureau", None, "zhang.wei");
    let ids: Vec<i64> = (0..3)
        .map(|n| {
            submit(
                &app,
                &format!("九州路第{n}段路灯已坏一周，夜间出行不便，请尽快维修。"),
                &format!("1331234560{n}"),
            )
        })
        .collect();
    for id in &ids {
        let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
        assert_eq!(view["lead_unit"], "qibin-urban", "{view}");
    }
    let foreign = 999_999;
    let body = json!({"action": {"action": "accept_assignment"}, "cases": [
        {"case_id": ids[0], "if_match": etag(&app, &clerk, ids[0])},
        {"case_id": ids[1], "if_match": etag(&app, &clerk, ids[1])},
        {"case_id": ids[2], "if_match": "\"0\""},
        {"case_id": foreign, "if_match": "\"1\""},
    ]});
    let reply = batch(&app, &clerk, body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.json()["results"].clone();
    let seen: Vec<(i64, Value, Option<&str>)> = results
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["case_id"].as_i64().unwrap_or(0),
                r["status"].clone(),
                r["problem"]["code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (ids[0], json!("handling"), None),
            (ids[1], json!("handling"), None),
            (ids[2], json!("handling"), Some("stale_version")),
            (foreign, Value::Null, Some("case_not_found")),
        ],
        "{results}"
    );
    assert_eq!(results[2]["problem"]["status"], 412);
    // The new version is the ETag to send next.
    assert_eq!(
        format!("\"{}\"", results[0]["version"]),
        etag(&app, &clerk, ids[0])
    );
    // Each signed case has its own event, the refused one none.
    assert_eq!(
        ids.iter()
            .map(|id| events(state.path(), *id, "assignment_accepted"))
            .collect::<Vec<_>>(),
        vec![1, 1, 0]
    );

    // Again: the signed ones are signed already, the third now signs.
    let again = batch(
        &app,
        &clerk,
        json!({"action": {"action": "accept_assignment"}, "cases": ids.iter()
            .map(|id| json!({"case_id": id, "if_match": etag(&app, &clerk, *id)}))
            .collect::<Vec<_>>()}),
    );
    let codes: Vec<Option<String>> = again.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["problem"]["code"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        codes,
        vec![
            Some("invalid_transition".to_string()),
            Some("invalid_transition".to_string()),
            None
        ],
        "{}",
        again.body
    );

    // A batch that is not one is refused whole, naming the place.
    let bad = batch(
        &app,
        &clerk,
        json!({"action": {"action": "accept_assignment"},
               "cases": [{"case_id": ids[0], "if_match": "soon"}]}),
    );
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("cases[0].if_match"))
    );
    let anonymous = app.post_json(
        "/api/inbox/batch",
        &json!({"action": {"action": "accept_assignment"}, "cases": [{"case_id": ids[0], "if_match": "1"}]})
            .to_string(),
        &[],
    );
    assert_eq!(anonymous.status, 401);
}

#[test]
fn the_bureau_sends_two_returned_cases_on_to_another_unit_at_once() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    let bureau = token("bureau", None, "zhang.wei");
    let ids: Vec<i64> = (0..2)
        .map(|n| {
            submit(
                &app,
                &format!("华山路第{n}段路灯不亮，请尽快维修。"),
                &format!("1351234560{n}"),
            )
        })
        .collect();
    for id in &ids {
        let back = app.post_as(
            &clerk,
            &format!("/api/cases/{id}/actions"),
            &json!({"action": "return_misrouted", "reason": "路灯属供电公司维护"}).to_string(),
            Some(&etag(&app, &clerk, *id)),
        );
        assert_eq!(back.status, 200, "{}", back.body);
    }
    let returned = app.get_as(&bureau, "/api/inbox?queue=returned").json();
    let waiting: Vec<i64> = returned["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["case_id"].as_i64())
        .collect();
    assert!(ids.iter().all(|id| waiting.contains(id)), "{returned}");

    let routed_before: Vec<usize> = ids
        .iter()
        .map(|id| moves(state.path(), *id, "route"))
        .collect();
    let reply = batch(
        &app,
        &bureau,
        json!({"action": {"action": "route", "lead": "qibin-housing"}, "cases": ids.iter()
            .map(|id| json!({"case_id": id, "if_match": etag(&app, &bureau, *id)}))
            .collect::<Vec<_>>()}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.json()["results"].clone();
    for ((id, r), before) in ids
        .iter()
        .zip(results.as_array().expect("results"))
        .zip(&routed_before)
    {
        assert_eq!(
            (r["status"].as_str(), &r["problem"]),
            (Some("handling"), &Value::Null)
        );
        let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
        assert_eq!(view["lead_unit"], "qibin-housing");
        assert_eq!(
            moves(state.path(), *id, "route"),
            before + 1,
            "its own routing, once more: {:?}",
            query(
                state.path(),
                &format!("SELECT type, action FROM case_events WHERE case_id = {id} ORDER BY id")
            )
        );
    }
    let after = app.get_as(&bureau, "/api/inbox?queue=returned").json();
    assert!(after["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .all(|c| !ids.contains(&c["case_id"].as_i64().unwrap_or(0))));
    // A unit may not send cases on: each refused as the single move would be.
    // A unit may not send its cases on: each refused as the single move
    // would be, the case left where the bureau sent it.
    let housing = token("unit", Some("qibin-housing"), "zhao.clerk");
    let theirs = batch(
        &app,
        &housing,
        json!({"action": {"action": "reassign", "lead": "qibin-urban", "reason": "想转给城管"},
               "cases": [{"case_id": ids[0], "if_match": etag(&app, &housing, ids[0])}]}),
    );
    assert_eq!(theirs.status, 200);
    let refused = &theirs.json()["results"][0];
    assert_eq!(
        (
            refused["status"].as_str(),
            refused["problem"]["status"].as_i64(),
            refused["problem"]["code"].as_str()
        ),
        (Some("handling"), Some(403), Some("forbidden")),
        "{refused}"
    );
    assert_eq!(
        app.get_as(&bureau, &format!("/api/cases/{}", ids[0]))
            .json()["lead_unit"],
        "qibin-housing"
    );
}
