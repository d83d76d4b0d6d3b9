//! Staff read cases with tokens; personal data is masked unless the bureau
//! or the handling unit asks for it with a purpose, which is audited.

use e2e::{json, query, token, token_with, App, DEV_TOKEN_KEY};

fn submit(app: &App) -> i64 {
    let body = json!({
        "channel": "hotline_web", "kind": "complaint", "title": "噪音扰民",
        "content": "某工地夜间施工噪音扰民，请尽快处理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "王五", "phone": "13712345678"}
    });
    let created = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(created.status, 201, "{}", created.body);
    created.json()["case_id"].as_i64().expect("case id")
}

#[test]
fn the_bureau_sees_personal_data_masked_and_in_the_clear_only_with_a_purpose_which_is_audited() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let id = submit(&app);
    let bureau = token("bureau", None, "zhang.wei");

    let masked = app.get_as(&bureau, &format!("/api/cases/{id}"));
    assert_eq!(masked.status, 200, "{}", masked.body);
    let v = masked.json();
    assert_eq!(v["submitter"]["name"], "王*");
    assert_eq!(v["submitter"]["phone"], "137****5678");
    assert_eq!(v["submitter_masked"], true);
    assert_eq!(v["title"], "噪音扰民");
    // Screened and routed: version 3, and the ETag says so.
    assert_eq!(v["version"], 3);
    assert_eq!(masked.etag.as_deref(), Some("\"3\""));
    assert!(query(state.path(), "SELECT * FROM personal_data_reads").is_empty());

    let no_purpose = app.get_as(&bureau, &format!("/api/cases/{id}?unmask=true"));
    assert_eq!(no_purpose.status, 400);
    assert_eq!(no_purpose.json()["field"], "purpose");

    let clear = app.get_as(
        &bureau,
        &format!("/api/cases/{id}?unmask=true&purpose=%E5%9B%9E%E8%AE%BF"),
    );
    assert_eq!(clear.status, 200, "{}", clear.body);
    assert_eq!(clear.json()["submitter"]["phone"], "13712345678");
    assert_eq!(clear.json()["submitter_masked"], false);
    let audit = query(
        state.path(),
        "SELECT case_id, actor_role, actor_subject, purpose FROM personal_data_reads",
    );
    assert_eq!(
        audit,
        vec![vec![
            id.to_string(),
            "bureau".into(),
            "zhang.wei".into(),
            "回访".into()
        ]]
    );
}

#[test]
fn a_unit_cannot_read_another_units_case_and_a_supervisor_never_sees_personal_data() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let id = submit(&app);

    // Not yet routed: no unit's case.
    let unit = token("unit", Some("qibin-urban"), "li.na");
    let denied = app.get_as(&unit, &format!("/api/cases/{id}"));
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(denied.json()["code"], "forbidden");

    let supervisor = token("supervisor", None, "zhao.lei");
    let seen = app.get_as(&supervisor, &format!("/api/cases/{id}"));
    assert_eq!(seen.status, 200);
    assert!(seen.json().get("submitter").is_none(), "{}", seen.body);
    assert!(
        !seen.body.contains("王") && !seen.body.contains("5678"),
        "{}",
        seen.body
    );
    assert_eq!(
        app.get_as(
            &supervisor,
            &format!("/api/cases/{id}?unmask=true&purpose=x")
        )
        .status,
        403
    );

    let agent = token("agent", None, "desk.1");
    assert_eq!(
        app.get_as(&agent, &format!("/api/cases/{id}")).json()["submitter"]["name"],
        "王*"
    );
    assert_eq!(
        app.get_as(&agent, &format!("/api/cases/{id}?unmask=true&purpose=x"))
            .status,
        403
    );
}

#[test]
fn a_missing_forged_or_expired_token_is_refused_with_401() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let id = submit(&app);
    let path = format!("/api/cases/{id}");

    let none = app.get(&path);
    assert_eq!(none.status, 401);
    assert_eq!(none.content_type, "application/problem+json");
    let forged = token_with("some other key", "bureau", None, "mallory", 3600);
    assert_eq!(app.get_as(&forged, &path).status, 401);
    let expired = token_with(DEV_TOKEN_KEY, "bureau", None, "zhang.wei", -3600);
    assert_eq!(app.get_as(&expired, &path).status, 401);
    let bad_role = token("citizen", None, "x");
    assert_eq!(app.get_as(&bad_role, &path).status, 401);

    let bureau = token("bureau", None, "zhang.wei");
    assert_eq!(app.get_as(&bureau, "/api/cases/999").status, 404);
    assert_eq!(app.get_as(&bureau, "/api/cases/abc").json()["field"], "id");
}
