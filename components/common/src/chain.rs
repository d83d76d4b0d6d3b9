//! Calling the next stage by Spin service chaining
//! (`http://<component>.spin.internal/...`).

use spin_sdk::http::{Request, Response};

/// POSTs to a chained component; the status and body, or why it failed.
pub async fn post(url: &str) -> Result<(u16, Vec<u8>), String> {
    let request = Request::post(url, Vec::<u8>::new()).build();
    match spin_sdk::http::send::<_, Response>(request).await {
        Ok(resp) => Ok((*resp.status(), resp.into_body())),
        Err(e) => Err(e.to_string()),
    }
}
