//! Submitters' personal data (Art. 11): names and phone numbers as types that
//! only hold valid values, and the masked forms shown by default.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Why a submitter's name or phone number is not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    /// The phone number is neither a mainland mobile number nor a landline with
    /// its area code.
    #[error("a phone number is a mainland mobile number (11 digits starting with 1) or a landline with its area code, e.g. 0392-1234567")]
    Phone,
    /// The name is empty, longer than 50 characters, or holds control
    /// characters.
    #[error("a name has 1 to 50 visible characters (no control, zero-width or bidirectional characters)")]
    Name,
    /// Not the last four digits of a phone number.
    #[error(
        "give the last 4 digits of the phone number the case was submitted with: ?phone_last4=5678"
    )]
    Last4,
}

/// The last four digits of a phone number: the citizen's second factor
/// beside the tracking code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneLast4(String);

impl PhoneLast4 {
    /// The four digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhoneLast4 {
    type Err = ContactError;

    fn from_str(s: &str) -> Result<Self, ContactError> {
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_string()))
        } else {
            Err(ContactError::Last4)
        }
    }
}

/// A phone number, stored in one canonical form: `13812345678` for a mobile,
/// `0392-1234567` for a landline.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The number in its canonical form, in the clear.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`; a landline keeps its area code and last 4 digits.
    pub fn masked(&self) -> String {
        let digits: Vec<char> = self.0.chars().collect();
        let keep_tail = 4;
        let keep_head = if self.0.starts_with('0') {
            self.0.find('-').map(|i| i + 1).unwrap_or(4)
        } else {
            3
        };
        digits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < keep_head || i + keep_tail >= digits.len() {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

impl FromStr for PhoneNumber {
    type Err = ContactError;

    fn from_str(s: &str) -> Result<Self, ContactError> {
        let cleaned: String = s
            .trim()
            .trim_start_matches("+86")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let digits: String = cleaned.chars().filter(|c| c.is_ascii_digit()).collect();
        let only_digits_and_dashes = cleaned.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !only_digits_and_dashes {
            return Err(ContactError::Phone);
        }
        let is_mobile = digits.len() == 11
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        if is_mobile && !cleaned.contains('-') {
            return Ok(Self(digits));
        }
        // A landline: area code 0 + 2 or 3 digits, then 7 or 8 digits.
        if let Some((area, local)) = cleaned.split_once('-') {
            let area_ok = area.starts_with('0') && (3..=4).contains(&area.len());
            let local_ok = (7..=8).contains(&local.len()) && !local.contains('-');
            if area_ok && local_ok {
                return Ok(Self(format!("{area}-{local}")));
            }
        }
        Err(ContactError::Phone)
    }
}

/// Never printed in full by accident.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

/// A person's name as given (Chinese or otherwise), 1–50 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// The name as given (trimmed), in the clear.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `张*`, `欧阳**`: the family name (first character) stays.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().map(String::from).unwrap_or_default();
        first + &"*".repeat(chars.count().max(1))
    }
}

impl FromStr for PersonName {
    type Err = ContactError;

    fn from_str(s: &str) -> Result<Self, ContactError> {
        // At most 50 characters as given (the limit a form states), at
        // least one that is not white space.
        let name = s.trim();
        let hidden = |c: char| c.is_control() || crate::base::text::is_invisible(c);
        if !name.is_empty() && s.chars().count() <= 50 && !name.chars().any(hidden) {
            Ok(Self(name.to_string()))
        } else {
            Err(ContactError::Name)
        }
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_hidden_or_reordering_characters_is_refused() {
        for spoof in [
            "张\u{202E}三",
            "张\u{200B}三",
            "\u{FEFF}张三",
            "张三\u{2066}",
            "张\n三",
        ] {
            assert_eq!(
                spoof.parse::<PersonName>(),
                Err(ContactError::Name),
                "{spoof:?}"
            );
        }
        assert!("欧阳·娜娜".parse::<PersonName>().is_ok());
    }

    #[test]
    fn a_mobile_number_is_masked_to_its_first_three_and_last_four_digits() {
        let phone: PhoneNumber = "138 1234 5678".parse().expect("valid");
        assert_eq!(phone.as_str(), "13812345678");
        assert_eq!(phone.masked(), "138****5678");
    }

    #[test]
    fn a_landline_keeps_its_area_code_when_masked() {
        let phone: PhoneNumber = "0392-1234567".parse().expect("valid");
        assert_eq!(phone.masked(), "0392-***4567");
    }

    #[test]
    fn a_country_prefix_is_dropped() {
        let phone: PhoneNumber = "+8613812345678".parse().expect("valid");
        assert_eq!(phone.as_str(), "13812345678");
    }

    #[test]
    fn malformed_phone_numbers_are_refused() {
        for bad in [
            "",
            "12345",
            "12812345678",
            "1381234567a",
            "392-1234567",
            "0392-123",
            "23812345678",
        ] {
            assert!(bad.parse::<PhoneNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_keeps_only_its_first_character_when_masked() {
        assert_eq!(
            "张三".parse::<PersonName>().map(|n| n.masked()),
            Ok("张*".into())
        );
        assert_eq!(
            "欧阳修文".parse::<PersonName>().map(|n| n.masked()),
            Ok("欧***".into())
        );
        assert_eq!(
            "李".parse::<PersonName>().map(|n| n.masked()),
            Ok("李*".into())
        );
    }

    #[test]
    fn debug_output_never_shows_personal_data() {
        let phone: PhoneNumber = "13812345678".parse().expect("valid");
        let name: PersonName = "张三".parse().expect("valid");
        let shown = format!("{phone:?} {name:?}");
        assert!(
            !shown.contains("13812345678") && !shown.contains("张三"),
            "{shown}"
        );
    }

    #[test]
    fn an_empty_or_overlong_name_is_refused() {
        assert!("  ".parse::<PersonName>().is_err());
        assert!("名".repeat(51).parse::<PersonName>().is_err());
    }
}
