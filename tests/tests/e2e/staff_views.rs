//! Staff read cases with tokens; personal data is masked unless the bureau
//! or the handling unit asks for it with a purpose, which is audited.

use e2e::{forger, json, query, signed, sso, token, token_with, App, TEST_ISSUER};

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
    // Only true or false, as the document says: anything else is no "no".
    let unclear = app.get_as(&bureau, &format!("/api/cases/{id}?unmask=yes"));
    assert_eq!(
        (unclear.status, unclear.json()["field"].as_str()),
        (400, Some("unmask"))
    );

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
fn a_missing_forged_expired_wrong_issuer_wrong_audience_overlong_or_hs256_token_is_refused_with_401(
) {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let id = submit(&app);
    let path = format!("/api/cases/{id}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let claims = |iss: &str, aud: &str, exp: i64| json!({"sub": "zhang.wei", "role": "bureau", "iss": iss, "aud": aud, "exp": exp});

    let none = app.get(&path);
    assert_eq!(none.status, 401);
    assert_eq!(none.content_type, "application/problem+json");
    let good = signed(&sso(), claims(TEST_ISSUER, "casework", now + 600));
    assert_eq!(
        app.get_as(&good, &path).status,
        200,
        "the control token works"
    );
    let refused = [
        (
            "forged",
            signed(&forger(), claims(TEST_ISSUER, "casework", now + 600)),
        ),
        (
            "expired",
            token_with(&sso(), "bureau", None, "zhang.wei", -3600),
        ),
        (
            "wrong issuer",
            signed(
                &sso(),
                claims("https://evil.example", "casework", now + 600),
            ),
        ),
        (
            "wrong audience",
            signed(&sso(), claims(TEST_ISSUER, "another-app", now + 600)),
        ),
        (
            "a year long",
            signed(&sso(), claims(TEST_ISSUER, "casework", now + 366 * 86_400)),
        ),
        (
            "not yet valid",
            signed(
                &sso(),
                json!({"sub": "zhang.wei", "role": "bureau",
            "iss": TEST_ISSUER, "aud": "casework", "exp": now + 3000, "nbf": now + 1800}),
            ),
        ),
        (
            "HS256 keyed with the public key",
            hs256(&claims(TEST_ISSUER, "casework", now + 600)),
        ),
    ];
    for (what, bad) in refused {
        let reply = app.get_as(&bad, &path);
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
        assert_eq!(reply.json()["code"], "unauthorized", "{what}");
    }
    let bad_role = token("citizen", None, "x");
    assert_eq!(app.get_as(&bad_role, &path).status, 401);

    let bureau = token("bureau", None, "zhang.wei");
    assert_eq!(app.get_as(&bureau, "/api/cases/999").status, 404);
    assert_eq!(app.get_as(&bureau, "/api/cases/abc").json()["field"], "id");
}

/// An HS256 token whose secret is the sign-on's public key, the classic
/// algorithm confusion.
fn hs256(claims: &e2e::Value) -> String {
    let jwks: e2e::Value = serde_json::from_str(&sso().jwks()).expect("jwks");
    let x = jwks["keys"][0]["x"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = jwks["keys"][0]["kid"].as_str().map(str::to_string);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(x.as_bytes()),
    )
    .expect("a token")
}
