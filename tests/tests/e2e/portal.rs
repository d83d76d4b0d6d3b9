//! The portal is served by its component at `/`: the page and its files
//! embedded, each with its type, a policy that admits only this origin, and
//! an entity tag; what is neither a page nor a file is 404 (a problem
//! document under `/api/`), and the API's own routes stay the API's. The
//! pages themselves are tested in a real browser (`scripts/browser-test.sh`).

use e2e::App;

fn get(app: &App, path: &str, headers: &[(&str, &str)]) -> ureq::http::Response<ureq::Body> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.call().expect("the runner answers")
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_page_is_served_at_the_root_in_chinese_with_its_files_from_this_origin_only() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let mut page = get(&app, "/", &[]);
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    let html = page.body_mut().read_to_string().expect("html");
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains(r#"src="/assets/app.js""#));
    // Every file the page and its modules name is served with its type.
    for (path, kind) in [
        ("/assets/app.js", "text/javascript"),
        ("/assets/i18n.js", "text/javascript"),
        ("/assets/actions.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let file = get(&app, path, &[]);
        assert_eq!(file.status(), 200, "{path}");
        assert!(header(&file, "content-type").starts_with(kind), "{path}");
    }
}

#[test]
fn a_file_the_browser_has_is_not_sent_again() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let first = get(&app, "/assets/app.js", &[]);
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.len() == 18, "{etag}");
    let again = get(&app, "/assets/app.js", &[("if-none-match", &etag)]);
    assert_eq!(again.status(), 304);
    let other = get(&app, "/assets/app.css", &[("if-none-match", &etag)]);
    assert_eq!(other.status(), 200);
}

#[test]
fn what_is_neither_a_page_nor_a_file_is_not_found_and_the_api_keeps_its_routes() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    assert_eq!(app.get("/assets/nothing.js").status, 404);
    assert_eq!(app.get("/index.php").status, 404);
    let api = app.get("/api/nothing");
    assert_eq!(api.status, 404);
    assert_eq!(api.content_type, "application/problem+json");
    assert_eq!(app.post_json("/", "{}", &[]).status, 405);
    // The API's routes are more specific than the portal's.
    assert_eq!(app.get("/api/openapi.json").status, 200);
    assert_eq!(app.get("/api/calendar/days/2026-10-01").status, 200);
}

#[test]
fn the_submission_form_lists_the_demo_countys_counties_by_name() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let counties = app.get("/api/counties");
    assert_eq!(counties.status, 200);
    assert_eq!(
        counties.json()["counties"],
        serde_json::json!([
            {"code": "410611000", "name": "鹤壁市淇滨区"},
            {"code": "410621000", "name": "鹤壁市浚县"}
        ])
    );
}

#[test]
fn a_county_without_units_or_names_lists_no_county() {
    let state = tempfile::tempdir().expect("temp dir");
    let unseeded = e2e::Launch {
        echo: false,
        ..e2e::Launch::casework_unseeded()
    };
    let app = App::launch(&unseeded, state.path());
    let counties = app.get("/api/counties");
    assert_eq!(counties.status, 200);
    assert_eq!(counties.json(), serde_json::json!({"counties": []}));
}
