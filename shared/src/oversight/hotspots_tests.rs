//! Hotspots: planted alike complaints cluster across units; unrelated
//! complaints to one unit do not.

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("day")
}

fn complaint(id: i64, unit: &str, on: &str, title: &str, content: &str) -> Complaint {
    Complaint {
        case_id: CaseId::new(id).expect("id"),
        title: title.into(),
        text: format!("{title}。{content}"),
        unit: Some(unit.into()),
        county: "410611000".into(),
        day: day(on),
    }
}

/// Four complaints about night building work on 九州路, to two units, and
/// four unrelated complaints to the first of them.
fn planted() -> Vec<Complaint> {
    vec![
        complaint(
            1,
            "qibin-environment",
            "2026-11-02",
            "九州路工地夜间施工噪音扰民",
            "九州路与淇河路交叉口的工地每天夜里施工到凌晨，噪音很大，影响休息，请处理。",
        ),
        complaint(
            2,
            "qibin-urban",
            "2026-11-03",
            "九州路工地半夜施工",
            "九州路交叉口工地半夜还在施工，噪音扰民，无法入睡，请尽快处理。",
        ),
        complaint(
            3,
            "qibin-urban",
            "2026-11-05",
            "路灯不亮",
            "黄河路的路灯坏了一周，夜里出行不便。",
        ),
        complaint(
            4,
            "qibin-urban",
            "2026-11-06",
            "垃圾清运不及时",
            "小区门口垃圾桶满了三天没人清运，气味难闻。",
        ),
        complaint(
            5,
            "qibin-environment",
            "2026-11-20",
            "夜间施工噪音",
            "九州路那个工地夜间施工噪音太大了，每天到凌晨，影响居民休息。",
        ),
        complaint(
            6,
            "qibin-urban",
            "2026-11-24",
            "占道经营",
            "华夏南路早市摊贩占道经营，车辆无法通行。",
        ),
        complaint(
            7,
            "qibin-urban",
            "2026-11-25",
            "九州路工地凌晨施工扰民",
            "九州路工地凌晨施工，噪音扰民，多次反映无果，请相关部门处理。",
        ),
        complaint(
            8,
            "qibin-urban",
            "2026-11-26",
            "井盖缺失",
            "朝歌路人行道井盖缺失，存在安全隐患。",
        ),
    ]
}

#[test]
fn alike_complaints_to_two_units_make_one_hotspot_and_unrelated_ones_to_the_same_unit_none() {
    let rules = HotspotRules::default();
    let found = find(&planted(), day("2026-11-01"), day("2026-11-30"), &rules);
    assert_eq!(found.len(), 1, "{found:#?}");
    let h = &found[0];
    let ids: Vec<i64> = h.cases.iter().map(|m| m.case_id.get()).collect();
    assert_eq!(ids, vec![1, 2, 5, 7]);
    assert_eq!(h.id, "h1");
    assert_eq!(h.units, vec!["qibin-environment", "qibin-urban"]);
    assert_eq!(h.places, vec!["九州路"]);
    // 11-01..11-15 earlier, 11-16..11-30 recent: 2 and 2.
    assert_eq!((h.earlier, h.recent, h.growth), (2, 2, 0));
}

#[test]
fn fewer_alike_complaints_than_the_countys_minimum_are_no_hotspot() {
    let rules = HotspotRules {
        min_cases: 5,
        ..HotspotRules::default()
    };
    assert_eq!(
        find(&planted(), day("2026-11-01"), day("2026-11-30"), &rules),
        vec![]
    );
}

#[test]
fn hotspots_rank_by_size_then_by_growth() {
    let mut cases = planted();
    // A second cluster of three, all recent: smaller than the first.
    for (id, on) in [(11, "2026-11-27"), (12, "2026-11-28"), (13, "2026-11-29")] {
        cases.push(complaint(
            id,
            "qibin-water",
            on,
            "淇滨花园小区停水",
            "淇滨花园小区从昨天起停水，没有通知，居民生活受影响，请尽快恢复供水。",
        ));
    }
    let found = find(
        &cases,
        day("2026-11-01"),
        day("2026-11-30"),
        &HotspotRules::default(),
    );
    let order: Vec<(&str, usize, i64)> = found
        .iter()
        .map(|h| (h.id.as_str(), h.size, h.growth))
        .collect();
    assert_eq!(order, vec![("h1", 4, 0), ("h11", 3, 3)]);
    // Same size: the faster growing first.
    cases.push(complaint(
        14,
        "qibin-water",
        "2026-11-30",
        "淇滨花园小区又停水",
        "淇滨花园小区今天又停水了，没有任何通知，请尽快恢复供水。",
    ));
    let found = find(
        &cases,
        day("2026-11-01"),
        day("2026-11-30"),
        &HotspotRules::default(),
    );
    assert_eq!(found[0].id, "h11");
    assert_eq!((found[0].size, found[0].growth), (4, 4));
}

#[test]
fn the_same_place_lowers_the_similarity_two_complaints_need() {
    let rules = HotspotRules::default();
    let mut profiler = Profiler::default();
    let a = profiler.profile("九州路工地夜间施工噪音扰民，请处理。", &rules);
    let b = profiler.profile("九州路工地夜里施工太吵，无法休息。", &rules);
    let c = profiler.profile("黄河路工地夜里施工太吵，无法休息。", &rules);
    let sim = jaccard(&a.shingles, &b.shingles);
    assert!(
        sim >= rules.same_place_similarity && sim < rules.min_similarity,
        "{sim}"
    );
    assert!(alike(&a, &b, &rules));
    assert!(!alike(&a, &c, &rules), "another road, the same words");
}

#[test]
fn a_new_complaint_joins_an_items_cluster_when_it_is_alike_to_one_of_its_complaints() {
    let rules = HotspotRules::default();
    let all = planted();
    let cluster: Vec<Complaint> = all
        .iter()
        .filter(|c| [1, 2].contains(&c.case_id.get()))
        .cloned()
        .collect();
    let joined: Vec<i64> = joining(&cluster, &all, &rules)
        .iter()
        .map(|c| c.case_id.get())
        .collect();
    assert_eq!(joined, vec![5, 7]);
}

#[test]
fn rules_with_a_minimum_below_two_or_a_similarity_outside_0_to_1_are_refused() {
    for bad in [
        HotspotRules {
            min_cases: 1,
            ..HotspotRules::default()
        },
        HotspotRules {
            min_similarity: 0.0,
            ..HotspotRules::default()
        },
        HotspotRules {
            same_place_similarity: 1.5,
            ..HotspotRules::default()
        },
        HotspotRules {
            place_suffixes: vec![" ".into()],
            ..HotspotRules::default()
        },
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
    }
    assert_eq!(HotspotRules::default().check(), Ok(()));
}

#[test]
fn only_accepted_complaints_of_the_window_are_clustered_and_a_window_too_full_is_refused() {
    use crate::base::test_support::{seeded_db, store_case};
    use serde_json::json;
    let db = seeded_db();
    let body = |kind: &str| {
        json!({"channel": "hotline_web", "kind": kind, "title": "九州路施工噪音",
               "content": "九州路工地夜间施工噪音扰民，请处理。", "county": "410611000",
               "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}})
    };
    let a = store_case(&db, 1, body("complaint"), "2026-11-02T10:00:00+08:00");
    let b = store_case(&db, 2, body("complaint"), "2026-11-03T23:30:00+08:00");
    let _consultation = store_case(&db, 3, body("consultation"), "2026-11-03T10:00:00+08:00");
    let _late = store_case(&db, 4, body("complaint"), "2026-12-01T00:10:00+08:00");
    let rejected = store_case(&db, 5, body("complaint"), "2026-11-04T10:00:00+08:00");
    db.execute(
        "UPDATE cases SET status = CASE WHEN id = ? THEN 'rejected' ELSE 'handling' END",
        &[rejected.get().into()],
    )
    .expect("statuses");
    let found = complaints(&db, day("2026-11-01"), day("2026-11-30"), None, 100).expect("read");
    let ids: Vec<CaseId> = found.iter().map(|c| c.case_id).collect();
    assert_eq!(ids, vec![a, b]);
    assert_eq!(found[1].day, day("2026-11-03"), "China day of receipt");
    assert_eq!(
        complaints(&db, day("2026-11-01"), day("2026-11-30"), None, 1),
        Err(HotspotError::TooMany { found: 2, max: 1 })
    );
    assert_eq!(
        complaints(
            &db,
            day("2026-11-01"),
            day("2026-11-30"),
            Some("410621000"),
            100
        )
        .map(|c| c.len()),
        Ok(0)
    );
}

#[test]
fn the_shipped_hotspot_rules_are_the_defaults() {
    assert_eq!(
        crate::oversight::reminder::ScanRules::defaults().hotspots,
        HotspotRules::default()
    );
}
