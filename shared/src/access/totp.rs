//! The second factor of a local account: time-based one-time passwords
//! (TOTP, RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) as every
//! authenticator app computes them from the secret in an `otpauth://` URI,
//! a code accepted for the step before and after now (±1 step of clock
//! drift) and each step's code only once; and ten one-time recovery codes
//! for a lost phone, kept only as hashes.

use hmac::{Hmac, Mac};
use sha2::Digest;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A TOTP secret (20 random bytes, as RFC 4226 recommends).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret([u8; 20]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// The secret of these random bytes.
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// The secret in base32 (RFC 4648, no padding), as authenticator apps
    /// take it.
    pub fn to_base32(&self) -> String {
        base32(&self.0)
    }

    /// The secret a base32 text names; `None` unless it is 20 bytes.
    pub fn from_base32(text: &str) -> Option<Self> {
        let bytes = unbase32(text)?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The `otpauth://` URI an authenticator app scans from a QR code.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", percent(issuer), percent(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            self.to_base32(),
            percent(issuer)
        )
    }

    /// The QR code of [`Secret::uri`] as an SVG image, for the first
    /// sign-in's page to show (no image leaves the server, no script
    /// library is needed).
    pub fn qr_svg(&self, issuer: &str, account: &str) -> String {
        match qrcode::QrCode::with_error_correction_level(
            self.uri(issuer, account).as_bytes(),
            qrcode::EcLevel::M,
        ) {
            Ok(code) => code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build(),
            Err(_) => String::new(),
        }
    }

    /// The code for step `step` (Unix time / 30).
    pub fn code_at_step(&self, step: i64) -> String {
        let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let bin = (u32::from(digest[offset] & 0x7f) << 24)
            | (u32::from(digest[offset + 1]) << 16)
            | (u32::from(digest[offset + 2]) << 8)
            | u32::from(digest[offset + 3]);
        format!("{:06}", bin % 10u32.pow(DIGITS))
    }

    /// The step a code matches at `unix` (now, the step before or the
    /// step after), if any, and only if it is later than `last_used` (each
    /// step's code is accepted once).
    pub fn check(&self, code: &str, unix: i64, last_used: i64) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix.div_euclid(STEP_SECONDS);
        [now - 1, now, now + 1].into_iter().find(|&step| {
            step > last_used
                && constant_time_eq(self.code_at_step(step).as_bytes(), code.as_bytes())
        })
    }
}

/// Recovery codes from random bytes: ten codes of 10 characters in two
/// groups (`k7qm2-x9fd4`), from an alphabet without look-alikes.
pub fn recovery_codes(random: &[u8; RECOVERY_CODES * 10]) -> Vec<String> {
    const ALPHABET: &[u8; 32] = b"23456789abcdefghjkmnpqrstuvwxyz0";
    random
        .chunks(10)
        .map(|chunk| {
            let chars: String = chunk
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// The context a person's TOTP secret is sealed under (with the
/// personal-data key): bound to the person, so a sealed secret moved to
/// another account's row does not open.
pub fn sealing_context(person: &str) -> String {
    format!("totp:{person}")
}

/// The hash a recovery code is kept as (SHA-256 of its normalised form:
/// lowercase, no spaces or dashes; the codes are random, so no salt is
/// needed).
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    sha2::Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 seed, "12345678901234567890".
    fn rfc_secret() -> Secret {
        Secret::from_bytes(*b"12345678901234567890")
    }

    #[test]
    fn codes_are_rfc_6238s_test_vectors() {
        // Appendix B, SHA-1, the last six of the eight digits.
        let s = rfc_secret();
        for (unix, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(s.code_at_step(unix / STEP_SECONDS), code, "at {unix}");
        }
    }

    #[test]
    fn a_code_is_good_one_step_either_side_and_only_once() {
        let s = rfc_secret();
        let now = 1_234_567_890;
        let step = now / STEP_SECONDS;
        let code = s.code_at_step(step);
        assert_eq!(s.check(&code, now, 0), Some(step));
        assert_eq!(s.check(&code, now + 30, 0), Some(step), "a step late");
        assert_eq!(s.check(&code, now - 30, 0), Some(step), "a step early");
        assert_eq!(s.check(&code, now + 60, 0), None, "two steps late");
        // Used once: its step is done, and the code with it.
        assert_eq!(s.check(&code, now, step), None);
        assert_eq!(s.check("12345", now, 0), None);
        assert_eq!(s.check("abcdef", now, 0), None);
    }

    #[test]
    fn the_secret_travels_as_base32_in_an_otpauth_uri() {
        let s = rfc_secret();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(Secret::from_base32(&s.to_base32()), Some(s.clone()));
        assert_eq!(Secret::from_base32("GEZDGNBV"), None);
        let svg = s.qr_svg("casework", "li.na");
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{}",
            &svg[..60]
        );
        assert_eq!(
            s.uri("淇滨区12345", "li.na"),
            "otpauth://totp/%E6%B7%87%E6%BB%A8%E5%8C%BA12345:li.na?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E6%B7%87%E6%BB%A8%E5%8C%BA12345&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_kept_as_hashes_of_their_normal_form() {
        let mut random = [0u8; RECOVERY_CODES * 10];
        for (i, b) in random.iter_mut().enumerate() {
            *b = (i * 37 % 251) as u8;
        }
        let codes = recovery_codes(&random);
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let upper = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(recovery_hash(&upper), recovery_hash(&codes[0]));
        assert_ne!(recovery_hash(&codes[1]), recovery_hash(&codes[0]));
    }
}
