//! A new case as submitted through any channel (Art. 2), parsed from JSON
//! field by field so that every problem names the field it is about.

use serde::Serialize;
use serde_json::Value;

use crate::base::ids::CountyCode;
use crate::case::contact::{PersonName, PhoneNumber};

/// Who submits (Art. 2: enterprises and the public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitterType {
    /// An enterprise.
    Enterprise,
    /// A member of the public.
    Individual,
}

text_enum!(SubmitterType {
    Enterprise = "enterprise",
    Individual = "individual",
});

/// The longest title, in characters (not bytes: most text is Chinese).
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest content, in characters.
pub const CONTENT_MAX_CHARS: usize = 5000;

/// The submitter's contact details: personal data, kept apart from the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitter {
    /// An enterprise or an individual.
    pub kind: SubmitterType,
    /// The submitter's name (or the enterprise's contact's).
    pub name: PersonName,
    /// Where the submitter is called back.
    pub phone: PhoneNumber,
    /// Optional: a resident ID number (or an enterprise's credit code).
    pub id_number: Option<String>,
    /// Optional: where the submitter can be reached.
    pub address: Option<String>,
}

/// An 18-character resident ID number or unified social credit code:
/// digits and capital letters (the ID's check character may be X).
fn valid_id_number(s: &str) -> bool {
    s.len() == 18
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// A case as accepted for intake: every field already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// Where it came in.
    pub channel: Channel,
    /// What is asked for.
    pub kind: Kind,
    /// A short title, trimmed.
    pub title: String,
    /// What happened and what is asked, trimmed.
    pub content: String,
    /// The county (district) the matter is in: routing is local first.
    pub county: CountyCode,
    /// Who submitted it: personal data, sealed when stored.
    pub submitter: Submitter,
    /// How a hotline agent handles it (Art. 6(二).1); `immediate` also
    /// serves the hall's on-the-spot answer (Art. 6(三)).
    pub mode: Option<HotlineMode>,
    /// Oral or written, for the service hall (Art. 6(三)).
    pub form: Option<HallForm>,
    /// Urgent: the online platform's shorter limits apply.
    pub urgent: bool,
    /// The answer given at once (即办) or by the unit on the call (直办).
    pub answer: Option<String>,
    /// The unit on the three-way call (直办).
    pub direct_unit: Option<crate::base::ids::UnitId>,
}

/// Why a submitter may not submit a case as given (Art. 2, 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// The channel or mode takes cases only through a signed-in agent.
    #[error("the hotline's phone line and the hall's desk, and any handling mode, take cases through an agent: sign in")]
    AgentRequired,
    /// The signed-in role does not take cases in.
    #[error(
        "cases are taken in by agents (hotline, hall desk) or the bureau, not by the {0} role"
    )]
    RoleNotAllowed(crate::case::words::Role),
    /// Only an agent records an answer given at once.
    #[error("an immediate answer or direct transfer is recorded by the agent who gave it")]
    AnswerByAgentOnly,
}

impl NewCase {
    /// Whether someone signed in with `role` (or no one) may submit this
    /// case: anyone on the public channels; an agent (or the bureau) on the
    /// phone line and at the hall's desk, and for any handling mode; only an
    /// agent for an answer given at once.
    pub fn admit(&self, role: Option<crate::case::words::Role>) -> Result<(), AdmissionError> {
        use crate::case::words::Role;
        let needs_agent = self.channel.needs_agent() || self.mode.is_some();
        match role {
            None if needs_agent => Err(AdmissionError::AgentRequired),
            None => Ok(()),
            Some(r) if !matches!(r, Role::Agent | Role::Bureau) => {
                Err(AdmissionError::RoleNotAllowed(r))
            }
            Some(r) => {
                let at_once = matches!(
                    self.mode,
                    Some(HotlineMode::Immediate | HotlineMode::Direct)
                );
                if at_once && r != Role::Agent {
                    Err(AdmissionError::AnswerByAgentOnly)
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl NewCase {
    /// Whether the case is answered at intake (即办, 直办, the hall's
    /// on-the-spot answer) and so closes there instead of going on to
    /// screening and dispatch. Admission lets only an agent submit these.
    pub fn answered_at_intake(&self) -> bool {
        matches!(
            self.mode,
            Some(HotlineMode::Immediate | HotlineMode::Direct)
        )
    }
}

pub use crate::base::fields::FieldError;
use crate::base::fields::{one_of, parsed_text, Bounded, FieldValue, Fields, Issue};
use crate::case::words::Kind;
use crate::case::words::{Channel, HallForm, HotlineMode};

/// Which fields go with which channel and mode.
fn check_channel_fields(
    f: &mut Fields<'_>,
    channel: Channel,
    mode: Option<HotlineMode>,
    form: Option<HallForm>,
    has_answer: bool,
    has_unit: bool,
) {
    let hall = channel == Channel::ServiceHall;
    if let Some(m) = mode {
        let allowed = channel.is_hotline() || (hall && m == HotlineMode::Immediate);
        if !allowed {
            f.error(
                "mode",
                "not_for_channel",
                "a mode is for hotline cases (and `immediate` for an answer at the hall)",
            );
        }
    }
    match (hall, form) {
        (true, None) => f.error("form", "missing", "a hall case is oral or written"),
        (false, Some(_)) => f.error("form", "not_for_channel", "only hall cases have a form"),
        _ => {}
    }
    let answered_at_once = matches!(mode, Some(HotlineMode::Immediate | HotlineMode::Direct));
    if answered_at_once && !has_answer {
        f.error("answer", "missing", "record the answer given");
    }
    if !answered_at_once && has_answer {
        f.error(
            "answer",
            "not_for_mode",
            "only an immediate or direct answer is recorded at intake",
        );
    }
    match (mode == Some(HotlineMode::Direct), has_unit) {
        (true, false) => f.error("unit", "missing", "the unit on the three-way call"),
        (false, true) => f.error(
            "unit",
            "not_for_mode",
            "a unit is named only for a direct transfer",
        ),
        _ => {}
    }
}

/// The text values of a closed set read as fields (`unknown_value`
/// listing the set otherwise).
macro_rules! one_of_field {
    ($($t:ty),+) => {$(
        impl FieldValue for $t {
            fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
                one_of(value, <$t>::ALL)
            }
        }
    )+};
}

one_of_field!(Channel, Kind, SubmitterType, HotlineMode, HallForm);

impl FieldValue for PersonName {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        parsed_text(value)
    }
}

impl FieldValue for PhoneNumber {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        parsed_text(value)
    }
}

/// An 18-character resident ID number or unified social credit code.
struct IdNumber(String);

impl FieldValue for IdNumber {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        match value.as_str() {
            Some(v) if valid_id_number(v) => Ok(Self(v.to_string())),
            _ => Err(vec![Issue::new(
                "invalid",
                "18 digits or capital letters (resident ID number or unified social credit code)",
            )]),
        }
    }
}

/// The longest address, in characters.
const ADDRESS_MAX_CHARS: usize = 200;

impl FieldValue for Submitter {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        let Value::Object(object) = value else {
            return Err(vec![Issue::new(
                "wrong_type",
                "this field must be an object",
            )]);
        };
        let mut f = Fields::new(object, "");
        f.only(&["type", "name", "phone", "id_number", "address"], "a case");
        let kind = f.get::<SubmitterType>("type");
        let name = f.get::<PersonName>("name");
        let phone = f.get::<PhoneNumber>("phone");
        let id_number = f.get::<Option<IdNumber>>("id_number");
        let address = f.get::<Option<Bounded<ADDRESS_MAX_CHARS>>>("address");
        let submitter = (|| {
            Some(Submitter {
                kind: kind?,
                name: name?,
                phone: phone?,
                id_number: id_number?.map(|i| i.0),
                address: address?.map(|a| a.0),
            })
        })();
        f.finish(submitter).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| Issue {
                    suffix: format!(".{}", e.field),
                    code: e.code,
                    message: e.message,
                })
                .collect()
        })
    }
}

impl NewCase {
    /// Parses a submission; on failure, every problem found, each naming
    /// its field.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(body)?;
        f.only(
            &[
                "channel",
                "kind",
                "title",
                "content",
                "county",
                "submitter",
                "mode",
                "form",
                "urgent",
                "answer",
                "unit",
            ],
            "a case",
        );
        let channel = f.get::<Channel>("channel");
        let kind = f.get::<Kind>("kind");
        let title = f.get::<Bounded<TITLE_MAX_CHARS>>("title");
        let content = f.get::<Bounded<CONTENT_MAX_CHARS>>("content");
        let county = f.get::<CountyCode>("county");
        let mode = f.get::<Option<HotlineMode>>("mode").flatten();
        let form = f.get::<Option<HallForm>>("form").flatten();
        let urgent = f.get::<Option<bool>>("urgent").flatten().unwrap_or(false);
        let answer = f
            .get::<Option<Bounded<CONTENT_MAX_CHARS>>>("answer")
            .flatten();
        let direct_unit = f.get::<Option<crate::base::ids::UnitId>>("unit").flatten();
        if let Some(channel) = channel {
            check_channel_fields(
                &mut f,
                channel,
                mode,
                form,
                answer.is_some(),
                direct_unit.is_some(),
            );
        }
        let submitter = f.get::<Submitter>("submitter");
        let case = (|| {
            Some(Self {
                channel: channel?,
                kind: kind?,
                title: title?.0,
                content: content?.0,
                county: county?,
                submitter: submitter?,
                mode,
                form,
                urgent,
                answer: answer.map(|a| a.0),
                direct_unit,
            })
        })();
        f.finish(case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::case::words::Channel;
    fn valid() -> Value {
        json!({
            "channel": "online_platform",
            "kind": "complaint",
            "title": "小区路灯不亮",
            "content": "淇滨区某小区路灯已坏两周，夜间出行不便，请尽快维修。",
            "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
        })
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn a_complete_submission_parses() {
        let case = NewCase::parse(&valid()).expect("valid");
        assert_eq!(case.channel, Channel::OnlinePlatform);
        assert_eq!(case.kind, Kind::Complaint);
        assert_eq!(case.county.as_str(), "410611000");
        assert_eq!(case.submitter.phone.masked(), "138****5678");
    }

    #[test]
    fn an_unknown_channel_names_the_field_and_the_allowed_values() {
        let mut body = valid();
        body["channel"] = json!("fax");
        let errors = NewCase::parse(&body).unwrap_err();
        assert_eq!(fields(&errors), vec![("channel", "unknown_value")]);
        assert!(errors[0].message.contains("service_hall"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let body = json!({"channel": 3, "kind": "complaint", "title": "", "county": "41", "submitter": {"type": "individual", "name": "张三", "phone": "12"}, "extra": 1});
        let errors = NewCase::parse(&body).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                ("extra", "unknown_field"),
                ("channel", "wrong_type"),
                ("title", "empty"),
                ("content", "missing"),
                ("county", "invalid"),
                ("submitter.phone", "invalid"),
            ]
        );
    }

    #[test]
    fn overlong_content_is_refused_by_characters_not_bytes() {
        let mut body = valid();
        body["content"] = json!("字".repeat(CONTENT_MAX_CHARS));
        assert!(NewCase::parse(&body).is_ok());
        body["content"] = json!("字".repeat(CONTENT_MAX_CHARS + 1));
        assert_eq!(
            fields(&NewCase::parse(&body).unwrap_err()),
            vec![("content", "too_long")]
        );
    }

    #[test]
    fn hall_cases_need_a_form_and_modes_belong_to_the_hotline() {
        let mut hall = valid();
        hall["channel"] = json!("service_hall");
        assert_eq!(
            fields(&NewCase::parse(&hall).unwrap_err()),
            vec![("form", "missing")]
        );
        hall["form"] = json!("oral");
        assert!(NewCase::parse(&hall).is_ok());
        hall["mode"] = json!("transfer");
        assert_eq!(
            fields(&NewCase::parse(&hall).unwrap_err()),
            vec![("mode", "not_for_channel")]
        );

        let mut online = valid();
        online["form"] = json!("written");
        assert_eq!(
            fields(&NewCase::parse(&online).unwrap_err()),
            vec![("form", "not_for_channel")]
        );
    }

    #[test]
    fn an_answer_at_once_needs_the_answer_and_a_direct_transfer_its_unit() {
        let mut phone = valid();
        phone["channel"] = json!("hotline_phone");
        phone["mode"] = json!("immediate");
        assert_eq!(
            fields(&NewCase::parse(&phone).unwrap_err()),
            vec![("answer", "missing")]
        );
        phone["answer"] = json!("已告知办理地点");
        assert!(NewCase::parse(&phone).is_ok());
        phone["mode"] = json!("direct");
        assert_eq!(
            fields(&NewCase::parse(&phone).unwrap_err()),
            vec![("unit", "missing")]
        );
        phone["unit"] = json!("qibin-hr");
        let case = NewCase::parse(&phone).expect("valid");
        assert_eq!(
            case.direct_unit.map(|u| u.to_string()),
            Some("qibin-hr".into())
        );
        phone["mode"] = json!("transfer");
        assert_eq!(
            fields(&NewCase::parse(&phone).unwrap_err()),
            vec![("answer", "not_for_mode"), ("unit", "not_for_mode")]
        );
    }

    #[test]
    fn an_id_number_and_address_are_optional_but_checked() {
        let mut body = valid();
        body["submitter"]["id_number"] = json!("41061119900101123X");
        body["submitter"]["address"] = json!("鹤壁市淇滨区九州路1号");
        let case = NewCase::parse(&body).expect("valid");
        assert_eq!(
            case.submitter.id_number.as_deref(),
            Some("41061119900101123X")
        );
        body["submitter"]["id_number"] = json!("123");
        assert_eq!(
            fields(&NewCase::parse(&body).unwrap_err()),
            vec![("submitter.id_number", "invalid")]
        );
    }

    #[test]
    fn who_may_submit_on_which_channel() {
        use crate::case::words::Role;
        let parse = |v: Value| NewCase::parse(&v).expect("valid");
        let online = parse(valid());
        assert_eq!(online.admit(None), Ok(()));
        let mut phone = valid();
        phone["channel"] = json!("hotline_phone");
        let phone_case = parse(phone.clone());
        assert_eq!(phone_case.admit(None), Err(AdmissionError::AgentRequired));
        assert_eq!(phone_case.admit(Some(Role::Agent)), Ok(()));
        assert_eq!(phone_case.admit(Some(Role::Bureau)), Ok(()));
        assert_eq!(
            phone_case.admit(Some(Role::Unit)),
            Err(AdmissionError::RoleNotAllowed(Role::Unit))
        );
        phone["mode"] = json!("immediate");
        phone["answer"] = json!("已答复");
        let answered = parse(phone);
        assert_eq!(
            answered.admit(Some(Role::Bureau)),
            Err(AdmissionError::AnswerByAgentOnly)
        );
        assert_eq!(answered.admit(Some(Role::Agent)), Ok(()));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(
            fields(&NewCase::parse(&json!([1, 2])).unwrap_err()),
            vec![("", "wrong_type")]
        );
    }

    #[test]
    fn a_missing_submitter_is_named() {
        let mut body = valid();
        body.as_object_mut().map(|o| o.remove("submitter"));
        assert_eq!(
            fields(&NewCase::parse(&body).unwrap_err()),
            vec![("submitter", "missing")]
        );
    }
}
