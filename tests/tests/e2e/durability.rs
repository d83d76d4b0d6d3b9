//! Nothing acknowledged is lost: eight clients submit cases while the
//! runner is killed with SIGKILL (nothing flushed on the way out); after a
//! restart every case answered 201 is there and tracks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e::{json, token, App, Launch};

#[test]
fn every_case_acknowledged_before_a_kill_9_is_there_after_the_restart() {
    let state = tempfile::tempdir().expect("temp dir");
    let quiet = Launch {
        echo: false,
        ..Launch::casework()
    };
    let app = App::launch(&quiet, state.path());
    let base = app.base.clone();
    let wang = token("agent", None, "wang.fang");
    app.file_token(&wang);
    let agent = format!("Bearer {wang}");
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (base, agent, stop, acked) =
                (base.clone(), agent.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let http: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                let mut n = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let phone = format!("138{client:02}{n:06}");
                    let body = json!({"channel": "hotline_phone", "kind": "consultation",
                        "title": "咨询", "content": format!("第{n}次咨询：居住证如何办理？"),
                        "county": "410611000",
                        "submitter": {"type": "individual", "name": "郑十二", "phone": phone}});
                    let sent = http
                        .post(format!("{base}/api/cases"))
                        .header("content-type", "application/json")
                        .header("authorization", &agent)
                        .send(body.to_string());
                    let Ok(mut resp) = sent else { break };
                    if resp.status().as_u16() != 201 {
                        continue;
                    }
                    let Ok(text) = resp.body_mut().read_to_string() else {
                        break;
                    };
                    let receipt: e2e::Value = serde_json::from_str(&text).expect("a receipt");
                    let code = receipt["tracking_code"].as_str().expect("code").to_string();
                    if let Ok(mut a) = acked.lock() {
                        a.push((code, phone[7..].to_string()));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(2500));
    app.stop();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        let _ = c.join();
    }
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        acked.len() >= 20,
        "only {} cases were acknowledged",
        acked.len()
    );

    let restarted = App::launch(&quiet, state.path());
    let lost: Vec<&(String, String)> = acked
        .iter()
        .filter(|(code, last4)| {
            restarted
                .get(&format!("/api/cases/track/{code}?phone_last4={last4}"))
                .status
                != 200
        })
        .collect();
    println!("{} cases acknowledged before the kill", acked.len());
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged cases lost: {lost:?}",
        lost.len(),
        acked.len()
    );
}

/// What kill -9 cannot show (the page cache survives it): with every fsync
/// held back (`up --test-disk`), a submission is stored, screened and
/// routed, yet no answer leaves until the disk has it; reads still answer.
#[test]
fn no_submission_is_answered_before_its_writes_are_on_disk() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::launch(
        &Launch {
            echo: false,
            ..Launch::casework()
        }
        .arg("--test-disk"),
        state.path(),
    );
    let agent = format!("Bearer {}", token("agent", None, "wang.fang"));
    // Routed by the demo county's rules to 浚县's market regulator.
    let submission = |n: u32| {
        json!({"channel": "hotline_phone", "kind": "consultation",
            "title": format!("咨询 {n}"), "content": format!("第{n}问：营业执照变更需要哪些材料？"),
            "county": "410621000",
            "submitter": {"type": "individual", "name": "郑十二", "phone": "13800001111"}})
        .to_string()
    };
    let first = app.post_json("/api/cases", &submission(1), &[("authorization", &agent)]);
    assert_eq!(first.status, 201, "{}", first.body);

    assert_eq!(
        app.put("/.well-known/runner/test-disk", "pause").status,
        200
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let (base, auth, body) = (app.base.clone(), agent.clone(), submission(2));
    let sender = std::thread::spawn(move || {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let answer = http
            .post(format!("{base}/api/cases"))
            .header("content-type", "application/json")
            .header("authorization", &auth)
            .send(body)
            .map(|mut r| {
                let status = r.status().as_u16();
                (status, r.body_mut().read_to_string().unwrap_or_default())
            });
        let _ = tx.send(answer.map_err(|e| e.to_string()));
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(1500)).is_err(),
        "a submission was answered while its writes could not reach the disk"
    );
    // Reads do not wait for the disk.
    assert_eq!(app.get("/api/calendar/days/2026-10-01").status, 200);
    // The case is committed all the same: the database has it, screened
    // and routed; only its answer waits.
    let stored = e2e::query(
        state.path(),
        "SELECT status FROM cases WHERE title = '咨询 2'",
    );
    assert_eq!(stored, vec![vec!["handling".to_string()]]);

    assert_eq!(
        app.put("/.well-known/runner/test-disk", "resume").status,
        200
    );
    let (status, body) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("answered once the disk has the writes")
        .expect("an answer");
    assert_eq!(status, 201, "{body}");
    let _ = sender.join();
    let receipt: e2e::Value = serde_json::from_str(&body).expect("a receipt");
    let code = receipt["tracking_code"].as_str().expect("code");
    assert_eq!(
        app.get(&format!("/api/cases/track/{code}?phone_last4=1111"))
            .status,
        200
    );
}
