//! Application variables, as Spin resolves them.
//!
//! `[variables]` declares each with a `default` or `required = true` (and
//! maybe `secret = true`). A value comes from `--variable name=value`, else
//! from the environment variable `SPIN_VARIABLE_<NAME>` (upper case), else
//! the default. Components see only their own `variables` table, whose
//! values are templates over application variables (`"{{ name }}"`), all
//! rendered at start-up: a required variable without a value stops start-up
//! with its name. Values are never printed, secret or not.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// One `[variables]` entry. `description` and `secret` are parsed for
/// strictness only: no value is ever printed, secret or not.
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub secret: bool,
}

/// Spin's variable names: lower snake case, starting with a letter.
pub fn is_valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// Checks the declarations (at manifest load).
pub fn check_declarations(vars: &BTreeMap<String, Variable>) -> Result<()> {
    for (name, v) in vars {
        if !is_valid_name(name) {
            bail!("variable {name:?}: names are lower snake case (letters, digits, '_'), starting with a letter");
        }
        match (v.required, &v.default) {
            (true, Some(_)) => {
                bail!("variable {name:?} is required and so must not have a default")
            }
            (false, None) => bail!("variable {name:?} needs a default, or `required = true`"),
            _ => {}
        }
    }
    Ok(())
}

/// The parts of a template: literal text and `{{ name }}` references.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Ref(&'a str),
}

fn parse_template(template: &str) -> Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .with_context(|| format!("unclosed '{{{{' in {template:?}"))?;
        let name = after[..end].trim();
        if !is_valid_name(name) {
            bail!("{name:?} in {template:?} is not a variable name");
        }
        parts.push(Part::Ref(name));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Checks that a component's templates refer only to declared variables.
pub fn check_templates(
    component: &str,
    templates: &BTreeMap<String, String>,
    declared: &BTreeMap<String, Variable>,
) -> Result<()> {
    for (key, template) in templates {
        if !is_valid_name(key) {
            bail!("component {component:?}: variable {key:?} is not lower snake case");
        }
        for part in parse_template(template)
            .with_context(|| format!("component {component:?}, variable {key:?}"))?
        {
            if let Part::Ref(name) = part {
                if !declared.contains_key(name) {
                    bail!("component {component:?}, variable {key:?} refers to {name:?}, which [variables] does not declare");
                }
            }
        }
    }
    Ok(())
}

/// Resolved application variables.
#[derive(Clone, Default)]
pub struct Resolved {
    values: BTreeMap<String, String>,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values may be secrets.
        f.debug_set().entries(self.values.keys()).finish()
    }
}

/// Parses `--variable name=value` flags.
pub fn parse_flags(flags: &[String]) -> Result<BTreeMap<String, String>> {
    flags
        .iter()
        .map(|f| {
            let (name, value) = f
                .split_once('=')
                .with_context(|| "--variable takes name=value".to_string())?;
            let name = name.trim().to_string();
            if !is_valid_name(&name) {
                bail!("--variable: {name:?} is not a variable name");
            }
            Ok((name, value.to_string()))
        })
        .collect()
}

impl Resolved {
    /// Resolves every declared variable from flags, then the environment,
    /// then its default.
    pub fn resolve(
        declared: &BTreeMap<String, Variable>,
        flags: &BTreeMap<String, String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        for name in flags.keys() {
            if !declared.contains_key(name) {
                bail!("--variable {name}: the manifest's [variables] does not declare it");
            }
        }
        let mut values = BTreeMap::new();
        for (name, v) in declared {
            let value = flags
                .get(name)
                .cloned()
                .or_else(|| env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())))
                .or_else(|| v.default.clone());
            match value {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None => bail!(
                    "required variable {name:?} has no value: set SPIN_VARIABLE_{} or pass --variable {name}=...",
                    name.to_ascii_uppercase()
                ),
            }
        }
        Ok(Self { values })
    }

    /// Renders one template (e.g. an `allowed_outbound_hosts` entry).
    pub fn render_one(&self, template: &str) -> Result<String> {
        let mut out = String::new();
        for part in parse_template(template)? {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Ref(name) => out.push_str(
                    self.values
                        .get(name)
                        .with_context(|| format!("variable {name:?} is not declared"))?,
                ),
            }
        }
        Ok(out)
    }

    /// Renders a component's templates into its variables.
    pub fn render(&self, templates: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
        templates
            .iter()
            .map(|(key, template)| Ok((key.clone(), self.render_one(template)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> BTreeMap<String, Variable> {
        let v = |required, default: Option<&str>, secret| Variable {
            description: None,
            required,
            default: default.map(str::to_string),
            secret,
        };
        BTreeMap::from([
            (
                "api_host".to_string(),
                v(false, Some("example.test"), false),
            ),
            ("token_key".to_string(), v(true, None, true)),
        ])
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_value_comes_from_the_flag_then_the_environment_then_the_default() {
        let flags = BTreeMap::from([("token_key".to_string(), "from-flag".to_string())]);
        let env = |k: &str| {
            (k == "SPIN_VARIABLE_TOKEN_KEY" || k == "SPIN_VARIABLE_API_HOST")
                .then(|| "from-env".to_string())
        };
        let r = Resolved::resolve(&declared(), &flags, env).expect("resolves");
        assert_eq!(r.values["token_key"], "from-flag");
        assert_eq!(r.values["api_host"], "from-env");
        let r = Resolved::resolve(&declared(), &flags, no_env).expect("resolves");
        assert_eq!(r.values["api_host"], "example.test");
    }

    #[test]
    fn a_required_variable_without_a_value_names_itself() {
        let err = Resolved::resolve(&declared(), &BTreeMap::new(), no_env).unwrap_err();
        assert!(err.to_string().contains("token_key"), "{err}");
        assert!(err.to_string().contains("SPIN_VARIABLE_TOKEN_KEY"), "{err}");
    }

    #[test]
    fn templates_are_rendered_from_application_variables() {
        let flags = BTreeMap::from([("token_key".to_string(), "s3cret".to_string())]);
        let r = Resolved::resolve(&declared(), &flags, no_env).expect("resolves");
        let templates = BTreeMap::from([
            ("url".to_string(), "https://{{ api_host }}/v1".to_string()),
            ("key".to_string(), "{{token_key}}".to_string()),
        ]);
        let rendered = r.render(&templates).expect("renders");
        assert_eq!(rendered["url"], "https://example.test/v1");
        assert_eq!(rendered["key"], "s3cret");
    }

    #[test]
    fn debug_output_shows_names_never_values() {
        let flags = BTreeMap::from([("token_key".to_string(), "s3cret".to_string())]);
        let r = Resolved::resolve(&declared(), &flags, no_env).expect("resolves");
        let shown = format!("{r:?}");
        assert!(
            shown.contains("token_key") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn declarations_and_templates_are_checked() {
        let mut d = declared();
        d.insert(
            "BadName".into(),
            Variable {
                description: None,
                required: true,
                default: None,
                secret: false,
            },
        );
        assert!(check_declarations(&d).is_err());
        let both = BTreeMap::from([(
            "x".to_string(),
            Variable {
                description: None,
                required: true,
                default: Some("d".into()),
                secret: false,
            },
        )]);
        assert!(check_declarations(&both).is_err());
        let t = BTreeMap::from([("k".to_string(), "{{ missing }}".to_string())]);
        assert!(check_templates("c", &t, &declared()).is_err());
        let t = BTreeMap::from([("k".to_string(), "{{ api_host".to_string())]);
        assert!(check_templates("c", &t, &declared()).is_err());
        assert!(parse_flags(&["novalue".to_string()]).is_err());
    }
}
