//! The deployment's secrets, read from Spin variables.

use shared::personal::Keys;

/// The personal-data keys from the `pd_key` variable. Warns (on the
/// component's stderr log) while the development default is in use.
pub fn personal_data_keys() -> anyhow::Result<Keys> {
    let secret = spin_sdk::variables::get("pd_key")
        .map_err(|e| anyhow::anyhow!("variable pd_key: {e:?}"))?;
    let keys = Keys::from_secret(&secret)?;
    if keys.is_insecure() {
        eprintln!(
            "warning: pd_key is the development default; set SPIN_VARIABLE_PD_KEY for real data"
        );
    }
    Ok(keys)
}

/// Random bytes for storing a new case: a few draws of a tracking code and
/// a sealing nonce (a draw is used again only if its code collides).
pub fn draws() -> Result<[shared::store::Draw; 3], Box<crate::Problem>> {
    let mut draws = [([0u8; 8], [0u8; 12]); 3];
    for (code, nonce) in &mut draws {
        getrandom::fill(code)
            .and_then(|_| getrandom::fill(nonce))
            .map_err(|e| crate::Problem::internal(format!("no randomness: {e}")).boxed())?;
    }
    Ok(draws)
}
