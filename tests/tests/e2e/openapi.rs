//! The OpenAPI document covers every public API and sign-in route of
//! `spin.toml`, and
//! nothing else; its actions are the staff actions, each with the fields
//! the server requires.

use std::collections::BTreeSet;

use e2e::App;

fn manifest_routes() -> BTreeSet<String> {
    let text = std::fs::read_to_string(e2e::repo_root().join("spin.toml")).expect("manifest");
    let manifest: toml::Table = toml::from_str(&text).expect("toml");
    manifest["trigger"]["http"]
        .as_array()
        .expect("http triggers")
        .iter()
        .filter_map(|t| t.get("route").and_then(|r| r.as_str()))
        // The API is under /api/ and sign-in under /auth/; the portal's
        // pages are not part of it.
        .filter(|r| r.starts_with("/api/") || r.starts_with("/auth/"))
        .map(|r| {
            r.split('/')
                .map(|seg| match seg.strip_prefix(':') {
                    Some(name) => format!("{{{name}}}"),
                    None => seg.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[test]
fn the_openapi_document_covers_every_route_and_only_those() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let reply = app.get("/api/openapi.json");
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    assert_eq!(documented, manifest_routes());
    // Every operation says what it answers, errors included.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
        }
    }
}

#[test]
fn the_documented_actions_are_the_staff_actions_each_with_its_required_fields() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let doc = app.get("/api/openapi.json").json();
    let variants = doc["components"]["schemas"]["Action"]["oneOf"]
        .as_array()
        .expect("one variant per action")
        .clone();
    let documented: BTreeSet<String> = variants
        .iter()
        .map(|v| {
            v["properties"]["action"]["const"]
                .as_str()
                .expect("const")
                .to_string()
        })
        .collect();
    let staff: BTreeSet<String> = shared::lifecycle::moves::staff_actions()
        .map(|a| a.as_str().to_string())
        .collect();
    assert_eq!(documented, staff);
    // A variant's required fields are what the server asks for: a body with
    // only the action names each of them missing.
    let bureau = e2e::token("bureau", None, "openapi-test");
    let body = serde_json::json!({
        "channel": "hotline_web", "kind": "complaint", "title": "路灯不亮", "content": "九州路路灯不亮。",
        "county": "410611000", "submitter": {"type": "individual", "name": "钱七", "phone": "13812340077"}
    });
    let submitted = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let case = submitted.json()["case_id"].as_i64().expect("case id");
    for v in &variants {
        let action = v["properties"]["action"]["const"].as_str().expect("const");
        let required: BTreeSet<&str> = v["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(|f| f.as_str())
            .filter(|f| *f != "action")
            .collect();
        if required.is_empty() {
            continue;
        }
        let reply = app.act(&bureau, case, serde_json::json!({ "action": action }));
        assert_eq!(reply.status, 400, "{action}: {}", reply.body);
        let named: BTreeSet<String> = reply.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_string))
            .collect();
        assert_eq!(
            named,
            required
                .iter()
                .map(|f| f.to_string())
                .collect::<BTreeSet<_>>(),
            "{action}"
        );
    }
}
