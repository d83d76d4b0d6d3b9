//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every endpoint
//! (`openapi.json` beside this crate; a test checks it against the routes
//! in `spin.toml`).

use common::routes::{self, OPENAPI};
use common::{respond, Answer};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const DOCUMENT: &str = include_str!("../openapi.json");

#[http_component]
fn handle(req: Request) -> Response {
    respond(document(&req))
}

fn document(req: &Request) -> Answer {
    routes::endpoint(req, &[(OPENAPI, Method::Get, ())])?;
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(DOCUMENT)
        .build())
}
