//! Signing in through an OAuth2 provider that is not an OpenID Provider,
//! as government platforms in the DingTalk style offer: the authorization
//! code flow (with `state`, and a PKCE challenge a provider may ignore), the
//! code exchanged for an access token, and the token for the user's record
//! at a user-info endpoint, one field of which names the person (`sub`, or
//! a dotted path such as `data.userid`). That subject, under the issuer the
//! operator names the provider by, is the identity the staff directory
//! links to a person.

use crate::access::oidc::{
    code_challenge, code_exchange, form_encode, origin, token_answer, Begun, SignOnConfig,
    SignOnError, TokenRequest,
};
use crate::access::tokens::base64url;
use crate::access::Identity;

/// An OAuth2 provider as the operator configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Config {
    /// The client (`oidc_client_id`, `oidc_client_secret`), this app's
    /// callback, the provider's origin, and the issuer its identities are
    /// recorded under (`oidc_issuer`).
    pub client: SignOnConfig,
    /// Where the browser signs in (`oauth2_authorize_url`).
    pub authorize_url: String,
    /// Where the code is exchanged (`oauth2_token_url`, at `oidc_host`).
    pub token_url: String,
    /// Where the access token reads the user (`oauth2_userinfo_url`, at
    /// `oidc_host`).
    pub userinfo_url: String,
    /// The field of the user's record that names them (`oauth2_subject_field`,
    /// dotted for a nested one).
    pub subject_field: String,
    /// The scope asked for (`oauth2_scope`; none when empty).
    pub scope: String,
}

/// What the operator set for OAuth2, beside the client.
#[derive(Debug, Clone, Copy, Default)]
pub struct Endpoints<'a> {
    /// `oauth2_authorize_url`.
    pub authorize_url: &'a str,
    /// `oauth2_token_url`.
    pub token_url: &'a str,
    /// `oauth2_userinfo_url`.
    pub userinfo_url: &'a str,
    /// `oauth2_subject_field`.
    pub subject_field: &'a str,
    /// `oauth2_scope`.
    pub scope: &'a str,
}

impl OAuth2Config {
    /// The provider `client` and `endpoints` configure, the variable at
    /// fault named.
    pub fn parse(client: SignOnConfig, endpoints: &Endpoints<'_>) -> Result<Self, SignOnError> {
        let bad = |what: String| Err(SignOnError::Config(what));
        let host = origin(&client.host);
        if origin(endpoints.authorize_url).is_none() {
            return bad("oauth2_authorize_url must be the provider's sign-in URL".into());
        }
        for (name, url) in [
            ("oauth2_token_url", endpoints.token_url),
            ("oauth2_userinfo_url", endpoints.userinfo_url),
        ] {
            if origin(url).is_none() || origin(url) != host {
                return bad(format!(
                    "{name} must be a URL at oidc_host {:?}",
                    client.host
                ));
            }
        }
        let field = endpoints.subject_field.trim();
        if field.split('.').any(str::is_empty) {
            return bad("oauth2_subject_field must name a field (dotted for a nested one)".into());
        }
        Ok(Self {
            client,
            authorize_url: endpoints.authorize_url.to_string(),
            token_url: endpoints.token_url.to_string(),
            userinfo_url: endpoints.userinfo_url.to_string(),
            subject_field: field.to_string(),
            scope: endpoints.scope.trim().to_string(),
        })
    }

    /// Begins a sign-in from fresh random bytes (state, verifier).
    pub fn begin(&self, random: &[u8; 96]) -> Begun {
        let state = base64url(&random[..32]);
        let verifier = base64url(&random[64..]);
        let challenge = code_challenge(&verifier);
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.client.client_id.as_str()),
            ("redirect_uri", self.client.redirect_uri.as_str()),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if !self.scope.is_empty() {
            pairs.push(("scope", self.scope.as_str()));
        }
        let sep = if self.authorize_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Begun {
            location: format!("{}{sep}{}", self.authorize_url, form_encode(&pairs)),
            state,
            nonce: String::new(),
            verifier,
        }
    }

    /// The request exchanging `code` (the client's secret as Basic
    /// authentication, RFC 6749 §2.3.1).
    pub fn token_request(&self, code: &str, verifier: &str) -> TokenRequest {
        code_exchange(&self.client, &self.token_url, true, code, verifier)
    }

    /// The access token of the token endpoint's answer.
    pub fn access_token_of(status: u16, body: &[u8]) -> Result<String, SignOnError> {
        token_answer(status, body, "access_token", "the provider gave no token")
    }

    /// The identity the user-info endpoint's answer names.
    pub fn identity_of(&self, status: u16, body: &[u8]) -> Result<Identity, SignOnError> {
        if status != 200 {
            return Err(SignOnError::Provider(format!(
                "the user-info endpoint answered {status}"
            )));
        }
        let record: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
            SignOnError::Provider("the user-info endpoint did not answer JSON".into())
        })?;
        let found = self
            .subject_field
            .split('.')
            .try_fold(&record, |at, key| at.get(key));
        let subject = match found {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        if subject.is_empty() {
            return Err(SignOnError::Provider(format!(
                "the user's record has no {} (oauth2_subject_field)",
                self.subject_field
            )));
        }
        Ok(Identity {
            issuer: self.client.issuer.clone(),
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(subject_field: &str) -> Result<OAuth2Config, SignOnError> {
        let client = SignOnConfig::parse(
            "https://uc.example.gov.cn",
            "casework",
            "s3cret",
            "https://12345.example.gov.cn/auth/callback",
            "https://api.example.gov.cn",
        )?
        .ok_or(SignOnError::Off)?;
        OAuth2Config::parse(
            client,
            &Endpoints {
                authorize_url: "https://login.example.gov.cn/oauth2/auth?prompt=consent",
                token_url: "https://api.example.gov.cn/v1/oauth2/token",
                userinfo_url: "https://api.example.gov.cn/v1/users/me",
                subject_field,
                scope: "",
            },
        )
    }

    #[test]
    fn the_sign_in_carries_state_and_a_pkce_challenge_and_the_code_is_exchanged_with_basic() {
        let c = config("sub").expect("valid");
        let begun = c.begin(&std::array::from_fn(|i| i as u8));
        assert!(begun.location.starts_with(
            "https://login.example.gov.cn/oauth2/auth?prompt=consent&response_type=code&client_id=casework&redirect_uri="
        ));
        assert!(begun.location.contains(&format!("&state={}", begun.state)));
        assert!(!begun.location.contains("scope="), "no scope asked");
        let request = c.token_request("c1", &begun.verifier);
        assert_eq!(request.url, "https://api.example.gov.cn/v1/oauth2/token");
        assert!(request
            .authorization
            .is_some_and(|a| a.starts_with("Basic ")));
        assert_eq!(
            OAuth2Config::access_token_of(200, br#"{"access_token":"at","token_type":"bearer"}"#),
            Ok("at".into())
        );
    }

    #[test]
    fn the_subject_is_the_named_field_of_the_record_nested_or_not() {
        let nested = config("data.userid").expect("valid");
        let record = r#"{"errcode":0,"data":{"userid":"zhao.min","name":"赵敏"}}"#.as_bytes();
        let identity = nested.identity_of(200, record).expect("named");
        assert_eq!(
            (identity.issuer.as_str(), identity.subject.as_str()),
            ("https://uc.example.gov.cn", "zhao.min")
        );
        let numeric = config("id").expect("valid");
        assert_eq!(
            numeric
                .identity_of(200, br#"{"id":4711}"#)
                .expect("named")
                .subject,
            "4711"
        );
        assert!(matches!(
            nested.identity_of(200, br#"{"errcode":40014,"errmsg":"invalid token"}"#),
            Err(SignOnError::Provider(_))
        ));
        assert!(matches!(
            nested.identity_of(401, record),
            Err(SignOnError::Provider(_))
        ));
    }

    #[test]
    fn the_token_and_user_info_endpoints_must_be_at_the_one_outbound_host() {
        let client = SignOnConfig::parse(
            "https://uc.example.gov.cn",
            "casework",
            "",
            "https://12345.example.gov.cn/auth/callback",
            "https://api.example.gov.cn",
        )
        .expect("valid")
        .expect("configured");
        let elsewhere = OAuth2Config::parse(
            client,
            &Endpoints {
                authorize_url: "https://login.example.gov.cn/auth",
                token_url: "https://api.example.gov.cn/token",
                userinfo_url: "https://other.example.net/me",
                subject_field: "sub",
                scope: "",
            },
        );
        assert!(matches!(
            elsewhere,
            Err(SignOnError::Config(why)) if why.starts_with("oauth2_userinfo_url")
        ));
        assert!(matches!(config("data."), Err(SignOnError::Config(_))));
    }
}
