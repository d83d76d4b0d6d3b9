//! The OpenAPI document covers every public route of `spin.toml`, and
//! nothing else.

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
