use super::*;
use crate::case::words::Role;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const ISSUER: &str = "https://sso.example.gov.cn";

fn signer() -> DevSigner {
    DevSigner::from_seed([7; 32])
}

fn policy() -> TokenPolicy {
    TokenPolicy::parse(ISSUER, "casework", "43200").expect("policy")
}

fn verifier() -> Verifier {
    Verifier::from_jwks(&signer().jwks(), policy()).expect("verifier")
}

/// A token of the given claims, signed EdDSA by `signer` with its kid.
fn signed_by(signer: &DevSigner, claims: Value) -> String {
    signer.sign_claims(&claims).expect("signs")
}

fn claims() -> Value {
    json!({"sub": "zhang.wei", "role": "bureau", "iss": ISSUER, "aud": "casework",
           "iat": NOW - 10, "exp": NOW + 3600})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    if let Some(map) = base.as_object_mut() {
        map.remove(key);
    }
    base
}

#[test]
fn a_token_signed_by_a_trusted_key_names_its_person_and_role() {
    let p = verifier()
        .verify(&signed_by(&signer(), claims()), NOW)
        .expect("verifies");
    assert_eq!(p.subject, "zhang.wei");
    assert_eq!(p.role, Role::Bureau);
}

#[test]
fn a_token_signed_by_another_key_is_refused_whether_or_not_it_names_a_trusted_kid() {
    let mallory = DevSigner::from_seed([9; 32]);
    assert_eq!(
        verifier().verify(&signed_by(&mallory, claims()), NOW),
        Err(TokenError::UnknownKey)
    );
    // Mallory's token claiming the trusted key's id.
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(&mallory.seed);
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(signer().kid());
    let forged =
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&der)).expect("signs");
    assert_eq!(verifier().verify(&forged, NOW), Err(TokenError::Signature));
}

#[test]
fn an_hs256_token_is_refused_even_when_its_secret_is_the_public_key() {
    let x = base64url(&signer().public_key());
    for secret in [x.as_bytes(), b"anything".as_slice()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(signer().kid());
        let token = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret))
            .expect("signs");
        assert_eq!(verifier().verify(&token, NOW), Err(TokenError::Algorithm));
    }
}

#[test]
fn a_wrong_or_missing_issuer_or_audience_is_refused() {
    let v = verifier();
    let s = signer();
    let iss = signed_by(&s, with(claims(), "iss", json!("https://evil.example")));
    assert_eq!(v.verify(&iss, NOW), Err(TokenError::Issuer));
    let aud = signed_by(&s, with(claims(), "aud", json!("another-app")));
    assert_eq!(v.verify(&aud, NOW), Err(TokenError::Audience));
    let no_aud = signed_by(&s, without(claims(), "aud"));
    assert_eq!(
        v.verify(&no_aud, NOW),
        Err(TokenError::Missing("aud".into()))
    );
    let no_iss = signed_by(&s, without(claims(), "iss"));
    assert_eq!(
        v.verify(&no_iss, NOW),
        Err(TokenError::Missing("iss".into()))
    );
    let many = signed_by(&s, with(claims(), "aud", json!(["portal", "casework"])));
    assert!(
        v.verify(&many, NOW).is_ok(),
        "an aud list naming us is fine"
    );
}

#[test]
fn expiry_and_not_before_are_checked_with_a_minute_of_leeway() {
    let v = verifier();
    let s = signer();
    let just_expired = signed_by(&s, with(claims(), "exp", json!(NOW - 30)));
    assert!(v.verify(&just_expired, NOW).is_ok());
    let expired = signed_by(&s, with(claims(), "exp", json!(NOW - 61)));
    assert_eq!(v.verify(&expired, NOW), Err(TokenError::Expired));
    let no_exp = signed_by(&s, without(claims(), "exp"));
    assert_eq!(
        v.verify(&no_exp, NOW),
        Err(TokenError::Missing("exp".into()))
    );
    let later = signed_by(&s, with(claims(), "nbf", json!(NOW + 600)));
    assert_eq!(v.verify(&later, NOW), Err(TokenError::NotYetValid));
    let skewed = signed_by(&s, with(claims(), "nbf", json!(NOW + 30)));
    assert!(v.verify(&skewed, NOW).is_ok());
    let issued_later = signed_by(&s, with(claims(), "iat", json!(NOW + 600)));
    assert_eq!(v.verify(&issued_later, NOW), Err(TokenError::NotYetValid));
}

#[test]
fn a_token_living_longer_than_the_cap_is_refused_with_or_without_iat() {
    let v = verifier();
    let s = signer();
    let long = signed_by(&s, with(claims(), "exp", json!(NOW - 10 + 43_200 + 3600)));
    assert_eq!(v.verify(&long, NOW), Err(TokenError::TooLong(43_200)));
    let far = signed_by(
        &s,
        with(
            without(claims(), "iat"),
            "exp",
            json!(NOW + 5 * 365 * 86_400),
        ),
    );
    assert_eq!(v.verify(&far, NOW), Err(TokenError::TooLong(43_200)));
    let shift = signed_by(&s, with(claims(), "exp", json!(NOW - 10 + 43_200)));
    assert!(
        v.verify(&shift, NOW).is_ok(),
        "a 12-hour shift's token is fine"
    );
}

#[test]
fn claims_that_describe_no_staff_member_are_refused() {
    let s = signer();
    let citizen = signed_by(&s, with(claims(), "role", json!("citizen")));
    assert!(matches!(
        verifier().verify(&citizen, NOW),
        Err(TokenError::Claims(_))
    ));
    let unitless = signed_by(&s, with(claims(), "role", json!("unit")));
    assert!(matches!(
        verifier().verify(&unitless, NOW),
        Err(TokenError::Claims(_))
    ));
    assert_eq!(
        verifier().verify("not.a.token", NOW),
        Err(TokenError::Malformed)
    );
    assert_eq!(verifier().verify("", NOW), Err(TokenError::Malformed));
}

#[test]
fn a_key_missing_from_the_jwks_after_rotation_no_longer_verifies() {
    let old = signer();
    let new = DevSigner::from_seed([8; 32]);
    let token = signed_by(&old, claims());
    let both = format!(r#"{{"keys": [{}, {}]}}"#, jwk_of(&old), jwk_of(&new));
    let during = Verifier::from_jwks(&both, policy()).expect("verifier");
    assert!(during.verify(&token, NOW).is_ok());
    let after = Verifier::from_jwks(&new.jwks(), policy()).expect("verifier");
    assert_eq!(after.verify(&token, NOW), Err(TokenError::UnknownKey));
    assert!(after.verify(&signed_by(&new, claims()), NOW).is_ok());
}

fn jwk_of(s: &DevSigner) -> String {
    let set: Value = serde_json::from_str(&s.jwks()).expect("json");
    set["keys"][0].to_string()
}

#[test]
fn a_jwks_with_a_shared_secret_or_no_key_is_refused_at_configuration() {
    let oct = r#"{"keys": [{"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}]}"#;
    assert!(matches!(
        Verifier::from_jwks(oct, policy()),
        Err(TokenConfigError::Key { kid: Some(k), .. }) if k == "k1"
    ));
    assert_eq!(
        Verifier::from_jwks(r#"{"keys": []}"#, policy()).map(|_| ()),
        Err(TokenConfigError::NoKeys)
    );
    assert!(matches!(
        Verifier::from_jwks("secret", policy()),
        Err(TokenConfigError::NotJwks(_))
    ));
    // RFC 7517 A.1's RSA public key is accepted (RS256).
    let rsa = r#"{"keys": [{"kty": "RSA", "kid": "2011-04-29", "e": "AQAB", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}"#;
    assert!(Verifier::from_jwks(rsa, policy()).is_ok());
}

#[test]
fn the_policy_needs_an_issuer_an_audience_and_a_positive_lifetime() {
    assert_eq!(
        TokenPolicy::parse("", "casework", "43200"),
        Err(TokenConfigError::NoIssuer)
    );
    assert_eq!(
        TokenPolicy::parse(ISSUER, " ", "43200"),
        Err(TokenConfigError::NoAudience)
    );
    for bad in ["0", "-5", "twelve hours", ""] {
        assert_eq!(
            TokenPolicy::parse(ISSUER, "casework", bad),
            Err(TokenConfigError::Lifetime)
        );
    }
}

#[test]
fn a_development_instance_verifies_the_demo_tokens_it_signs_and_nothing_else() {
    let dev = DevSigner::from_seed([3; 32]);
    let v = Verifier::development(&dev, "casework", 43_200);
    let demo = DemoClaims {
        sub: "demo.bureau".into(),
        role: "bureau".into(),
        unit: None,
        leader: false,
    };
    let token = dev
        .sign(
            &demo,
            DEVELOPMENT_ISSUER,
            "casework",
            NOW,
            DEMO_TOKEN_LIFETIME,
        )
        .expect("signs");
    assert_eq!(
        v.verify(&token, NOW).map(|p| p.subject),
        Ok("demo.bureau".into())
    );
    assert_eq!(
        v.verify(&token, NOW + DEMO_TOKEN_LIFETIME + 61),
        Err(TokenError::Expired)
    );
    let demo_token = dev.demo_token(demo, v.policy(), NOW).expect("issues");
    assert_eq!(
        demo_token.expires_at.to_rfc3339(),
        "2027-01-15T17:00:00+08:00"
    );
    assert!(v.verify(&demo_token.token, NOW + 3000).is_ok());
    // A token of the sign-on's issuer, even if signed by the dev key, is not a demo token.
    let other = signed_by(&dev, claims());
    assert_eq!(v.verify(&other, NOW), Err(TokenError::Issuer));
}

#[test]
fn only_a_loopback_peer_that_no_proxy_forwarded_is_local() {
    assert!(is_local_client("127.0.0.1:52000", false));
    assert!(is_local_client("[::1]:52000", false));
    assert!(is_local_client("[::ffff:127.0.0.1]:52000", false));
    assert!(!is_local_client("127.0.0.1:52000", true));
    assert!(!is_local_client("192.0.2.7:52000", false));
    assert!(!is_local_client("[2001:db8::1]:443", false));
    assert!(!is_local_client("", false));
    assert!(!is_local_client("localhost:80", false));
}

#[test]
fn a_demo_token_request_names_a_staff_role_and_a_unit_only_for_unit_staff() {
    let bureau = DemoClaims::parse(&json!({"role": "bureau"})).expect("valid");
    assert_eq!(
        (bureau.sub.as_str(), bureau.role.as_str()),
        ("demo.bureau", "bureau")
    );
    let clerk = DemoClaims::parse(
        &json!({"role": "unit", "unit": "qibin-housing", "sub": "li.na", "leader": true}),
    )
    .expect("valid");
    assert_eq!(clerk.unit.as_deref(), Some("qibin-housing"));
    assert!(clerk.leader);
    let fields = |body: Value| -> Vec<String> {
        DemoClaims::parse(&body)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    };
    assert_eq!(fields(json!({"role": "citizen"})), ["role"]);
    assert_eq!(fields(json!({})), ["role"]);
    assert_eq!(fields(json!({"role": "unit"})), ["unit"]);
    assert_eq!(
        fields(json!({"role": "agent", "unit": "qibin-housing"})),
        ["unit"]
    );
    assert_eq!(
        fields(json!({"role": "bureau", "leader": true})),
        ["leader"]
    );
    assert_eq!(fields(json!({"role": "bureau", "exp": 1})), ["exp"]);
}
