//! The city's sign-on, whichever protocol it speaks (`sign_on_protocol`):
//! OpenID Connect ([`crate::access::oidc`], the default), a CAS server
//! ([`crate::access::cas`]) or OAuth2 with a user-info endpoint
//! ([`crate::access::oauth2`]), as provincial unified identity platforms
//! offer. Either way the sign-on only proves who someone is: the identity
//! it names (its issuer and subject) is looked up in the staff directory.

use crate::access::cas::CasConfig;
use crate::access::oauth2::{Endpoints, OAuth2Config};
use crate::access::oidc::{SignOnConfig, SignOnError};

/// What the operator set, as Spin variables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Variables<'a> {
    /// `sign_on_protocol`: `oidc` (or empty) or `cas`.
    pub protocol: &'a str,
    /// `oidc_issuer`: the OpenID Provider's issuer, or the CAS server's URL.
    pub issuer: &'a str,
    /// `oidc_client_id` (OpenID Connect).
    pub client_id: &'a str,
    /// `oidc_client_secret` (OpenID Connect).
    pub client_secret: &'a str,
    /// `oidc_redirect_uri`: this app's callback.
    pub redirect_uri: &'a str,
    /// `oidc_host`: the provider's origin.
    pub host: &'a str,
    /// `oauth2_*` (OAuth2).
    pub oauth2: Endpoints<'a>,
}

/// A configured sign-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// An OpenID Provider.
    Oidc(SignOnConfig),
    /// A CAS server.
    Cas(CasConfig),
    /// An OAuth2 provider with a user-info endpoint.
    OAuth2(OAuth2Config),
}

impl Provider {
    /// The sign-on the variables configure; `None` when `oidc_issuer` is
    /// empty.
    pub fn parse(v: &Variables<'_>) -> Result<Option<Self>, SignOnError> {
        if v.issuer.trim().is_empty() {
            return Ok(None);
        }
        match v.protocol.trim() {
            "" | "oidc" => Ok(SignOnConfig::parse(
                v.issuer,
                v.client_id,
                v.client_secret,
                v.redirect_uri,
                v.host,
            )?
            .map(Self::Oidc)),
            "cas" => Ok(Some(Self::Cas(CasConfig::parse(
                v.issuer,
                v.redirect_uri,
                v.host,
            )?))),
            "oauth2" => {
                let client = SignOnConfig::parse(
                    v.issuer,
                    v.client_id,
                    v.client_secret,
                    v.redirect_uri,
                    v.host,
                )?
                .ok_or(SignOnError::Off)?;
                Ok(Some(Self::OAuth2(OAuth2Config::parse(client, &v.oauth2)?)))
            }
            other => Err(SignOnError::Config(format!(
                "sign_on_protocol must be oidc, cas or oauth2, not {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_picks_the_provider_and_an_unknown_one_is_named() {
        let v = Variables {
            protocol: "cas",
            issuer: "https://cas.example.gov.cn/cas",
            redirect_uri: "https://12345.example.gov.cn/auth/callback",
            host: "https://cas.example.gov.cn",
            ..Variables::default()
        };
        assert!(matches!(Provider::parse(&v), Ok(Some(Provider::Cas(_)))));
        let oidc = Variables {
            protocol: "",
            client_id: "casework",
            host: "https://cas.example.gov.cn",
            ..v
        };
        assert!(matches!(
            Provider::parse(&oidc),
            Ok(Some(Provider::Oidc(_)))
        ));
        let saml = Variables {
            protocol: "saml",
            ..v
        };
        assert!(matches!(
            Provider::parse(&saml),
            Err(SignOnError::Config(why)) if why.starts_with("sign_on_protocol")
        ));
        let none = Variables { issuer: " ", ..v };
        assert_eq!(Provider::parse(&none), Ok(None));
    }
}
