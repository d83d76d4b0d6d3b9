//! Reading a JSON object field by field, so that one answer names every bad
//! field: each field's type says how it is read ([`FieldValue`]), and
//! [`Fields`] collects the problems as [`FieldError`]s.

use serde::Serialize;
use serde_json::{Map, Value};

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `submitter.phone` or `co_units[1]`.
    pub field: String,
    /// A stable code a client can switch on.
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// A problem with the field at `field`.
    pub fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            code,
            message: message.into(),
        }
    }
}

/// A problem with a value, before it is known which field held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Appended to the field's path (`[1]` for a list's second item).
    pub suffix: String,
    /// As [`FieldError::code`].
    pub code: &'static str,
    /// As [`FieldError::message`].
    pub message: String,
}

impl Issue {
    /// A problem with the value itself.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            suffix: String::new(),
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Vec<Self> {
        vec![Self::new("invalid", message)]
    }

    fn wrong_type(message: impl Into<String>) -> Vec<Self> {
        vec![Self::new("wrong_type", message)]
    }
}

/// A type that can be read from one JSON field.
pub trait FieldValue: Sized {
    /// Reads a present, non-null value.
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>>;

    /// The value of an absent (or null) field; `None` makes it required.
    fn when_absent() -> Option<Self> {
        None
    }

    /// What a required field's absence is reported as.
    fn missing() -> Issue {
        Issue::new("missing", "this field is required")
    }

    /// A list of these, in words (for a list field that is not a list).
    fn list_name() -> &'static str {
        "a list"
    }

    /// What any bad item of a list of these is reported as, if not the
    /// item's own problem.
    fn item_issue() -> Option<Issue> {
        None
    }
}

/// A whole number as JSON Schema's `integer` reads one: `2` and `2.0`
/// alike; `None` for a fraction, anything out of range or not a number.
pub fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    })
}

/// The longest free text an action takes, in characters.
pub const TEXT_MAX_CHARS: usize = 5000;

/// Text of at most `max` characters as given (not bytes: most text is
/// Chinese), not only white space, kept trimmed: `empty` or `too_long`
/// otherwise (the limits the OpenAPI document states).
pub fn bounded_text(value: &Value, max: usize) -> Result<String, Vec<Issue>> {
    let Value::String(s) = value else {
        return Err(Issue::wrong_type("this field must be a string"));
    };
    let text = s.trim();
    if crate::base::text::has_bidi_controls(s) {
        return Err(vec![bidi_issue()]);
    }
    match (text.is_empty(), s.chars().count()) {
        (true, _) => Err(vec![Issue::new("empty", "this field must not be empty")]),
        (_, n) if n > max => Err(vec![Issue::new(
            "too_long",
            format!("at most {max} characters"),
        )]),
        _ => Ok(text.to_string()),
    }
}

/// What text with a bidirectional control is refused as: such characters
/// can make text read as something it is not.
fn bidi_issue() -> Issue {
    Issue::new(
        "bidi_control",
        "text must not hold bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C)",
    )
}

/// Free text of a staff action: trimmed, 1 to [`TEXT_MAX_CHARS`]
/// characters (`invalid` otherwise).
impl FieldValue for String {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        match value {
            Value::String(s) if crate::base::text::has_bidi_controls(s) => Err(vec![bidi_issue()]),
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= TEXT_MAX_CHARS => {
                Ok(s.trim().to_string())
            }
            Value::String(_) => Err(Issue::invalid(format!("1 to {TEXT_MAX_CHARS} characters"))),
            _ => Err(Issue::wrong_type("this field must be a string")),
        }
    }
}

/// Free text of at most `MAX` characters, trimmed (for fields shorter than
/// [`TEXT_MAX_CHARS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded<const MAX: usize>(pub String);

impl<const MAX: usize> FieldValue for Bounded<MAX> {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        bounded_text(value, MAX).map(Self)
    }
}

impl FieldValue for bool {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        value
            .as_bool()
            .ok_or_else(|| Issue::wrong_type("true or false"))
    }

    fn missing() -> Issue {
        Issue::new("wrong_type", "true or false")
    }
}

/// Optional: absent or null is `None`.
impl<T: FieldValue> FieldValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        T::from_value(value).map(Some)
    }

    fn when_absent() -> Option<Self> {
        Some(None)
    }
}

/// A list: absent or null is empty; each bad item is named by its index.
impl<T: FieldValue> FieldValue for Vec<T> {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        let Value::Array(items) = value else {
            return Err(Issue::wrong_type(T::list_name()));
        };
        let mut out = Vec::with_capacity(items.len());
        let mut issues = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match (T::from_value(item), T::item_issue()) {
                (Ok(v), _) => out.push(v),
                (Err(_), Some(mut issue)) => {
                    issue.suffix = format!("[{i}]");
                    issues.push(issue);
                }
                (Err(found), None) => issues.extend(found.into_iter().map(|mut issue| {
                    issue.suffix = format!("[{i}]{}", issue.suffix);
                    issue
                })),
            }
        }
        if issues.is_empty() {
            Ok(out)
        } else {
            Err(issues)
        }
    }

    fn when_absent() -> Option<Self> {
        Some(Vec::new())
    }
}

/// A value written as text and parsed by its type (`invalid` when it does
/// not parse, with the type's own explanation).
pub fn parsed_text<T>(value: &Value) -> Result<T, Vec<Issue>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match value.as_str().map(str::parse::<T>) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Issue::invalid(e.to_string())),
        None => Err(Issue::wrong_type("this field must be a string")),
    }
}

/// One of a closed set of texts (`unknown_value` otherwise, listing them).
pub fn one_of<T: std::str::FromStr>(value: &Value, allowed: &[&str]) -> Result<T, Vec<Issue>> {
    match value.as_str().map(str::parse::<T>) {
        Some(Ok(v)) => Ok(v),
        Some(Err(_)) => Err(vec![Issue::new(
            "unknown_value",
            format!("must be one of: {}", allowed.join(", ")),
        )]),
        None => Err(Issue::wrong_type("this field must be a string")),
    }
}

/// A unit id, as text (trimmed); any bad item of a list is `invalid`.
impl FieldValue for crate::base::ids::UnitId {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        let text = String::from_value(value)?;
        text.parse()
            .map_err(|e: crate::base::ids::UnitIdError| Issue::invalid(e.to_string()))
    }

    fn list_name() -> &'static str {
        "a list of unit ids"
    }

    fn item_issue() -> Option<Issue> {
        Some(Issue::new("invalid", "a unit id"))
    }
}

/// A person id, as text (trimmed).
impl FieldValue for crate::base::ids::PersonId {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        let text = String::from_value(value)?;
        text.parse()
            .map_err(|e: crate::base::ids::PersonIdError| Issue::invalid(e.to_string()))
    }
}

impl FieldValue for crate::base::ids::CountyCode {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        parsed_text(value)
    }
}

/// Reads the fields of one JSON object, collecting every problem.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Reads `value`, which must be an object (a `wrong_type` error for the
    /// whole body otherwise).
    pub fn of(value: &'a Value) -> Result<Self, Vec<FieldError>> {
        match value.as_object() {
            Some(object) => Ok(Self::new(object, "")),
            None => Err(vec![FieldError::new(
                "",
                "wrong_type",
                "the body must be a JSON object",
            )]),
        }
    }

    /// Reads `object`, naming its fields with `prefix` (`submitter.`).
    pub fn new(object: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            object,
            prefix: prefix.to_string(),
            errors: Vec::new(),
        }
    }

    /// The raw value of a field, if present and not null.
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    /// The field `name` read as a `T`; `None` (and an error recorded) when
    /// it is missing or invalid.
    pub fn get<T: FieldValue>(&mut self, name: &str) -> Option<T> {
        match self.raw(name) {
            None => {
                let absent = T::when_absent();
                if absent.is_none() {
                    let issue = T::missing();
                    self.error(name, issue.code, issue.message);
                }
                absent
            }
            Some(value) => match T::from_value(value) {
                Ok(v) => Some(v),
                Err(issues) => {
                    for issue in issues {
                        let field = format!("{}{name}{}", self.prefix, issue.suffix);
                        self.errors
                            .push(FieldError::new(&field, issue.code, issue.message));
                    }
                    None
                }
            },
        }
    }

    /// As [`Fields::get`], with `default` when the field is absent, null
    /// or blank text (an optional note left empty).
    pub fn get_or<T: FieldValue>(&mut self, name: &str, default: impl FnOnce() -> T) -> Option<T> {
        match self.raw(name) {
            None => Some(default()),
            Some(Value::String(s)) if s.trim().is_empty() => Some(default()),
            Some(_) => self.get(name),
        }
    }

    /// Records a problem with the field `name`.
    pub fn error(&mut self, name: &str, code: &'static str, message: impl Into<String>) {
        let field = format!("{}{name}", self.prefix);
        self.errors.push(FieldError::new(&field, code, message));
    }

    /// Records an `unknown_field` error for every field not in `known`.
    pub fn only(&mut self, known: &[&str], what: &str) {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.error(
                &key,
                "unknown_field",
                format!("this field is not part of {what}"),
            );
        }
    }

    /// Whether no problem was found so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every problem found.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// `value` if no problem was found, otherwise every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_whole_number_written_with_a_point_zero_reads_exactly_even_near_two_to_the_fifty_third() {
        for (text, expected) in [
            ("1878005704447747.0", Some(1_878_005_704_447_747)),
            ("384664703375.0", Some(384_664_703_375)),
            ("2", Some(2)),
            ("2.5", None),
            ("1e300", None),
        ] {
            let value: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(whole_number(&value), expected, "{text}");
        }
    }

    #[test]
    fn text_with_a_bidirectional_control_is_refused_with_its_own_code() {
        let body =
            json!({"note": "已处理\u{202E}完毕", "title": "路灯\u{2066}不亮", "ok": "已处理"});
        let mut f = Fields::of(&body).expect("object");
        assert!(f.get::<String>("note").is_none());
        assert!(f.get::<Bounded<50>>("title").is_none());
        assert_eq!(f.get::<String>("ok").as_deref(), Some("已处理"));
        let codes: Vec<(String, &str)> = f
            .into_errors()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("note".to_string(), "bidi_control"),
                ("title".to_string(), "bidi_control")
            ]
        );
    }

    #[test]
    fn every_bad_field_is_named_with_its_path() {
        let body = json!({"a": " ", "b": 3, "units": ["ok-unit", 3, "Bad"]});
        let mut f = Fields::of(&body).expect("object");
        let a = f.get::<String>("a");
        let b = f.get::<String>("b");
        let c = f.get::<String>("c");
        let units = f.get::<Vec<crate::base::ids::UnitId>>("units");
        let none = f.get::<Vec<crate::base::ids::UnitId>>("none");
        assert_eq!((a, b, c, units), (None, None, None, None));
        assert_eq!(none, Some(vec![]));
        let got: Vec<(String, &str)> = f
            .into_errors()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".to_string(), "invalid"),
                ("b".to_string(), "wrong_type"),
                ("c".to_string(), "missing"),
                ("units[1]".to_string(), "invalid"),
                ("units[2]".to_string(), "invalid"),
            ]
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_error_about_the_body() {
        let errors = Fields::of(&json!([1])).err().expect("refused");
        assert_eq!(errors[0].field, "");
        assert_eq!(errors[0].code, "wrong_type");
    }
}
