//! Signing in through a CAS server (the CAS 3.0 protocol, as provincial
//! unified identity platforms offer it): the browser goes to
//! `<server>/login?service=…`, comes back with a service ticket, and the
//! ticket is validated at `<server>/p3/serviceValidate`, whose XML names the
//! user — the identity the staff directory links to a person. The service
//! URL carries the sign-in's `state`, so a ticket is accepted only in the
//! browser that began the sign-in, and validated against the very service
//! it was issued for.

use crate::access::oidc::{form_encode, origin, Begun, SignOnError, CALLBACK_PATH};
use crate::access::tokens::base64url;
use crate::access::Identity;

/// A CAS server as the operator configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasConfig {
    /// The server's URL prefix (`https://cas.example.gov.cn/cas`): without
    /// a trailing `/`, the issuer its identities are recorded under.
    pub server: String,
    /// This app's callback (`…/auth/callback`).
    pub callback: String,
}

impl CasConfig {
    /// The CAS server at `server` (`oidc_issuer`), this app's `callback`
    /// (`oidc_redirect_uri`), the server at `host` (`oidc_host`, the one
    /// outbound host allowed); the variable at fault named.
    pub fn parse(server: &str, callback: &str, host: &str) -> Result<Self, SignOnError> {
        let server = server.trim();
        crate::access::oidc::check_urls(server, callback, host)?;
        if origin(server) != origin(host) {
            return Err(SignOnError::Config(
                "oidc_host must be the CAS server's scheme://host:port (its serviceValidate is there)".into(),
            ));
        }
        Ok(Self {
            server: server.trim_end_matches('/').to_string(),
            callback: callback
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string(),
        })
    }

    fn base(&self) -> &str {
        self.server.trim_end_matches('/')
    }

    /// The service URL of the sign-in begun with `state`.
    pub fn service(&self, state: &str) -> String {
        format!("{}?{}", self.callback, form_encode(&[("state", state)]))
    }

    /// Begins a sign-in from fresh random bytes (the state; CAS has no
    /// nonce or PKCE).
    pub fn begin(&self, random: &[u8; 96]) -> Begun {
        let state = base64url(&random[..32]);
        Begun {
            location: self.login_url(&state),
            state,
            nonce: String::new(),
            verifier: String::new(),
        }
    }

    /// Where the browser signs in.
    pub fn login_url(&self, state: &str) -> String {
        format!(
            "{}/login?{}",
            self.base(),
            form_encode(&[("service", &self.service(state))])
        )
    }

    /// Where a ticket is validated (CAS 3.0).
    pub fn validate_url(&self, state: &str, ticket: &str) -> String {
        format!(
            "{}/p3/serviceValidate?{}",
            self.base(),
            form_encode(&[("service", &self.service(state)), ("ticket", ticket)])
        )
    }

    /// Where signing out sends the browser: the server's logout, then back
    /// to this app's front page.
    pub fn logout_url(&self) -> String {
        let front = self.callback.trim_end_matches(CALLBACK_PATH);
        format!(
            "{}/logout?{}",
            self.base(),
            form_encode(&[("service", &format!("{front}/"))])
        )
    }

    /// The identity a validation answer (`status`, `body`) names.
    pub fn identity_of(&self, status: u16, body: &[u8]) -> Result<Identity, SignOnError> {
        let xml = std::str::from_utf8(body)
            .map_err(|_| SignOnError::Provider("the CAS answer is not UTF-8".into()))?;
        if status != 200 {
            return Err(SignOnError::Provider(format!(
                "serviceValidate answered {status}"
            )));
        }
        if let Some(failure) = element(xml, "authenticationFailure") {
            let code = failure
                .attribute("code")
                .unwrap_or("INVALID_TICKET")
                .chars()
                .take(64)
                .collect();
            return Err(SignOnError::Refused(code));
        }
        let user = element(xml, "authenticationSuccess")
            .and_then(|success| element(success.inner, "user"))
            .map(|user| unescape(user.inner.trim()))
            .filter(|user| !user.is_empty())
            .ok_or_else(|| {
                SignOnError::Provider("serviceValidate answered neither success nor failure".into())
            })?;
        Ok(Identity {
            issuer: self.base().to_string(),
            subject: user,
        })
    }
}

/// An XML element found by its local name (any namespace prefix).
struct Element<'a> {
    /// The start tag's attributes, as written.
    attributes: &'a str,
    /// What lies between its start and end tags.
    inner: &'a str,
}

impl<'a> Element<'a> {
    fn attribute(&self, name: &str) -> Option<&'a str> {
        let at = self.attributes.find(&format!("{name}="))?;
        let rest = &self.attributes[at + name.len() + 1..];
        let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        rest[1..].split(quote).next()
    }
}

/// The first element named `local` (`<cas:user>`, `<user>`) in `xml`.
fn element<'a>(xml: &'a str, local: &str) -> Option<Element<'a>> {
    let mut from = 0;
    while let Some(open) = xml[from..].find('<').map(|i| i + from) {
        let tag_end = xml[open..].find('>')? + open;
        let tag = &xml[open + 1..tag_end];
        from = tag_end;
        if tag.starts_with('/') || tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let (name, attributes) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let name = name.trim_end_matches('/');
        if name.rsplit(':').next() != Some(local) {
            continue;
        }
        if tag.ends_with('/') {
            return Some(Element {
                attributes,
                inner: "",
            });
        }
        let close = format!("</{name}>");
        let end = xml[tag_end..].find(&close)? + tag_end;
        return Some(Element {
            attributes,
            inner: &xml[tag_end + 1..end],
        });
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    //! The CAS 3.0 messages as a server writes them (the protocol
    //! specification's examples).

    use super::*;

    fn config() -> CasConfig {
        CasConfig {
            server: "https://cas.example.gov.cn/cas/".into(),
            callback: "https://12345.example.gov.cn/auth/callback".into(),
        }
    }

    #[test]
    fn the_server_must_be_at_the_one_outbound_host() {
        let ok = CasConfig::parse(
            "https://cas.example.gov.cn/cas/",
            "https://12345.example.gov.cn/auth/callback",
            "https://cas.example.gov.cn:443",
        )
        .expect("valid");
        assert_eq!(ok.server, "https://cas.example.gov.cn/cas");
        let elsewhere = CasConfig::parse(
            "https://cas.example.gov.cn/cas",
            "https://12345.example.gov.cn/auth/callback",
            "https://sso.example.gov.cn",
        );
        assert!(matches!(elsewhere, Err(SignOnError::Config(why)) if why.starts_with("oidc_host")));
    }

    #[test]
    fn the_service_carries_the_state_and_is_validated_as_it_was_issued() {
        let c = config();
        assert_eq!(
            c.login_url("s1"),
            "https://cas.example.gov.cn/cas/login?service=https%3A%2F%2F12345.example.gov.cn%2Fauth%2Fcallback%3Fstate%3Ds1"
        );
        assert_eq!(
            c.validate_url("s1", "ST-1856339-aA5Yuvrxzpv8Tau1cYQ7"),
            "https://cas.example.gov.cn/cas/p3/serviceValidate?service=https%3A%2F%2F12345.example.gov.cn%2Fauth%2Fcallback%3Fstate%3Ds1&ticket=ST-1856339-aA5Yuvrxzpv8Tau1cYQ7"
        );
        assert_eq!(
            c.logout_url(),
            "https://cas.example.gov.cn/cas/logout?service=https%3A%2F%2F12345.example.gov.cn%2F"
        );
    }

    #[test]
    fn a_success_names_its_user_under_the_servers_url_and_a_failure_is_a_refusal() {
        let success = br#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
            <cas:authenticationSuccess>
              <cas:user>wang.fang&amp;co</cas:user>
              <cas:attributes><cas:firstname>John</cas:firstname></cas:attributes>
            </cas:authenticationSuccess>
          </cas:serviceResponse>"#;
        let identity = config().identity_of(200, success).expect("a user");
        assert_eq!(identity.subject, "wang.fang&co");
        assert_eq!(identity.issuer, "https://cas.example.gov.cn/cas");
        let failure = br#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
            <cas:authenticationFailure code="INVALID_TICKET">
              Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized
            </cas:authenticationFailure>
          </cas:serviceResponse>"#;
        assert_eq!(
            config().identity_of(200, failure),
            Err(SignOnError::Refused("INVALID_TICKET".into()))
        );
        let unprefixed = b"<serviceResponse><authenticationSuccess><user>li</user></authenticationSuccess></serviceResponse>";
        assert_eq!(
            config().identity_of(200, unprefixed).expect("user").subject,
            "li"
        );
        for (status, body) in [
            (200, &b"<html>login</html>"[..]),
            (500, &success[..]),
            (
                200,
                &b"<cas:authenticationSuccess><cas:user> </cas:user></cas:authenticationSuccess>"[..],
            ),
        ] {
            assert!(matches!(
                config().identity_of(status, body),
                Err(SignOnError::Provider(_))
            ));
        }
    }
}
