//! Expands the built-in calendar years (`calendar/YYYY.json`) at build
//! time into a table of their special days, so an instance starts with
//! the official calendar without parsing JSON or dates (`calendar.rs`
//! checks the table against the JSON it came from).

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

fn main() {
    println!("cargo:rerun-if-changed=calendar");
    let mut files: Vec<_> = std::fs::read_dir("calendar")
        .expect("shared/calendar")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut years = String::new();
    let mut days = String::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(path).expect("readable");
        let data: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let year = data["year"].as_i64().expect("year");
        let notices: Vec<String> = data["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .map(|n| format!("{:?}", n.as_str().expect("notice")))
            .collect();
        writeln!(years, "    ({year}, &[{}]),", notices.join(", ")).expect("write");
        for holiday in data["holidays"].as_array().expect("holidays") {
            let name = holiday["name"].as_str().expect("name");
            for (list, off) in [("days_off", true), ("working_days", false)] {
                let Some(items) = holiday[list].as_array() else {
                    continue;
                };
                for item in items {
                    let item = item.as_str().expect("date");
                    let (from, to) = item.split_once('/').unwrap_or((item, item));
                    let parse = |s: &str| {
                        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                            .unwrap_or_else(|_| panic!("{}: {s:?} is not a date", path.display()))
                    };
                    let (from, to) = (parse(from), parse(to));
                    // The shape `Calendar::load_year` accepts (its other
                    // checks run on the same files in the tests).
                    assert!(
                        from <= to && (to - from).num_days() <= 31,
                        "{}: {item:?} is not a range of at most 31 days",
                        path.display()
                    );
                    for date in from.iter_days().take_while(|d| *d <= to) {
                        let (y, m, d) = (date.year(), date.month(), date.day());
                        writeln!(
                            days,
                            "    BuiltInDay {{ year: {year}, ymd: ({y}, {m}, {d}), off: {off}, name: {name:?} }},"
                        )
                            .expect("write");
                    }
                }
            }
        }
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR"))
        .join("calendar_built_in.rs");
    std::fs::write(
        out,
        format!(
            "/// The built-in years and the notices each cites.\n\
             const BUILT_IN_YEARS: &[(i32, &[&str])] = &[\n{years}];\n\
             /// Their special days.\n\
             const BUILT_IN_DAYS: &[BuiltInDay] = &[\n{days}];\n"
        ),
    )
    .expect("written");
}
