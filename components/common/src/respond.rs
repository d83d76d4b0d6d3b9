//! HTTP answers: JSON bodies and RFC 9457 problem details, each problem with
//! a stable `code` a client can switch on and, where one field is at fault,
//! that `field`.

use serde::Serialize;
use serde_json::json;
use spin_sdk::http::Response;

/// A JSON answer.
pub fn json(status: u16, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(bytes)
            .build(),
        Err(_) => internal_error(),
    }
}

/// A problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<shared::intake::FieldError>,
    /// Sent as the `Retry-After` header (seconds).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl Problem {
    pub fn new(status: u16, code: &'static str, title: impl Into<String>) -> Self {
        Self {
            kind: format!(
                "https://casework.example/problems/{}",
                code.replace('_', "-")
            ),
            title: title.into(),
            status,
            code,
            field: None,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A 400 listing every field at fault; `field` names the first.
    pub fn invalid_fields(errors: Vec<shared::intake::FieldError>) -> Self {
        let first = errors.first().map(|e| e.field.clone());
        let detail = errors.first().map(|e| {
            format!(
                "{}: {}",
                if e.field.is_empty() { "body" } else { &e.field },
                e.message
            )
        });
        Self {
            field: first,
            detail,
            errors,
            ..Self::new(400, "invalid_field", "The request has invalid fields")
        }
    }

    pub fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = Response::builder()
            .status(self.status)
            .header("content-type", "application/problem+json")
            .body(body)
            .build();
        if let Some(secs) = self.retry_after {
            resp.set_header("retry-after", secs.to_string());
        }
        if self.status == 401 {
            resp.set_header("www-authenticate", "Bearer");
        }
        resp
    }
}

/// 405 with the methods the resource takes.
pub fn method_not_allowed(allow: &str) -> Response {
    let mut resp = Problem::new(405, "method_not_allowed", "Method not allowed")
        .detail(format!("this resource accepts {allow}"))
        .into_response();
    resp.set_header("allow", allow);
    resp
}

/// Something failed on our side; the details go to the log, not the client.
pub fn internal_error() -> Response {
    let body = json!({
        "type": "https://casework.example/problems/internal",
        "title": "Internal error",
        "status": 500,
        "code": "internal",
    });
    Response::builder()
        .status(500)
        .header("content-type", "application/problem+json")
        .body(body.to_string())
        .build()
}
