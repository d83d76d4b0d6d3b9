//! Retried submissions (`Idempotency-Key`): whose retries a key holds for
//! (the person in the token, or else the client's address), the key as it
//! is kept, and the fast path that answers a retry from the key-value store
//! before the database is asked. The database stays the record
//! (`record::cases` refuses a key reused for another body); losing an entry
//! costs a query.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::attempts::counter_key;
use crate::access::Principal;
use crate::base::ids::IdempotencyKey;
use crate::base::kv::{KeyValue, KvError};
use crate::case::personal::Keys;
use crate::record::cases::{scoped_idempotency_key, Acknowledgement, IDEMPOTENCY_HOURS};

/// The key a client's `Idempotency-Key` is kept under: scoped to the staff
/// member in the token (`staff:` and their subject), or for the public to
/// the client (`client:` and its address bucket, asked only then), so one
/// client's key never answers another's retry.
pub fn scoped<E>(
    keys: &Keys,
    staff: Option<&Principal>,
    client: impl FnOnce() -> Result<String, E>,
    key: &IdempotencyKey,
) -> Result<String, E> {
    let scope = match staff {
        Some(person) => format!("staff:{}", person.subject),
        None => format!("client:{}", client()?),
    };
    Ok(scoped_idempotency_key(keys, &scope, key.as_str()))
}

/// Where a remembered answer to an `Idempotency-Key` (already scoped to
/// its client) is kept: under a key expiring at the end of the next UTC
/// day, so it outlives the key's day of validity and is then swept.
pub fn record_key(scoped: &str, at: DateTime<Utc>) -> String {
    let day = at.timestamp().div_euclid(86_400);
    counter_key((day + 2) * 86_400, &format!("idempotency/{scoped}"))
}

/// Where such an answer may be found at `now`: remembered today or
/// yesterday (the record itself says whether it is still valid).
pub fn lookup_keys(scoped: &str, now: DateTime<Utc>) -> [String; 2] {
    let yesterday = now - chrono::Duration::days(1);
    [record_key(scoped, now), record_key(scoped, yesterday)]
}

/// What is kept of a first answer for its retries.
#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    location: String,
    answer: serde_json::Value,
    /// Until when (Unix seconds) a retry gets this answer.
    valid_until: i64,
}

/// A first answer given again.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The answer's body.
    pub answer: serde_json::Value,
    /// Where the case is followed (the answer's `Location`).
    pub location: String,
}

/// The first answer, if this (scoped) key was answered before for the same
/// body (`fingerprint`) and still holds at `now` (a different body under
/// the same key is the database's to refuse). A store that fails answers
/// nothing.
pub fn replay(
    kv: &impl KeyValue,
    scoped: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Option<Replay> {
    let record: Record = lookup_keys(scoped, now)
        .iter()
        .find_map(|k| kv.get(k).ok().flatten())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
    let holds = record.fingerprint == fingerprint && now.timestamp() < record.valid_until;
    holds.then_some(Replay {
        answer: record.answer,
        location: record.location,
    })
}

/// Keeps the answer `ack` (followed at `location`) for retries under the
/// (scoped) key, for as long as the key holds
/// ([`IDEMPOTENCY_HOURS`] from the receipt).
pub fn remember(
    kv: &impl KeyValue,
    scoped: &str,
    fingerprint: &str,
    ack: &Acknowledgement,
    location: &str,
    now: DateTime<Utc>,
) -> Result<(), KvError> {
    let record = Record {
        fingerprint: fingerprint.to_string(),
        location: location.to_string(),
        answer: serde_json::to_value(ack).map_err(|e| KvError(e.to_string()))?,
        valid_until: ack.receipt.received_at.timestamp() + IDEMPOTENCY_HOURS * 3600,
    };
    let bytes = serde_json::to_vec(&record).map_err(|e| KvError(e.to_string()))?;
    kv.set(&record_key(scoped, now), &bytes)
}

#[cfg(test)]
mod tests {
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
            name: "测试人员".into(),
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
    fn a_key_is_the_staff_members_or_else_the_clients_and_the_client_is_asked_only_for_the_public()
    {
        let k = keys();
        let key: IdempotencyKey = "retry-1".parse().expect("key");
        let no_client = || -> Result<String, ()> { Err(()) };
        let wang = scoped(&k, Some(&principal("wang.fang")), no_client, &key).expect("staff");
        let li = scoped(&k, Some(&principal("li.lei")), no_client, &key).expect("staff");
        let public =
            scoped(&k, None, || Ok::<_, ()>("203.0.113.7".to_string()), &key).expect("public");
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
}
