//! Screening rules: proposals with the rule, the phrase and its sentence;
//! the narrow final class; advice only on an agent's channel; the examples
//! of the issue that were once turned away.

use super::*;

fn rules() -> FilterRules {
    FilterRules::defaults()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-11-28T10:00:00+08:00")
        .expect("instant")
        .with_timezone(&Utc)
}

fn screen(title: &str, content: &str) -> Decision {
    rules().screen(title, content, now(), &[], false)
}

/// (outcome, rule, category)
fn outcome(d: &Decision) -> (&'static str, &str, Option<u8>) {
    match d {
        Decision::Accept { .. } => ("accept", "accepted", None),
        Decision::Propose(f) => ("propose", &f.rule, Some(f.category.number())),
        Decision::Reject(f) => ("reject", &f.rule, Some(f.category.number())),
    }
}

#[test]
fn a_concrete_complaint_with_a_demand_is_accepted_without_flags() {
    assert_eq!(
        screen("路灯不亮", "淇滨区某小区路灯已坏两周，请尽快维修。"),
        Decision::Accept { flags: vec![] }
    );
}

#[test]
fn submissions_once_turned_away_on_a_keyword_are_accepted() {
    for (title, content) in [
        (
            "电梯坏了",
            "小区电梯坏了两个月物业不修，业主们商量要起诉物业，请住建部门先督促维修。",
        ),
        (
            "补办身份证",
            "我在上访途中丢了身份证，请问补办需要什么材料？",
        ),
        (
            "罚单复议",
            "想问一下对交警罚单不服能不能申请行政复议，去哪里申请？",
        ),
        // A report of cult activity is a matter for the police.
        ("宣扬邪教", "有人在小区宣扬邪教，请处理。"),
    ] {
        assert_eq!(outcome(&screen(title, content)).0, "accept", "{content}");
    }
    // A concrete complaint without a 请/要求 phrase: accepted, flagged for
    // the handler to ask what the submitter wants.
    assert_eq!(
        screen(
            "夜间施工噪音",
            "华夏南路某工地连续一周每晚施工到凌晨两点，打桩声很大，附近几百户居民无法入睡。"
        ),
        Decision::Accept {
            flags: vec![NO_DEMAND.into()]
        }
    );
}

#[test]
fn each_category_is_proposed_with_the_rule_that_fired() {
    for (content, rule, category) in [
        (
            "世界末日就要到了，请政府帮我们让大家赶紧入教。",
            "category1.superstition",
            1,
        ),
        ("你们这些狗官，请解决问题", "category2.insult", 2),
        (
            "淇滨区法院判决不公，请撤销法院判决，重新审理。",
            "category3.litigation",
            3,
        ),
        (
            "哪里能代开增值税发票？价格好商量。",
            "category4.unlawful",
            4,
        ),
    ] {
        assert_eq!(
            outcome(&screen("x", content)),
            ("propose", rule, Some(category)),
            "{content}"
        );
    }
}

#[test]
fn a_category_3_proposal_names_the_phrase_in_its_sentence_and_where_to_go_instead() {
    let Decision::Propose(f) = screen(
        "信访件",
        "我2019年的信访件当时处理不公。要求信访部门重新处理我的信访件，重新出具处理意见。",
    ) else {
        panic!("expected a proposal")
    };
    assert_eq!(f.rule, "category3.petition");
    assert!(f.referral.is_some_and(|r| r.contains("信访工作机构")));
    assert_eq!(f.matched.as_deref(), Some("信访件"));
    // The title heads the first sentence.
    assert_eq!(
        f.context.as_deref(),
        Some("信访件,我2019年的信访件当时处理不公。")
    );
    // In the sentence it matched in.
    let Decision::Propose(f) = screen(
        "复查",
        "当年处理不公。要求信访部门重新处理我的信访件，重新出具处理意见。",
    ) else {
        panic!("expected a proposal")
    };
    assert!(
        f.context
            .as_deref()
            .is_some_and(|c| c.starts_with("要求信访部门")),
        "{f:?}"
    );
}

#[test]
fn only_a_text_with_no_content_at_all_is_turned_away_at_once() {
    for content in [
        "你好",
        "在吗？有人吗？？在不在",
        "测试测试123",
        "。。。。。。",
        "asdfghjkl；；哈哈",
    ] {
        assert_eq!(
            outcome(&screen("无标题", content)),
            ("reject", NO_CONTENT, Some(2)),
            "{content}"
        );
    }
    // Short but real.
    assert_eq!(outcome(&screen("社保卡", "社保卡怎么补办？")).0, "accept");
}

#[test]
fn on_an_agents_channel_screening_only_advises() {
    let d = rules().screen(
        "撤销判决",
        "来电人要求撤销法院判决，重新审理。",
        now(),
        &[],
        true,
    );
    let Decision::Accept { flags } = d else {
        panic!("the agent decides")
    };
    assert!(
        flags[0].starts_with("advice: category3.litigation"),
        "{flags:?}"
    );
}

#[test]
fn patterns_match_despite_spaces_and_full_width_letters() {
    assert_eq!(
        outcome(&screen("x", "请 撤 销 法院判决，重新审理！")).1,
        "category3.litigation"
    );
    assert_eq!(
        outcome(&screen("x", "什么狗屁热线，滚！")).1,
        "category2.insult"
    );
}

#[test]
fn the_same_submitter_repeating_a_recent_case_is_a_duplicate_at_once() {
    let earlier = PriorCase {
        case_id: CaseId::new(7).expect("id"),
        received_at: now() - Duration::days(3),
        text: "路灯不亮淇滨区某小区路灯已坏两周，请尽快维修。".into(),
    };
    let again = |prior: &[PriorCase]| {
        rules().screen(
            "路灯不亮",
            "淇滨区某小区路灯已坏两周了，请尽快维修！",
            now(),
            prior,
            false,
        )
    };
    let d = again(std::slice::from_ref(&earlier));
    assert!(
        matches!(&d, Decision::Reject(f) if f.rule == DUPLICATE && f.duplicate_of.map(|c| c.get()) == Some(7)),
        "{d:?}"
    );
    let old = PriorCase {
        received_at: now() - Duration::days(31),
        ..earlier.clone()
    };
    assert_eq!(outcome(&again(&[old])).0, "accept");
    let different = PriorCase {
        text: "噪音扰民，某工地夜间施工，请处理".into(),
        ..earlier
    };
    assert_eq!(outcome(&again(&[different])).0, "accept");
}

#[test]
fn shingle_similarity_is_one_for_the_same_text_and_zero_for_disjoint_texts() {
    let a = shingles("路灯不亮", 2);
    assert_eq!(similarity(&a, &a), 1.0);
    assert_eq!(similarity(&a, &shingles("噪音扰民", 2)), 0.0);
    assert_eq!(similarity(&HashSet::new(), &HashSet::new()), 0.0);
    assert_eq!(shingles("路", 2).len(), 1);
}

#[test]
fn rules_whose_examples_do_not_hold_or_that_are_malformed_are_refused() {
    let base: serde_json::Value = serde_json::from_str(DEFAULT_RULES).expect("json");
    let refused = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        change(&mut v);
        FilterRules::from_json(&v.to_string()).is_err()
    };
    assert!(!refused(&|_| {}));
    assert!(refused(
        &|v| v["duplicate"]["min_similarity"] = serde_json::json!(1.5)
    ));
    assert!(refused(
        &|v| v["rules"][0]["category"] = serde_json::json!(5)
    ));
    assert!(refused(
        &|v| v["rules"][0]["patterns"] = serde_json::json!(["…"])
    ));
    // A category 3 rule says where to go instead.
    assert!(refused(&|v| {
        let i = v["rules"]
            .as_array()
            .and_then(|r| r.iter().position(|r| r["category"] == 3))
            .expect("a category 3 rule");
        v["rules"][i]["referral"] = serde_json::Value::Null;
    }));
    // An example that does not match, a counter-example that does.
    assert!(refused(&|v| {
        v["rules"][0]["examples"]["matching"] = serde_json::json!(["今天天气很好。"])
    }));
    assert!(refused(&|v| {
        v["rules"][0]["examples"]["not_matching"] =
            serde_json::json!(["大家到市政府门口集合，把路堵上。"])
    }));
    assert!(FilterRules::from_json("{}").is_err());
}

#[test]
fn the_built_in_rules_fire_on_their_examples_and_on_nothing_else() {
    // `defaults()` skips this check for speed; here it runs, and a broken
    // example in shared/config/filter.json fails the build's tests.
    let checked =
        FilterRules::from_json(DEFAULT_RULES).expect("the built-in rules pass their examples");
    assert_eq!(checked.rules.len(), rules().rules.len());
    let mut broken: serde_json::Value = serde_json::from_str(DEFAULT_RULES).expect("json");
    broken["rules"][0]["examples"]["matching"][0] = serde_json::json!("今天天气很好");
    assert!(
        FilterRules::from_json(&broken.to_string()).is_err(),
        "an example that does not fire is refused"
    );
}

#[test]
fn a_term_is_ruled_out_only_when_its_first_two_characters_never_follow_each_other() {
    let text = Indexed::new(normalize("请撤销法院判决。"));
    assert!(text.may_contain("撤销"));
    assert!(
        text.may_contain("判决书"),
        "only the first pair is looked at"
    );
    assert!(text.may_contain("法"));
    assert!(!text.may_contain("上访"));
    assert!(!text.may_contain("销判"), "a pair that does not follow");
    assert!(!text.may_contain("访"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Texts made of the built-in rules' own terms and markers, with
    /// sentence ends between: the prefilter never changes what fires.
    #[test]
    fn the_character_pair_prefilter_never_changes_which_rule_fires(
        picks in proptest::collection::vec((0usize..10_000, 0usize..6), 1..12)
    ) {
        let rules = rules();
        let prepared = rules.prepare();
        let mut words: Vec<String> = prepared.patterns.iter().flatten().flatten().cloned().collect();
        words.extend(prepared.demand.iter().cloned());
        words.extend(prepared.question.iter().cloned());
        let glue = ["", "，", "。", "？", "我们", "请"];
        let text: String = picks
            .iter()
            .map(|(w, g)| format!("{}{}", words[w % words.len()], glue[*g]))
            .collect();
        let indexed = Indexed::new(normalize(&text));
        // One that lets every term through: the search as it was before.
        let everything = Indexed {
            text: indexed.text.clone(),
            chars: words.iter().flat_map(|w| w.chars()).collect(),
            pairs: words
                .iter()
                .filter_map(|w| {
                    let mut cs = w.chars();
                    Some((cs.next()?, cs.next()?))
                })
                .collect(),
        };
        for (rule, patterns) in rules.rules.iter().zip(&prepared.patterns) {
            proptest::prop_assert_eq!(
                rules.fires(rule, patterns, &prepared, &indexed),
                rules.fires(rule, patterns, &prepared, &everything),
                "rule {} on {:?}", rule.name, text
            );
        }
    }
}
