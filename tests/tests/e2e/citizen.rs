//! The citizen's side of the loop: the released reply in the tracking view,
//! a rating once per closure, and a review request that brings the case
//! back to its unit.

use e2e::{json, leader_token, token, App, Value};

fn act(app: &App, who: &str, id: i64, body: Value) {
    let tag = app
        .get_as(who, &format!("/api/cases/{id}"))
        .etag
        .expect("an ETag");
    let reply = app.post_as(
        who,
        &format!("/api/cases/{id}/actions"),
        &body.to_string(),
        Some(&tag),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn reply_and_pass(app: &App, id: i64, text: &str) {
    let clerk = token("unit", Some("qibin-urban"), "li.clerk");
    let bureau = token("bureau", None, "zhang.wei");
    app.sign_for(&clerk, id);
    act(
        app,
        &clerk,
        id,
        json!({"action": "draft_reply", "text": text}),
    );
    act(
        app,
        &leader_token("qibin-urban", "wang.juzhang"),
        id,
        json!({"action": "leader_review", "approved": true}),
    );
    act(app, &bureau, id, json!({"action": "qc_pass"}));
}

#[test]
fn the_citizen_sees_the_released_reply_rates_it_asks_for_review_and_rates_the_second_reply() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，夜间出行不便，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": "13712345674"}});
    let submitted = app.post_json("/api/cases", &body.to_string(), &[]).json();
    let id = submitted["case_id"].as_i64().expect("id");
    let code = submitted["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();
    let track = format!("/api/cases/track/{code}?phone_last4=5674");
    let feedback = format!("/api/cases/track/{code}/feedback");
    let rate = |body: Value| app.post_json(&feedback, &body.to_string(), &[]);

    assert_eq!(app.get(&track).json().get("reply"), None);
    let early = rate(json!({"phone_last4": "5674", "satisfaction": "satisfied"}));
    assert_eq!(
        (early.status, early.json()["code"].as_str()),
        (409, Some("not_closed"))
    );

    reply_and_pass(&app, id, "已更换灯泡");
    let seen = app.get(&track).json();
    assert_eq!(seen["status"], "closed");
    assert_eq!(seen["reply"]["text"], "已更换灯泡");
    assert!(seen["reply"]["released_at"].is_string(), "{seen}");

    let no_reason = rate(
        json!({"phone_last4": "5674", "satisfaction": "dissatisfied",
        "request_review": true}),
    );
    assert_eq!(
        (no_reason.status, no_reason.json()["field"].as_str()),
        (400, Some("reason"))
    );
    let wrong_phone = rate(json!({"phone_last4": "0000", "satisfaction": "satisfied"}));
    assert_eq!(wrong_phone.status, 404);

    let review = rate(
        json!({"phone_last4": "5674", "satisfaction": "dissatisfied",
        "request_review": true, "reason": "路灯仍然不亮"}),
    );
    assert_eq!(review.status, 200, "{}", review.body);
    assert_eq!(
        review.json(),
        json!({"status": "under_review", "satisfaction": "dissatisfied", "review_requested": true,
               "comment": "路灯仍然不亮"})
    );
    assert_eq!(app.get(&track).json()["status"], "under_review");

    // The bureau returns it to the unit, which replies again.
    let bureau = token("bureau", None, "zhang.wei");
    act(
        &app,
        &bureau,
        id,
        json!({"action": "return_on_review", "reason": "确未修复"}),
    );
    reply_and_pass(&app, id, "已更换线路，路灯恢复");
    assert_eq!(
        app.get(&track).json()["reply"]["text"],
        "已更换线路，路灯恢复"
    );
    let second = rate(
        json!({"phone_last4": "5674", "satisfaction": "satisfied", "comment": "修得很快，谢谢"}),
    );
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.json()["status"], "closed");
    // Both ratings, each with what the citizen said, in the case file…
    let file = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    let said: Vec<(i64, &str, &str, bool)> = file["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| {
            (
                r["closure"].as_i64().unwrap_or(0),
                r["satisfaction"].as_str().unwrap_or(""),
                r["comment"].as_str().unwrap_or(""),
                r["review_requested"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        said,
        vec![
            (1, "dissatisfied", "路灯仍然不亮", true),
            (2, "satisfied", "修得很快，谢谢", false)
        ]
    );
    // …and in the unit's statistics today: 1 of 2 satisfied (诉求人评价满意率),
    // apart from the follow-up calls, of which there were none.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let stats = app
        .get_as(
            &bureau,
            &format!("/api/stats?from={today}&to={today}&group_by=unit&unit=qibin-urban"),
        )
        .json();
    let row = &stats["rows"][0];
    assert_eq!(
        row["citizen_satisfaction_rate"],
        json!({"numerator": 1, "denominator": 2, "value": 0.5}),
        "{stats}"
    );
    assert_eq!(row["satisfaction_rate"]["denominator"], 0);
    let again = rate(json!({"phone_last4": "5674", "satisfaction": "satisfied"}));
    assert_eq!(
        (again.status, again.json()["code"].as_str()),
        (409, Some("already_rated"))
    );
}
