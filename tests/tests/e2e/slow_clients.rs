//! Slow and many clients cannot take the service from the others: 300
//! connections that send headers and a few bytes of a body, then wait,
//! leave ordinary requests answering 200 (bodies are read before they take
//! an instance), and are themselves cut off with 408; a client over its
//! connection cap is answered 503 and closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use e2e::{App, Launch};

fn address(app: &App) -> String {
    app.base
        .strip_prefix("http://")
        .expect("an http base")
        .to_string()
}

fn launch(args: &[&str]) -> (App, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut launch = Launch {
        echo: false,
        ..Launch::casework()
    };
    for a in args {
        launch = launch.arg(a);
    }
    (App::launch(&launch, state.path()), state)
}

/// A connection that sends a POST's headers and the first bytes of its
/// body, then waits.
fn stalled_post(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connects");
    let head = format!(
        "POST /api/cases HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"chan"
    );
    s.write_all(head.as_bytes()).expect("sends");
    s
}

#[test]
fn three_hundred_stalled_bodies_leave_ordinary_requests_answering_200_and_are_cut_off_with_408() {
    let (app, _state) = launch(&["--max-connections-per-client", "400"]);
    let addr = address(&app);
    let stalled: Vec<TcpStream> = (0..300).map(|_| stalled_post(&addr)).collect();
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..20 {
        let reply = app.get("/api/calendar/days/2026-10-08");
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let submitted = app.post_json(
        "/api/cases",
        &e2e::json!({"channel": "online_platform", "kind": "consultation", "title": "办事指南",
            "content": "请问居住证怎么办理？", "county": "410611000",
            "submitter": {"type": "individual", "name": "周八", "phone": "13812345600"}})
        .to_string(),
        &[],
    );
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    // Each stalled body is cut off once it is too slow, none gets an instance.
    let mut first = stalled.into_iter().next().expect("a connection");
    first
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = first.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn a_client_over_its_connection_cap_is_answered_503_and_closed() {
    let (app, _state) = launch(&["--max-connections-per-client", "4"]);
    let addr = address(&app);
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(&addr).expect("connects"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = TcpStream::connect(&addr).expect("connects");
    fifth
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = fifth.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5"), "{answer}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(app.get("/api/calendar/days/2026-10-08").status, 200);
}
