//! A crate's folders as layers: which folder each `crate::` path of a
//! module names, and the imports that run upward or close a cycle. Read by
//! `tests/tests/e2e/layout.rs` over `shared/src` (the order from
//! `shared::LAYERS`) and `runner/src`.

use std::collections::{BTreeMap, BTreeSet};

/// One import that breaks the order: the file, the folder it is in, and the
/// folder it names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Upward {
    /// The file, relative to `src`.
    pub file: String,
    /// Its folder.
    pub from: String,
    /// The folder it imports from, listed after its own.
    pub to: String,
}

/// What the check found in a tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Files outside any listed folder (the crate root apart).
    pub outside: Vec<String>,
    /// Imports from a higher folder.
    pub upward: Vec<Upward>,
    /// Cycles between folders, each as the folders in order.
    pub cycles: Vec<Vec<String>>,
}

impl Findings {
    /// Nothing found.
    pub fn is_clean(&self) -> bool {
        self.outside.is_empty() && self.upward.is_empty() && self.cycles.is_empty()
    }
}

/// Whether `file` (relative to `src`) holds the unit tests' helpers, which
/// may use any folder (the tests themselves sit inline, in `mod tests`).
pub fn is_test_file(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name == "test_support.rs"
}

/// The source without comments, string literals' contents, and an inline
/// `#[cfg(test)] mod tests { … }` block.
fn code_of(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &source[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some(raw) = rest.strip_prefix("r#\"") {
            i += 3 + raw.find("\"#").map_or(raw.len(), |e| e + 2);
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            i += (j + 1).min(rest.len());
            out.push_str("\"\"");
        } else if rest.starts_with("#[cfg(test)]")
            && rest["#[cfg(test)]".len()..]
                .trim_start()
                .starts_with("mod tests {")
        {
            let open = rest.find('{').unwrap_or(0);
            let mut depth = 0usize;
            let mut j = open;
            for (k, c) in rest[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            j = open + k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            i += j.max(1);
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The first segment of every `crate::` path in `code`, use groups
/// (`crate::{a::x, b}`) expanded.
fn crate_roots(code: &str) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1usize;
            let mut part = String::new();
            let mut parts = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        parts.push(std::mem::take(&mut part));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    parts.push(std::mem::take(&mut part));
                    break;
                }
                part.push(c);
            }
            for p in parts {
                let first: String = p
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !first.is_empty() {
                    roots.insert(first);
                }
            }
        } else {
            let first: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !first.is_empty() {
                roots.insert(first);
            }
        }
    }
    roots
}

/// Checks a tree, given as each file's path relative to `src` and its
/// text, against `layers` (the folders from the bottom up).
pub fn check(files: &BTreeMap<String, String>, layers: &[&str]) -> Findings {
    let rank = |folder: &str| layers.iter().position(|l| *l == folder);
    let mut findings = Findings::default();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, source) in files {
        if file == "lib.rs" || file == "main.rs" {
            continue;
        }
        let Some((folder, _)) = file.split_once('/') else {
            findings.outside.push(file.clone());
            continue;
        };
        let Some(own) = rank(folder) else {
            findings.outside.push(file.clone());
            continue;
        };
        if is_test_file(file) {
            continue;
        }
        for root in crate_roots(&code_of(source)) {
            if root == folder {
                continue;
            }
            let Some(theirs) = rank(&root) else {
                continue;
            };
            edges
                .entry(folder.to_string())
                .or_default()
                .insert(root.clone());
            if theirs > own {
                findings.upward.push(Upward {
                    file: file.clone(),
                    from: folder.to_string(),
                    to: root,
                });
            }
        }
    }
    findings.cycles = cycles(&edges);
    findings
}

/// Every elementary cycle through the graph's smallest folder of each, found
/// by a depth-first search from each folder (a few dozen edges).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn walk(
        edges: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        found: &mut BTreeSet<Vec<String>>,
    ) {
        let here = path.last().cloned().unwrap_or_default();
        for next in edges.get(&here).into_iter().flatten() {
            if next == start {
                found.insert(path.clone());
            } else if next.as_str() > start && !path.contains(next) {
                path.push(next.clone());
                walk(edges, start, path, found);
                path.pop();
            }
        }
    }
    let mut found = BTreeSet::new();
    for start in edges.keys() {
        walk(edges, start, &mut vec![start.clone()], &mut found);
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect()
    }

    #[test]
    fn an_import_from_a_higher_folder_and_the_cycle_it_closes_are_both_reported() {
        let files = tree(&[
            ("lib.rs", "pub mod low; pub mod high;"),
            ("low/mod.rs", "use crate::high::Thing;\n"),
            ("high/mod.rs", "use crate::{low::Other, high::Thing};\n"),
        ]);
        let found = check(&files, &["low", "high"]);
        assert_eq!(
            found.upward,
            vec![Upward {
                file: "low/mod.rs".into(),
                from: "low".into(),
                to: "high".into()
            }]
        );
        assert_eq!(
            found.cycles,
            vec![vec!["high".to_string(), "low".to_string()]]
        );
    }

    #[test]
    fn comments_strings_inline_tests_and_test_helpers_do_not_count() {
        let files = tree(&[
            ("low/mod.rs", "//! see [`crate::high`]\nconst S: &str = \"crate::high\";\n#[cfg(test)]\nmod tests {\n    use crate::high::X;\n}\n"),
            ("low/test_support.rs", "use crate::high::X;"),
            ("high/mod.rs", "fn f() { crate::low::g() }"),
        ]);
        assert!(check(&files, &["low", "high"]).is_clean());
    }

    #[test]
    fn a_module_file_at_the_root_or_in_an_unlisted_folder_is_outside() {
        let files = tree(&[("lib.rs", ""), ("stray.rs", ""), ("extra/mod.rs", "")]);
        assert_eq!(
            check(&files, &["low"]).outside,
            vec!["extra/mod.rs".to_string(), "stray.rs".to_string()]
        );
    }
}
