//! Statistics checked against counts computed independently, on a
//! generated data set, plus hand-made cases for each formula.

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("instant")
        .with_timezone(&Utc)
}

fn county(s: &str) -> CountyCode {
    s.parse().expect("county")
}

fn unit(s: &str) -> UnitId {
    s.parse().expect("unit")
}

fn case(id: i64) -> CaseSummary {
    CaseSummary {
        case_id: CaseId::new(id).expect("id"),
        county: county("410611000"),
        lead: Some(unit("qibin-urban")),
        kind: Kind::Complaint,
        received_at: t("2025-11-03T09:00:00+08:00"),
        rejected: false,
        closed_at: None,
        finish_due: Some(t("2025-11-10T23:59:59+08:00")),
        qc_decisions: vec![],
        follow_ups: vec![],
        text: "路灯不亮".into(),
        merged_into: None,
    }
}

fn november() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        t("2025-11-01T00:00:00+08:00"),
        t("2025-12-01T00:00:00+08:00"),
    )
}

/// A small deterministic generator, so the data set is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn generated(count: i64) -> Vec<CaseSummary> {
    let mut rng = Lcg(42);
    let counties = ["410611000", "410621000"];
    let units = ["qibin-urban", "qibin-housing", "junxian-urban"];
    let base = t("2025-10-15T00:00:00+08:00");
    (1..=count)
        .map(|id| {
            let received_at = base + Duration::hours(rng.next(24 * 60) as i64);
            let rejected = rng.next(10) == 0;
            let lead = (!rejected && rng.next(8) != 0).then(|| unit(units[rng.next(3) as usize]));
            let finish_due = lead
                .as_ref()
                .map(|_| received_at + Duration::days(7 + rng.next(10) as i64));
            let closed_at = lead
                .as_ref()
                .filter(|_| rng.next(3) != 0)
                .map(|_| received_at + Duration::hours(1 + rng.next(24 * 20) as i64));
            let qc_decisions = closed_at
                .map(|c| {
                    let mut v = Vec::new();
                    if rng.next(4) == 0 {
                        v.push((c - Duration::days(2), false));
                    }
                    v.push((c, true));
                    v
                })
                .unwrap_or_default();
            let follow_ups = closed_at
                .filter(|_| rng.next(2) == 0)
                .map(|c| {
                    let result = [
                        Satisfaction::Satisfied,
                        Satisfaction::BasicallySatisfied,
                        Satisfaction::Dissatisfied,
                        Satisfaction::Unreachable,
                    ][rng.next(4) as usize];
                    vec![(c + Duration::days(1), result)]
                })
                .unwrap_or_default();
            CaseSummary {
                case_id: CaseId::new(id).expect("id"),
                county: county(counties[rng.next(2) as usize]),
                lead,
                kind: [Kind::Complaint, Kind::Consultation, Kind::Suggestion][rng.next(3) as usize],
                received_at,
                rejected,
                closed_at,
                finish_due,
                qc_decisions,
                follow_ups,
                text: String::new(),
                merged_into: None,
            }
        })
        .collect()
}

#[test]
fn county_figures_match_an_independent_count_on_generated_data() {
    let cases = generated(600);
    let (from, to) = november();
    let r = report(&cases, from, to);
    for (code, f) in &r.counties {
        let mine: Vec<&CaseSummary> = cases.iter().filter(|c| &c.county == code).collect();
        let in_period = |x: &DateTime<Utc>| *x >= from && *x < to;
        let received: Vec<_> = mine.iter().filter(|c| in_period(&c.received_at)).collect();
        assert_eq!(f.received as usize, received.len());
        assert_eq!(
            f.rejected as usize,
            received.iter().filter(|c| c.rejected).count()
        );
        assert_eq!(f.accepted + f.rejected, f.received);
        assert_eq!(
            f.complaints as usize,
            received
                .iter()
                .filter(|c| c.kind == Kind::Complaint)
                .count()
        );

        let mut closed = 0;
        let mut on_time = 0;
        let mut overdue = 0;
        for c in &mine {
            match c.closed_at {
                Some(x) if in_period(&x) => {
                    closed += 1;
                    match c.finish_due {
                        Some(d) if x > d => overdue += 1,
                        _ => on_time += 1,
                    }
                }
                Some(x) if x < from => {}
                _ => {
                    if let Some(d) = c.finish_due {
                        if c.received_at < to && d < to {
                            overdue += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(
            (f.closed, f.closed_on_time, f.overdue),
            (closed, on_time, overdue),
            "{code}"
        );

        let qc: Vec<bool> = mine
            .iter()
            .flat_map(|c| {
                c.qc_decisions
                    .iter()
                    .filter(|(at, _)| in_period(at))
                    .map(|(_, p)| *p)
            })
            .collect();
        assert_eq!(f.qc_decisions as usize, qc.len());
        assert_eq!(f.qc_passes as usize, qc.iter().filter(|p| **p).count());

        let calls: Vec<Satisfaction> = mine
            .iter()
            .flat_map(|c| {
                c.follow_ups
                    .iter()
                    .filter(|(at, _)| in_period(at))
                    .map(|(_, s)| *s)
            })
            .filter(|s| *s != Satisfaction::Unreachable)
            .collect();
        assert_eq!(f.follow_ups_reached as usize, calls.len());
        assert_eq!(
            f.follow_ups_satisfied as usize,
            calls
                .iter()
                .filter(|s| **s != Satisfaction::Dissatisfied)
                .count()
        );
        assert_eq!(
            f.on_time_rate,
            (closed > 0).then(|| f64::from(on_time) / f64::from(closed))
        );
    }
    // Unit figures add up to the routed part of the county figures.
    let unit_received: u32 = r.units.values().map(|f| f.received).sum();
    let routed_received = cases
        .iter()
        .filter(|c| c.lead.is_some() && c.received_at >= from && c.received_at < to)
        .count();
    assert_eq!(unit_received as usize, routed_received);
    assert!(
        r.counties.values().any(|f| f.received > 50),
        "the data set exercises the period"
    );
}

#[test]
fn a_rate_without_data_is_none_not_zero() {
    let r = report(&[], november().0, november().1);
    assert!(r.counties.is_empty());
    let mut c = case(1);
    c.kind = Kind::Consultation;
    let r = report(&[c], november().0, november().1);
    let f = &r.counties[&county("410611000")];
    assert_eq!(
        (f.on_time_rate, f.qc_pass_rate, f.satisfaction_rate),
        (None, None, None)
    );
    assert_eq!(f.complaint_rate, Some(0.0));
}

#[test]
fn a_case_closed_after_its_deadline_is_overdue_not_on_time() {
    let mut late = case(1);
    late.closed_at = Some(t("2025-11-11T00:00:00+08:00"));
    let mut on_time = case(2);
    on_time.closed_at = Some(t("2025-11-10T23:59:59+08:00"));
    let r = report(&[late, on_time], november().0, november().1);
    let f = &r.units[&unit("qibin-urban")];
    assert_eq!((f.closed, f.closed_on_time, f.overdue), (2, 1, 1));
    assert_eq!(f.on_time_rate, Some(0.5));
}

#[test]
fn an_open_case_past_its_deadline_at_the_end_of_the_period_is_overdue() {
    let open = case(1);
    let r = report(std::slice::from_ref(&open), november().0, november().1);
    assert_eq!(r.units[&unit("qibin-urban")].overdue, 1);
    // Before its deadline the same case is not overdue.
    let r = report(&[open], november().0, t("2025-11-10T00:00:00+08:00"));
    assert_eq!(r.units[&unit("qibin-urban")].overdue, 0);
}

#[test]
fn unreachable_calls_are_left_out_of_satisfaction() {
    let mut c = case(1);
    c.follow_ups = vec![
        (t("2025-11-12T10:00:00+08:00"), Satisfaction::Satisfied),
        (t("2025-11-12T11:00:00+08:00"), Satisfaction::Dissatisfied),
        (t("2025-11-12T12:00:00+08:00"), Satisfaction::Unreachable),
        (
            t("2025-11-12T13:00:00+08:00"),
            Satisfaction::BasicallySatisfied,
        ),
    ];
    let r = report(&[c], november().0, november().1);
    let f = &r.units[&unit("qibin-urban")];
    assert_eq!((f.follow_ups_reached, f.follow_ups_satisfied), (3, 2));
    assert_eq!(f.satisfaction_rate, Some(2.0 / 3.0));
}

#[test]
fn units_tripping_thresholds_need_attention_with_every_reason() {
    let mut cases: Vec<CaseSummary> = (1..=4).map(case).collect();
    cases[0].follow_ups = vec![(t("2025-11-12T10:00:00+08:00"), Satisfaction::Dissatisfied)];
    let mut good = case(9);
    good.lead = Some(unit("qibin-housing"));
    good.closed_at = Some(t("2025-11-05T10:00:00+08:00"));
    cases.push(good);
    let thresholds = AttentionThresholds {
        max_complaints: 4,
        min_satisfaction_rate: 0.8,
        max_overdue: 3,
        min_on_time_rate: 0.9,
    };
    let list = needs_attention(&report(&cases, november().0, november().1), &thresholds);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].unit, unit("qibin-urban"));
    assert_eq!(
        list[0].reasons,
        vec![
            "concentrated_complaints",
            "low_satisfaction",
            "many_overdue"
        ]
    );
}

#[test]
fn similar_complaints_about_one_unit_form_a_hotspot() {
    let texts = [
        "某某小区路灯不亮已经两周",
        "某某小区的路灯两周不亮了",
        "某某小区路灯坏了两周没人修",
        "某工地夜间施工噪音扰民",
    ];
    let cases: Vec<CaseSummary> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| CaseSummary {
            text: text.to_string(),
            ..case(i as i64 + 1)
        })
        .collect();
    let found = hotspots(
        &cases,
        t("2025-11-20T00:00:00+08:00"),
        &HotspotRules::default(),
    );
    assert_eq!(found.len(), 1);
    let ids: Vec<i64> = found[0].cases.iter().map(|c| c.get()).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(found[0].unit, Some(unit("qibin-urban")));
    // Outside the window there is none.
    assert!(hotspots(
        &cases,
        t("2026-03-01T00:00:00+08:00"),
        &HotspotRules::default()
    )
    .is_empty());
}

#[test]
fn a_repeat_merged_into_the_case_being_handled_counts_the_matter_once_and_itself_as_a_duplicate() {
    let (from, to) = november();
    let original = case(1);
    let repeat = CaseSummary {
        case_id: CaseId::new(2).expect("id"),
        rejected: true,
        lead: None,
        merged_into: Some(original.case_id),
        ..case(2)
    };
    let r = report(&[original, repeat], from, to);
    let f = &r.counties[&county("410611000")];
    assert_eq!(
        (f.received, f.rejected, f.duplicates, f.complaints),
        (1, 0, 1, 1)
    );
    assert_eq!(f.complaint_rate, Some(1.0));
}
