//! The loopback-only control routes: `up --test-clock` sets the clock the
//! guests see, `up --test-disk` holds fsyncs back. Each answers a status and
//! a short text, which the HTTP trigger sends as plain text.

use std::net::SocketAddr;

use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use super::clock::TestClock;

/// The test clock's route (served only with `--test-clock`).
pub const CLOCK_PATH: &str = "/.well-known/runner/test-clock";

/// The test disk's route (served only with `--test-disk`).
pub const DISK_PATH: &str = "/.well-known/runner/test-disk";

/// The most a control request's body may hold.
const BODY_LIMIT: usize = 256;

type Answer = (StatusCode, String);

fn answer(status: StatusCode, text: &str) -> Answer {
    (status, text.to_string())
}

/// A control route answers clients on this machine only.
fn loopback_only(client: SocketAddr, refusal: &str) -> Option<Answer> {
    (!client.ip().is_loopback()).then(|| answer(StatusCode::FORBIDDEN, refusal))
}

/// The body, at most [`BODY_LIMIT`] bytes.
async fn body(req: Request<Incoming>) -> Result<bytes::Bytes, Answer> {
    match Limited::new(req.into_body(), BODY_LIMIT).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(answer(StatusCode::PAYLOAD_TOO_LARGE, "too long"))
        }
        Err(_) => Err(answer(StatusCode::BAD_REQUEST, "cannot read the body")),
    }
}

/// `GET` reads, `PUT` sets (RFC 3339 or Unix seconds), `DELETE` resets the
/// test clock; the answer is the clock's time in Unix seconds.
pub async fn clock(clock: &TestClock, req: Request<Incoming>, client: SocketAddr) -> Answer {
    if let Some(refused) = loopback_only(client, "the test clock is controlled from loopback only")
    {
        return refused;
    }
    match *req.method() {
        Method::GET => {}
        Method::PUT | Method::POST => {
            let body = match body(req).await {
                Ok(body) => body,
                Err(refused) => return refused,
            };
            match TestClock::parse(&String::from_utf8_lossy(&body)) {
                Some(nanos) => clock.set_unix_nanos(nanos),
                None => {
                    return answer(
                        StatusCode::BAD_REQUEST,
                        "give an RFC 3339 time or Unix seconds",
                    )
                }
            }
        }
        Method::DELETE => clock.reset(),
        _ => return answer(StatusCode::METHOD_NOT_ALLOWED, "GET, PUT or DELETE"),
    }
    (StatusCode::OK, clock.now_unix_secs().to_string())
}

/// `PUT pause` holds every fsync back (commits still happen; their answers
/// wait), `PUT resume` lets them run.
pub async fn disk(
    durability: &group_commit::Durability,
    req: Request<Incoming>,
    client: SocketAddr,
) -> Answer {
    if let Some(refused) = loopback_only(client, "the test disk is controlled from loopback only") {
        return refused;
    }
    if *req.method() != Method::PUT {
        return answer(StatusCode::METHOD_NOT_ALLOWED, "PUT pause or resume");
    }
    let body = match body(req).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    match body.as_ref() {
        b"pause" => durability.pause(),
        b"resume" => durability.resume(),
        _ => return answer(StatusCode::BAD_REQUEST, "PUT pause or resume"),
    }
    answer(StatusCode::OK, "ok")
}
