//! Screening measured on labelled submissions (`shared/screening/`):
//! `labelled.jsonl`, written for this repository (legitimate submissions
//! across every unit type and channel, near misses among them, and
//! out-of-scope ones of each category of Art. 5), and `holdout.jsonl`,
//! written without seeing the rules. Reported: legitimate ones turned away
//! without a person (must be none), legitimate ones held for a person (each
//! is work for the bureau: at most 1 in 20), out-of-scope ones proposed or
//! decided (the aim: 9 in 10). `cargo test -p casework-shared measure --
//! --nocapture` prints the figures and every miss.

use super::*;

#[derive(serde::Deserialize)]
struct Labelled {
    id: String,
    title: String,
    content: String,
    expect: String,
}

#[derive(Debug, Default)]
struct Figures {
    legitimate: usize,
    turned_away: Vec<String>,
    held: Vec<String>,
    out_of_scope: usize,
    caught: usize,
    missed: Vec<String>,
}

/// Measures `file`; `show` prints every miss (never for the held-out set:
/// its authors must not see what the rules miss, or it is held out no more).
fn measure(file: &str, show: bool) -> Figures {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screening")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the labelled set");
    let rules = FilterRules::defaults();
    let now = Utc::now();
    let mut f = Figures::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let item: Labelled = serde_json::from_str(line).expect("a labelled submission");
        let decision = rules.screen(&item.title, &item.content, now, &[], false);
        let what = format!("{} {} → {}", item.id, item.content, decision.rule());
        match (item.expect.as_str(), &decision) {
            ("accept", Decision::Accept { .. }) => f.legitimate += 1,
            ("accept", Decision::Propose(_)) => {
                f.legitimate += 1;
                f.held.push(what);
            }
            ("accept", Decision::Reject(_)) => {
                f.legitimate += 1;
                f.turned_away.push(what);
            }
            (_, Decision::Accept { .. }) => {
                f.out_of_scope += 1;
                f.missed.push(what);
            }
            _ => {
                f.out_of_scope += 1;
                f.caught += 1;
            }
        }
    }
    println!(
        "{file}: {} legitimate: {} turned away without a person, {} held for a person ({:.1} %); \
         {} out of scope: {} proposed or decided ({:.1} %)",
        f.legitimate,
        f.turned_away.len(),
        f.held.len(),
        100.0 * f.held.len() as f64 / f.legitimate.max(1) as f64,
        f.out_of_scope,
        f.caught,
        100.0 * f.caught as f64 / f.out_of_scope.max(1) as f64,
    );
    if !show {
        return f;
    }
    for (label, list) in [
        ("turned away", &f.turned_away),
        ("held", &f.held),
        ("missed", &f.missed),
    ] {
        for what in list {
            println!("  {label}: {what}");
        }
    }
    f
}

#[test]
fn no_legitimate_submission_of_the_labelled_set_is_turned_away_and_few_are_held() {
    let f = measure("labelled.jsonl", true);
    assert!(f.legitimate >= 150 && f.out_of_scope >= 50, "{f:?}");
    assert!(f.turned_away.is_empty(), "{:?}", f.turned_away);
    assert!(f.held.len() * 20 <= f.legitimate, "{:?}", f.held);
    assert!(f.caught * 10 >= f.out_of_scope * 9, "{:?}", f.missed);
}

#[test]
fn no_legitimate_submission_of_the_held_out_set_is_turned_away() {
    // Written without seeing the rules: only the promise that no citizen
    // is turned away without a person is asserted; the rest is reported.
    let f = measure("holdout.jsonl", false);
    assert!(f.turned_away.is_empty(), "{:?}", f.turned_away);
}

#[test]
fn no_legitimate_submission_of_the_second_development_set_is_turned_away() {
    // A second set written for the rules, with more near misses; its
    // first measurement was made before the rules were tuned to it.
    let f = measure("development2.jsonl", true);
    assert!(f.turned_away.is_empty(), "{:?}", f.turned_away);
}

#[test]
fn no_legitimate_submission_of_the_second_held_out_set_is_turned_away() {
    let f = measure("holdout2.jsonl", false);
    assert!(f.turned_away.is_empty(), "{:?}", f.turned_away);
}
