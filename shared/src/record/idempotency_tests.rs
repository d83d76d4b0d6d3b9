//! The fast path of retried submissions, against the in-memory store.

use super::*;
use crate::access::attempts::is_expired;
use crate::base::kv::MemoryKv;
use crate::base::test_support::keys;
use crate::record::cases::Receipt;
use chrono::TimeZone;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_000 + secs, 0)
        .single()
        .expect("time")
}

fn ack(received: i64) -> Acknowledgement {
    Acknowledgement::taken_in(Receipt {
        case_id: crate::base::ids::CaseId::new(7).expect("id"),
        tracking_code: "CW-7K3M-9QXD-2F8P".parse().expect("code"),
        status: crate::case::words::Status::Accepted,
        received_at: crate::base::clock::in_china(at(received)),
    })
}

fn principal(subject: &str) -> Principal {
    Principal {
        role: crate::case::words::Role::Agent,
        unit: None,
        subject: subject.to_string(),
        leader: false,
    }
}

#[test]
fn a_remembered_answer_is_found_the_next_day_and_swept_after() {
    let remembered = record_key("abc", at(0));
    let next_day = at(86_400);
    assert!(lookup_keys("abc", at(10)).contains(&remembered));
    assert!(lookup_keys("abc", next_day).contains(&remembered));
    assert!(!is_expired(&remembered, next_day));
    assert!(is_expired(&remembered, at(3 * 86_400)));
}

#[test]
fn a_retry_of_the_same_body_gets_the_first_answer_until_the_key_stops_holding() {
    let kv = MemoryKv::new();
    let first = ack(0);
    remember(
        &kv,
        "k",
        "body-1",
        &first,
        "/api/cases/track/CW-7K3M-9QXD-2F8P",
        at(5),
    )
    .expect("kept");
    let again = replay(&kv, "k", "body-1", at(60)).expect("replayed");
    assert_eq!(again.answer, serde_json::to_value(&first).expect("json"));
    assert_eq!(again.location, "/api/cases/track/CW-7K3M-9QXD-2F8P");
    assert_eq!(
        replay(&kv, "k", "body-2", at(60)),
        None,
        "another body: the database decides"
    );
    assert_eq!(replay(&kv, "other", "body-1", at(60)), None);
    assert!(replay(&kv, "k", "body-1", at(IDEMPOTENCY_HOURS * 3600 - 1)).is_some());
    assert_eq!(
        replay(&kv, "k", "body-1", at(IDEMPOTENCY_HOURS * 3600)),
        None
    );
}

#[test]
fn a_store_that_fails_keeps_nothing_and_replays_nothing() {
    let kv = MemoryKv::failing();
    assert!(remember(&kv, "k", "b", &ack(0), "/x", at(0)).is_err());
    assert_eq!(replay(&kv, "k", "b", at(1)), None);
}

#[test]
fn a_key_is_the_staff_members_or_else_the_clients_and_the_client_is_asked_only_for_the_public() {
    let k = keys();
    let key: IdempotencyKey = "retry-1".parse().expect("key");
    let no_client = || -> Result<String, ()> { Err(()) };
    let wang = scoped(&k, Some(&principal("wang.fang")), no_client, &key).expect("staff");
    let li = scoped(&k, Some(&principal("li.lei")), no_client, &key).expect("staff");
    let public = scoped(&k, None, || Ok::<_, ()>("203.0.113.7".to_string()), &key).expect("public");
    assert_ne!(wang, li);
    assert_ne!(wang, public);
    assert_eq!(
        wang,
        scoped_idempotency_key(&k, "staff:wang.fang", "retry-1")
    );
    assert_eq!(
        public,
        scoped_idempotency_key(&k, "client:203.0.113.7", "retry-1")
    );
    assert_eq!(scoped(&k, None, no_client, &key), Err(()));
}
