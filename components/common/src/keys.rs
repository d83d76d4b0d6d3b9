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

/// A fresh random nonce for sealing.
pub fn nonce() -> anyhow::Result<[u8; 12]> {
    let mut n = [0u8; 12];
    getrandom::fill(&mut n).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(n)
}
