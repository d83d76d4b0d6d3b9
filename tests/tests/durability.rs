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
    let agent = format!("Bearer {}", token("agent", None, "wang.fang"));
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
