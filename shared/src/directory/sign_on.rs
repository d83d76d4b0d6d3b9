//! Sign-ins through the city's sign-on ([`crate::access::oidc`]) as the
//! directory keeps them: a begun sign-in waits server-side (its state as a
//! hash, its nonce and PKCE verifier) for ten minutes and is taken once; an
//! identity the id token names becomes a session only for an active person
//! the directory links it to. Every sign-in and refusal is on record with
//! the client's address.

use chrono::{DateTime, Utc};
use sha2::Digest;
use thiserror::Error;

use crate::access::oidc::{Begun, SignOnError, PENDING_SECONDS};
use crate::access::{Identity, Principal};
use crate::base::clock;
use crate::base::db::Db;
use crate::case::stored::StoreError;
use crate::directory::accounts::{record, SignInEvent};
use crate::directory::sessions::{self, Opened, SessionPolicy};
use crate::directory::staff::{self, StaffError};

/// How a sign-in through the sign-on is recorded.
pub const METHOD: &str = "sign_on";

/// Why a sign-in through the sign-on ended without a session.
#[derive(Debug, Error)]
pub enum SignOnFailed {
    /// The protocol failed (state, provider, id token).
    #[error(transparent)]
    Protocol(#[from] SignOnError),
    /// The directory has no active person with this identity.
    #[error("the staff directory has no active person with this sign-in")]
    NotInDirectory,
    /// The directory could not be read.
    #[error(transparent)]
    Staff(#[from] StaffError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SignOnFailed {
    /// What the person whose sign-in failed is told, in their language.
    pub fn in_chinese(&self) -> &'static str {
        match self {
            Self::Protocol(SignOnError::Off) => "本系统未配置统一身份认证，请使用账号密码登录。",
            Self::Protocol(SignOnError::Config(_)) => "统一身份认证配置有误，请联系系统管理员。",
            Self::Protocol(SignOnError::Provider(_)) => "统一身份认证暂时无法访问，请稍后再试。",
            Self::Protocol(SignOnError::State) => "登录已过期或不是从本浏览器发起的，请重新登录。",
            Self::Protocol(SignOnError::Refused(_)) => "统一身份认证未同意本次登录。",
            Self::Protocol(SignOnError::IdToken(_)) => {
                "统一身份认证返回的身份凭证未通过校验，本次登录无效。"
            }
            Self::NotInDirectory => {
                "工作人员名录中没有您的账号或账号已停用，请联系本级政务服务管理机构添加。"
            }
            Self::Staff(_) | Self::Store(_) => "系统暂时无法完成登录，请稍后再试。",
        }
    }
}

impl From<crate::base::db::DbError> for SignOnFailed {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

fn digest(state: &str) -> String {
    sha2::Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Keeps a begun sign-in until the browser comes back (and drops those
/// that never did).
pub fn wait_for(db: &impl Db, begun: &Begun, now: DateTime<Utc>) -> Result<(), StoreError> {
    let at = now.timestamp();
    db.transaction(|db| {
        db.execute(
            "DELETE FROM sign_on_requests WHERE created_at <= ?",
            &[(at - PENDING_SECONDS).into()],
        )?;
        db.execute(
            "INSERT INTO sign_on_requests (state_hash, nonce, verifier, created_at)
             VALUES (?, ?, ?, ?)",
            &[
                digest(&begun.state).into(),
                begun.nonce.as_str().into(),
                begun.verifier.as_str().into(),
                at.into(),
            ],
        )?;
        Ok(())
    })
}

/// A begun sign-in, taken back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The nonce its id token must carry.
    pub nonce: String,
    /// Its PKCE code verifier.
    pub verifier: String,
}

/// Takes the sign-in begun with `state` (once: a second callback with it
/// finds nothing), if it began less than ten minutes before `now`.
pub fn take(db: &impl Db, state: &str, now: DateTime<Utc>) -> Result<Pending, SignOnFailed> {
    let rows = db.execute(
        "DELETE FROM sign_on_requests WHERE state_hash = ? RETURNING nonce, verifier, created_at",
        &[digest(state).into()],
    )?;
    let row = rows.row(0).ok_or(SignOnError::State)?;
    if row.integer("created_at")? <= now.timestamp() - PENDING_SECONDS {
        return Err(SignOnError::State.into());
    }
    Ok(Pending {
        nonce: row.text("nonce")?.to_string(),
        verifier: row.text("verifier")?.to_string(),
    })
}

/// The session an identity the sign-on vouched for opens (from `random`,
/// living as `policy` says, signing out through `sign_on_end`), if the
/// directory links it to an active person; on record either way, with the
/// client's address.
pub fn sign_in(
    db: &impl Db,
    identity: &Identity,
    sign_on_end: Option<&str>,
    random: &[u8; 64],
    policy: SessionPolicy,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(Principal, Opened), SignOnFailed> {
    let at = clock::in_china(now);
    let found = db.transaction(|db| {
        let Some(who) = staff::principal_of(db, identity)? else {
            return Ok(None);
        };
        let person = who.subject.parse().map_err(crate::case::stored::corrupt)?;
        let opened = sessions::open_from(db, &person, random, policy, now, sign_on_end)?;
        let event = SignInEvent::SignedIn;
        record(
            db,
            event,
            Some(&person),
            &identity.subject,
            METHOD,
            client,
            at,
        )?;
        Ok::<_, SignOnFailed>(Some((who, opened)))
    })?;
    match found {
        Some(done) => Ok(done),
        None => {
            refused(db, Some(&identity.subject), client, now)?;
            Err(SignOnFailed::NotInDirectory)
        }
    }
}

/// Records a sign-in through the sign-on that was refused: the subject
/// when the id token verified, `(sign-on)` when it did not.
pub fn refused(
    db: &impl Db,
    subject: Option<&str>,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let who = subject.unwrap_or("(sign-on)");
    let at = clock::in_china(now);
    record(db, SignInEvent::Failed, None, who, METHOD, client, at)
}

#[cfg(test)]
mod tests {
    //! Against real SQLite: a begun sign-in is taken once and only in time;
    //! the directory decides who the identity is, and disabled means
    //! refused.

    use super::*;
    use crate::access::oidc::{begin, Discovery, SignOnConfig};
    use crate::base::test_support::{seeded_db, t};
    use crate::directory::staff;
    use serde_json::json;

    fn begun(seed: u8) -> Begun {
        let config = SignOnConfig::parse(
            "https://sso.example.gov.cn",
            "casework",
            "",
            "https://12345.example.gov.cn/auth/callback",
            "https://sso.example.gov.cn",
        )
        .expect("valid")
        .expect("configured");
        let discovery = Discovery {
            issuer: config.issuer.clone(),
            authorization_endpoint: "https://sso.example.gov.cn/auth".into(),
            token_endpoint: "https://sso.example.gov.cn/token".into(),
            jwks_uri: "https://sso.example.gov.cn/jwks".into(),
            end_session_endpoint: None,
            token_endpoint_auth_methods_supported: None,
            code_challenge_methods_supported: None,
        };
        begin(&config, &discovery, &[seed; 96])
    }

    #[test]
    fn a_begun_sign_in_is_taken_once_and_only_within_ten_minutes() {
        let db = seeded_db();
        let start = t("2026-12-07T09:00:00+08:00").to_utc();
        let (a, b) = (begun(1), begun(2));
        wait_for(&db, &a, start).expect("kept");
        wait_for(&db, &b, start).expect("kept");
        let taken = take(&db, &a.state, start + chrono::Duration::seconds(30)).expect("taken");
        assert_eq!(taken.nonce, a.nonce);
        assert_eq!(taken.verifier, a.verifier);
        let again = take(&db, &a.state, start + chrono::Duration::seconds(31));
        assert!(matches!(
            again,
            Err(SignOnFailed::Protocol(SignOnError::State))
        ));
        let late = take(&db, &b.state, start + chrono::Duration::seconds(600));
        assert!(matches!(
            late,
            Err(SignOnFailed::Protocol(SignOnError::State))
        ));
        let made_up = take(&db, "not-a-state", start);
        assert!(matches!(
            made_up,
            Err(SignOnFailed::Protocol(SignOnError::State))
        ));
    }

    #[test]
    fn the_directory_decides_who_an_identity_is_and_a_disabled_person_is_refused() {
        let db = seeded_db();
        let at = t("2026-12-07T09:00:00+08:00");
        let bureau = Principal {
            subject: "b-1".into(),
            name: "局长".into(),
            role: crate::case::words::Role::Bureau,
            unit: None,
            leader: false,
        };
        let made = staff::add(
            &db,
            &bureau,
            &json!({"id": "li.na", "display_name": "李娜", "role": "agent",
                    "identities": [{"issuer": "https://sso.example.gov.cn", "subject": "u-9"}]}),
            at,
        )
        .expect("added");
        let identity = Identity {
            issuer: "https://sso.example.gov.cn".into(),
            subject: "u-9".into(),
        };
        let policy = SessionPolicy::default();
        let end = Some("https://sso.example.gov.cn/end?client_id=casework");
        let (who, opened) = sign_in(
            &db,
            &identity,
            end,
            &[5; 64],
            policy,
            "192.0.2.7",
            at.to_utc(),
        )
        .expect("signs in");
        assert_eq!(who.name, "李娜");
        assert_eq!(who.role, crate::case::words::Role::Agent);
        assert_eq!(
            sessions::end(&db, &opened.cookie, at.to_utc())
                .expect("ends")
                .and_then(|e| e.sign_on_end)
                .as_deref(),
            end
        );
        let stranger = Identity {
            subject: "u-10".into(),
            ..identity.clone()
        };
        let refused = sign_in(
            &db,
            &stranger,
            None,
            &[6; 64],
            policy,
            "192.0.2.7",
            at.to_utc(),
        );
        assert!(matches!(refused, Err(SignOnFailed::NotInDirectory)));
        staff::change(&db, &bureau, &made.id, &json!({"active": false}), at).expect("disabled");
        let disabled = sign_in(
            &db,
            &identity,
            None,
            &[7; 64],
            policy,
            "192.0.2.7",
            at.to_utc(),
        );
        assert!(matches!(disabled, Err(SignOnFailed::NotInDirectory)));
        let recorded = db
            .execute(
                "SELECT event, username, method FROM sign_ins ORDER BY id",
                &[],
            )
            .expect("reads");
        let rows: Vec<(String, String)> = recorded
            .iter()
            .map(|r| {
                (
                    r.text("event").expect("event").to_string(),
                    r.text("username").expect("username").to_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("signed_in".to_string(), "u-9".to_string()),
                ("failed".to_string(), "u-10".to_string()),
                ("failed".to_string(), "u-9".to_string()),
            ]
        );
    }
}
