//! The repository keeps the shape ARCHITECTURE.md describes: every stage is
//! a workspace member built by `spin.toml`, watches what it is built from,
//! is granted the stores its wasm imports and no other, and stays small;
//! the documents link each other and cite every provision the code cites.

use std::path::Path;

use e2e::repo_root;

fn read(path: impl AsRef<Path>) -> String {
    let path = repo_root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn toml_of(path: &str) -> toml::Table {
    toml::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every stage: its folder and package name.
fn stages() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("components")).expect("components") {
        let dir = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if dir == "common" {
            continue;
        }
        let package = toml_of(&format!("components/{dir}/Cargo.toml"))["package"]["name"]
            .as_str()
            .expect("package name")
            .to_string();
        out.push((dir, package));
    }
    out.sort();
    assert!(out.len() >= 6, "{out:?}");
    out
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_stage_is_a_wasm_only_member_built_and_watched_by_spin_toml() {
    let workspace = toml_of("Cargo.toml");
    let members = strings(workspace["workspace"].get("members"));
    let defaults = strings(workspace["workspace"].get("default-members"));
    let manifest = toml_of("spin.toml");
    let components = manifest["component"].as_table().expect("components");
    for (dir, package) in stages() {
        let path = format!("components/{dir}");
        assert!(members.contains(&path), "{path} is not a workspace member");
        assert!(!defaults.contains(&path), "{path} builds only for wasm");
        let (name, component) = components
            .iter()
            .find(|(_, c)| {
                c.get("build")
                    .and_then(|b| b.get("command"))
                    .and_then(|c| c.as_str())
                    == Some(&format!(
                        "cargo build --target wasm32-wasip1 --release -p {package}"
                    ))
            })
            .unwrap_or_else(|| panic!("spin.toml builds no component with -p {package}"));
        assert_eq!(
            component["source"].as_str(),
            Some(format!("target/wasm32-wasip1/release/{package}.wasm").as_str()),
            "{name}"
        );
        let watch = strings(component["build"].get("watch"));
        assert!(
            watch.contains(&format!("{path}/src/**/*.rs")),
            "{name} watches its source"
        );
        if read(format!("{path}/Cargo.toml")).contains("component-common") {
            assert!(
                watch.contains(&"components/common/src/**/*.rs".to_string())
                    && watch.contains(&"shared/src/**/*.rs".to_string()),
                "{name} watches the kit and the library"
            );
        }
    }
}

#[test]
fn every_component_is_granted_exactly_the_stores_and_variables_its_wasm_imports() {
    let manifest = toml_of("spin.toml");
    let components = manifest["component"].as_table().expect("components");
    let default = vec!["default".to_string()];
    for (name, component) in components {
        let source = component["source"].as_str().expect("source");
        let wasm = std::fs::read(repo_root().join(source))
            .unwrap_or_else(|e| panic!("{source}: {e} (build the components first)"));
        let interfaces =
            e2e::imports::interfaces(&wasm).unwrap_or_else(|e| panic!("{source}: {e}"));
        let needs = e2e::imports::needs(&interfaces);
        let granted = |key: &str| strings(component.get(key));
        assert_eq!(
            granted("key_value_stores"),
            if needs.key_value {
                default.clone()
            } else {
                vec![]
            },
            "{name}: key_value_stores, for imports {interfaces:?}"
        );
        assert_eq!(
            granted("sqlite_databases"),
            if needs.sqlite {
                default.clone()
            } else {
                vec![]
            },
            "{name}: sqlite_databases, for imports {interfaces:?}"
        );
        let variables = component
            .get("variables")
            .and_then(|v| v.as_table())
            .is_some_and(|t| !t.is_empty());
        assert_eq!(
            variables, needs.variables,
            "{name}: variables, for imports {interfaces:?}"
        );
    }
}

#[test]
fn the_kits_routes_are_spin_tomls_public_routes_and_the_chained_stages_its_private_ones() {
    let manifest = toml_of("spin.toml");
    let triggers = manifest["trigger"]["http"]
        .as_array()
        .expect("http triggers");
    let mut public: Vec<&str> = triggers
        .iter()
        .filter_map(|t| t["route"].as_str())
        .collect();
    public.sort();
    let mut named = common::routes::PUBLIC.to_vec();
    named.sort();
    assert_eq!(public, named);
    for stage in common::routes::CHAINED {
        let trigger = triggers
            .iter()
            .find(|t| t["component"].as_str() == Some(stage.component))
            .unwrap_or_else(|| panic!("no trigger for {}", stage.component));
        assert_eq!(
            trigger["route"].get("private").and_then(|p| p.as_bool()),
            Some(true),
            "{} is private",
            stage.component
        );
        // Its callers may reach it.
        let callers = manifest["component"]
            .as_table()
            .expect("components")
            .values()
            .filter(|c| {
                c.get("allowed_outbound_hosts")
                    .and_then(|h| h.as_array())
                    .is_some_and(|h| {
                        h.iter().any(|h| {
                            h.as_str() == Some(&format!("http://{}.spin.internal", stage.component))
                        })
                    })
            })
            .count();
        assert!(callers > 0, "nobody may call {}", stage.component);
    }
}

#[test]
fn a_stage_is_at_most_150_non_blank_lines_over_all_its_files_the_kit_apart() {
    for (dir, _) in stages() {
        let mut lines = 0;
        let mut files = Vec::new();
        for entry in
            std::fs::read_dir(repo_root().join(format!("components/{dir}/src"))).expect("src")
        {
            let path = entry.expect("file").path();
            lines += read(&path).lines().filter(|l| !l.trim().is_empty()).count();
            files.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        }
        assert!(
            lines <= 150,
            "components/{dir} has {lines} non-blank lines in {files:?}: it decides something \
             the library should (move it into shared/)"
        );
    }
}

/// Every file under `shared/src`, by its path relative to it.
/// Every `.rs` file under `dir` (relative to the repository), by its path
/// relative to `dir`.
fn source_files(dir: &str) -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).expect("below src");
                out.insert(rel.to_string_lossy().replace('\\', "/"), read(&path));
            }
        }
    }
    let base = repo_root().join(dir);
    let mut out = std::collections::BTreeMap::new();
    walk(&base, &base, &mut out);
    out
}

fn library_files() -> std::collections::BTreeMap<String, String> {
    source_files("shared/src")
}

/// The runner's folders, bottom first, as `runner/src/main.rs` describes
/// them.
const RUNNER_LAYERS: &[&str] = &["testing", "manifest", "storage", "host", "app", "trigger"];

#[test]
fn the_runners_folders_are_layers_from_the_manifest_up_to_the_triggers_with_no_cycle() {
    let files = source_files("runner/src");
    assert!(files.len() > 25, "{} files", files.len());
    let found = e2e::layers::check(&files, RUNNER_LAYERS);
    assert!(
        found.is_clean(),
        "runner/src breaks its layers (bottom first: {RUNNER_LAYERS:?}):\n\
         files outside the layers: {:?}\nupward imports: {:#?}\ncycles: {:?}",
        found.outside,
        found.upward,
        found.cycles
    );
    let main = read("runner/src/main.rs");
    for layer in RUNNER_LAYERS {
        assert!(
            files.keys().any(|f| f.starts_with(&format!("{layer}/"))),
            "{layer} has no files"
        );
        assert!(
            main.contains(&format!("mod {layer};")),
            "main.rs declares {layer}"
        );
    }
}

#[test]
fn the_librarys_folders_are_layers_no_module_imports_from_a_higher_one_or_in_a_cycle() {
    let files = library_files();
    assert!(files.len() > 40, "{} files", files.len());
    let found = e2e::layers::check(&files, shared::LAYERS);
    assert!(
        found.is_clean(),
        "shared/src breaks its layers (shared::LAYERS, bottom first):\n\
         files outside the layers: {:?}\nupward imports: {:#?}\ncycles: {:?}",
        found.outside,
        found.upward,
        found.cycles
    );
    // Every listed folder exists and is declared in lib.rs.
    let lib = read("shared/src/lib.rs");
    for layer in shared::LAYERS {
        assert!(
            files.keys().any(|f| f.starts_with(&format!("{layer}/"))),
            "{layer} has no files"
        );
        assert!(
            lib.contains(&format!("pub mod {layer};")),
            "lib.rs declares {layer}"
        );
    }
}

#[test]
fn the_librarys_unit_tests_sit_inline_in_their_module() {
    for (file, source) in library_files() {
        let name = file.rsplit('/').next().unwrap_or(&file);
        assert!(
            name != "tests.rs" && !name.ends_with("_tests.rs"),
            "{file}: unit tests go in their module's `#[cfg(test)] mod tests {{ … }}`"
        );
        assert!(
            !source.contains("#[path"),
            "{file}: a module is its own file, found by its name"
        );
    }
}

#[test]
fn no_glob_re_export_in_the_library() {
    for (file, source) in library_files() {
        for line in source.lines() {
            let line = line.trim();
            assert!(
                !(line.starts_with("pub use") && line.contains("::*")),
                "{file}: {line}: name what is re-exported"
            );
        }
    }
}

#[test]
fn the_readme_links_the_maintainers_documents_and_the_rules_cite_every_provision() {
    let readme = read("README.md");
    for doc in ["ARCHITECTURE.md", "docs/rules.md"] {
        assert!(readme.contains(&format!("]({doc})")), "README links {doc}");
        assert!(repo_root().join(doc).exists(), "{doc} exists");
    }
    assert!(
        !readme.contains("MISSION.md"),
        "the README sends no one outside the repo"
    );
    let rules = read("docs/rules.md");
    for article in shared::lifecycle::Article::ALL {
        assert!(
            rules.contains(&format!("`{}`", article.cite()))
                || rules.contains(&format!("as `{}`", article.cite())),
            "docs/rules.md cites {}",
            article.cite()
        );
    }
}

#[test]
fn the_end_to_end_tests_are_one_binary_every_file_a_module_of_it() {
    let dir = repo_root().join("tests/tests");
    let mut targets: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/tests")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    targets.sort();
    assert_eq!(targets, ["e2e"], "tests/tests holds only the e2e binary");
    let main = read("tests/tests/e2e/main.rs");
    for file in source_files("tests/tests/e2e").keys() {
        let Some(module) = file.strip_suffix(".rs") else {
            continue;
        };
        if module == "main" {
            continue;
        }
        assert!(
            main.lines().any(|l| l.trim() == format!("mod {module};")),
            "tests/tests/e2e/{file} is not declared in main.rs: its tests would never run"
        );
    }
}
