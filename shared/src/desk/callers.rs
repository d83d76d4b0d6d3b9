//! A caller's history (来电弹屏): the earlier cases of the phone number on
//! the line, for the agent taking the call and for the bureau — every open
//! one first, then the latest closed or not accepted — so a repeated call
//! is added to the open case instead of registered again. Each look is on
//! the audit trail (who, when, how many found; never the number).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::access::Principal;
use crate::base::db::Db;
use crate::case::contact::PhoneNumber;
use crate::case::personal::Keys;
use crate::case::words::Role;
use crate::desk::search::{self, Found, Purpose, SearchError, SearchQuery};

/// The most open cases shown (a frequent caller's beyond are counted).
pub const OPEN_SHOWN: u32 = 100;
/// The most closed or not accepted cases shown, newest first.
pub const CLOSED_SHOWN: u32 = 20;

/// A caller's earlier cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerHistory {
    /// The number asked about, masked (`138****5678`).
    pub phone_masked: String,
    /// The open cases, newest first (one of them may be what the caller
    /// is calling about again), then the latest closed or not accepted.
    pub cases: Vec<Found>,
    /// How many of `cases`, from the first, are open.
    pub open: usize,
    /// Whether there are more than shown.
    pub more: bool,
}

/// The earlier cases of `phone`, for an agent or the bureau.
pub fn history(
    db: &impl Db,
    keys: &Keys,
    who: &Principal,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
) -> Result<CallerHistory, SearchError> {
    if !matches!(who.role, Role::Agent | Role::Bureau) {
        return Err(SearchError::Role(who.role));
    }
    db.transaction(|db| {
        let open = search::find(
            db,
            keys,
            who,
            &SearchQuery::by_phone(phone, true, OPEN_SHOWN),
            now,
        )?;
        let closed = search::find(
            db,
            keys,
            who,
            &SearchQuery::by_phone(phone, false, CLOSED_SHOWN),
            now,
        )?;
        let found = open.cases.len() + closed.cases.len();
        search::record_personal_search(db, who, "phone", Purpose::CallerHistory, found, now)?;
        Ok(CallerHistory {
            phone_masked: phone.masked(),
            more: open.next.is_some() || closed.next.is_some(),
            open: open.cases.len(),
            cases: open.cases.into_iter().chain(closed.cases).collect(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rules::Rules;
    use crate::base::test_support::{keys, migrated_db, seed_demo, staff_member, store_case, t};

    #[test]
    fn an_agent_sees_the_callers_open_cases_first_and_the_look_is_audited() {
        let db = migrated_db();
        seed_demo(&db);
        let phone: PhoneNumber = "13812345678".parse().expect("phone");
        let at = "2025-09-30T10:00:00+08:00";
        let mut ids = Vec::new();
        for (n, (title, content)) in [
            ("路灯不亮", "九州路路灯已坏一周，请尽快维修。"),
            ("撤销判决", "法院判决不公，请撤销法院判决，重新审理。"),
            ("小区噪音", "小区物业管理混乱，夜间施工噪音扰民。"),
        ]
        .iter()
        .enumerate()
        {
            let body = serde_json::json!({
                "channel": "hotline_web", "kind": "complaint", "title": title,
                "content": content, "county": "410611000",
                "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
            });
            let id = store_case(&db, n as u8 + 1, body, at);
            crate::triage::pipeline::screen_case(&db, id, &Rules::defaults(), t(at))
                .expect("screens");
            ids.push(id.get());
        }
        // The first is closed.
        db.execute(
            "UPDATE cases SET status = 'closed' WHERE id = ?",
            &[ids[0].into()],
        )
        .expect("closed");
        let agent = staff_member(Role::Agent);
        let h = history(&db, &keys(), &agent, &phone, Utc::now()).expect("history");
        let shown: Vec<i64> = h.cases.iter().map(|c| c.item.case_id.get()).collect();
        assert_eq!(
            (shown, h.open, h.more),
            (vec![ids[2], ids[1], ids[0]], 2, false)
        );
        assert_eq!(h.phone_masked, "138****5678");
        let audit = db
            .execute("SELECT purpose, found FROM personal_searches", &[])
            .expect("audit");
        let r = audit.row(0).expect("one look");
        assert_eq!(
            (r.text("purpose"), r.integer("found")),
            (Ok("来电历史"), Ok(3))
        );
        // A unit and a supervisor may not look a caller up.
        for role in [Role::Unit, Role::Supervisor] {
            assert_eq!(
                history(&db, &keys(), &staff_member(role), &phone, Utc::now()),
                Err(SearchError::Role(role))
            );
        }
    }
}
