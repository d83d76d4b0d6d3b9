//! Walking the tracking codes: wrong phone digits are limited per client,
//! per code and client, and per code (slowed, never locked), with 429 and
//! `Retry-After`; a client is its TCP peer unless the peer is a trusted
//! proxy, whose X-Forwarded-For is then believed.

use e2e::{json, App, Reply, Value};

fn submit(app: &App, phone: &str, from: &str) -> String {
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "噪音扰民",
        "content": "夜间施工噪音严重，影响休息。", "county": "410611000",
        "submitter": {"type": "individual", "name": "钱七", "phone": phone}});
    let reply = app.post_json(
        "/api/cases",
        &body.to_string(),
        &[("x-forwarded-for", from)],
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["tracking_code"]
        .as_str()
        .expect("a code")
        .to_string()
}

fn track(app: &App, code: &str, last4: &str, from: &str) -> Reply {
    let path = format!("/api/cases/track/{code}?phone_last4={last4}");
    app.get_with(&path, &[("x-forwarded-for", from)])
}

fn retry_after(reply: &Reply) -> u64 {
    reply
        .retry_after
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a Retry-After: {reply:?}"))
}

#[test]
fn a_client_guessing_the_phone_digits_is_refused_after_five_while_the_citizen_gets_in_from_elsewhere(
) {
    let (app, _state) = App::behind_local_proxy();
    let code = submit(&app, "13812345678", "198.51.100.10");
    let guesser = "203.0.113.66";
    for guess in ["0000", "1111", "2222", "3333", "4444"] {
        assert_eq!(track(&app, &code, guess, guesser).status, 404);
    }
    let refused = track(&app, &code, "5678", guesser);
    assert_eq!(
        refused.status, 429,
        "even the right digits: {}",
        refused.body
    );
    assert_eq!(refused.json()["code"], "too_many_attempts");
    assert!((1..=900).contains(&retry_after(&refused)));
    // The citizen, on another address, is not held up.
    assert_eq!(track(&app, &code, "5678", "198.51.100.10").status, 200);
    // The guesser's window ends.
    app.set_clock("2026-03-02T10:15:00+08:00");
    assert_eq!(track(&app, &code, "5678", guesser).status, 200);
}

#[test]
fn unknown_codes_count_against_the_client_like_wrong_digits() {
    let (app, _state) = App::behind_local_proxy();
    let code = submit(&app, "13812345678", "198.51.100.10");
    let walker = "203.0.113.77";
    // 200 wrong answers an address (far above what one hall's citizens
    // reach): then that address waits.
    for n in 0..200 {
        let unknown = format!("CW-ZZZZ-ZZZZ-{:04}", 1000 + n);
        let reply = track(&app, &unknown, "1234", walker);
        assert_eq!(reply.status, 404, "{}", reply.body);
    }
    assert_eq!(track(&app, &code, "5678", walker).status, 429);
}

#[test]
fn a_code_guessed_from_many_addresses_is_slowed_to_one_attempt_per_interval_not_locked() {
    let (app, _state) = App::behind_local_proxy();
    let code = submit(&app, "13812345678", "198.51.100.10");
    for n in 1..=10 {
        let reply = track(&app, &code, "0000", &format!("203.0.113.{n}"));
        assert_eq!(reply.status, 404);
    }
    // Slowed: the interval's one attempt goes ahead, the next waits.
    assert_eq!(track(&app, &code, "1111", "203.0.113.11").status, 404);
    let waiting = track(&app, &code, "5678", "198.51.100.10");
    assert_eq!(waiting.status, 429, "{}", waiting.body);
    let wait = retry_after(&waiting);
    assert!((1..=30).contains(&wait), "{wait}");
    // The citizen waits half a minute at most, then gets in.
    app.set_clock("2026-03-02T10:00:31+08:00");
    assert_eq!(track(&app, &code, "5678", "198.51.100.10").status, 200);
}

#[test]
fn without_trusted_proxies_a_forged_x_forwarded_for_does_not_make_a_new_client() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let code = submit(&app, "13812345678", "198.51.100.10");
    for n in 0..5 {
        let reply = track(&app, &code, "0000", &format!("203.0.113.{n}"));
        assert_eq!(reply.status, 404);
    }
    let reply = track(&app, &code, "5678", "192.0.2.200");
    assert_eq!(reply.status, 429, "{}", reply.body);
    let _: Value = reply.json();
}
