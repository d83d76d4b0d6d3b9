//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every endpoint
//! (`openapi.json` beside this crate; a test checks it against the routes
//! in `spin.toml`).

use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const DOCUMENT: &str = include_str!("../openapi.json");

#[http_component]
fn handle(req: Request) -> Response {
    if *req.method() != Method::Get {
        return Response::builder()
            .status(405)
            .header("allow", "GET")
            .header("content-type", "application/problem+json")
            .body(r#"{"type":"https://casework.example/problems/method-not-allowed","title":"Method not allowed","status":405,"code":"method_not_allowed"}"#)
            .build();
    }
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(DOCUMENT)
        .build()
}
