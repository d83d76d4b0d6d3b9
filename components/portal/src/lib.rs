//! The portal: one web page for citizens, agents, units, the bureau and
//! supervisors (`GET /`), its scripts and styles under `/assets/`, all
//! embedded in the component (`assets/` beside this crate: no file mounts,
//! no CDN — a county intranet has no internet). The page calls only the
//! public HTTP API; every path no other route claims comes here, and what
//! is not a page or an asset answers 404 (a problem document under `/api/`).

mod assets;

use assets::Asset;
use common::{respond, Answer, Problem};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    respond(serve(&req))
}

/// The page's policy: scripts, styles, images and API calls from this
/// origin only, never framed.
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn serve(req: &Request) -> Answer {
    let path = req.path();
    let Some(asset) = assets::find(path) else {
        return Err(Problem::not_found().boxed());
    };
    match req.method() {
        Method::Get | Method::Head => Ok(page(req, asset)),
        _ => Err(Problem::method_not_allowed("GET, HEAD").boxed()),
    }
}

fn page(req: &Request, asset: &Asset) -> Response {
    let etag = format!("\"{}\"", asset.etag);
    let fresh = common::request::header(req, "if-none-match")
        .split(',')
        .any(|tag| tag.trim() == etag);
    let builder = |status: u16| {
        let mut r = Response::builder();
        r.status(status)
            .header("content-type", asset.content_type)
            .header("cache-control", "no-cache")
            .header("etag", etag.as_str())
            .header("content-security-policy", CSP)
            .header("x-content-type-options", "nosniff")
            .header("referrer-policy", "no-referrer")
            .header("x-frame-options", "DENY");
        r
    };
    if fresh {
        return builder(304).build();
    }
    if req.method() == &Method::Head {
        return builder(200)
            .header("content-length", asset.body.len().to_string())
            .build();
    }
    builder(200).body(asset.body.to_vec()).build()
}
