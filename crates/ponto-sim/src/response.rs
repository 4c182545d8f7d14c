//! HTTP responses and Ponto's two error shapes (JSON:API `errors` and flat OAuth).

use crate::json::J;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// whether the request carried valid credentials (for the request log)
    pub authorized: bool,
}

impl Response {
    pub fn json_api(status: u16, body: &J) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/vnd.api+json".into())],
            body: body.to_text().into_bytes(),
            authorized: true,
        }
    }

    /// Plain JSON, for the simulator's own `/admin/` routes.
    pub fn json(status: u16, body: &J) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_text().into_bytes(),
            authorized: true,
        }
    }

    pub fn oauth(status: u16, body: &J) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Cache-Control".into(), "no-store".into()),
            ],
            body: body.to_text().into_bytes(),
            authorized: status < 400,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// A JSON:API error: `{"errors":[{"code","detail","meta":{...,"requestId"}}]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub meta: Vec<(&'static str, J)>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, detail: &str) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.to_string(),
            meta: Vec::new(),
        }
    }

    pub fn not_found(resource: &str) -> ApiError {
        ApiError {
            meta: vec![("resource", J::str(resource))],
            ..ApiError::new(
                404,
                "resourceNotFound",
                "The requested resource was not found.",
            )
        }
    }

    pub fn invalid_parameter(attribute: &str, detail: &str) -> ApiError {
        ApiError {
            meta: vec![("attribute", J::str(attribute))],
            ..ApiError::new(400, "invalidParameter", detail)
        }
    }

    pub fn unauthorized(code: &'static str, detail: &str) -> ApiError {
        ApiError::new(401, code, detail)
    }

    pub fn expired_token() -> ApiError {
        ApiError::unauthorized(
            "credentialsInvalid",
            "The access token is expired or invalid. Request a new token.",
        )
    }

    pub fn into_response(self, request_id: &str) -> Response {
        let mut meta = self.meta;
        meta.push(("requestId", J::str(request_id)));
        let body = J::obj(vec![(
            "errors",
            J::Arr(vec![J::obj(vec![
                ("code", J::str(self.code)),
                ("detail", J::Str(self.detail)),
                ("meta", J::obj(meta)),
            ])]),
        )]);
        let mut response = Response::json_api(self.status, &body);
        response.authorized = self.status != 401;
        response
    }
}

/// The flat OAuth error shape of `/oauth2/token`.
pub fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::oauth(
        status,
        &J::obj(vec![
            ("error", J::str(error)),
            ("error_description", J::str(description)),
            (
                "error_hint",
                J::str("Check the client id, the client secret and the grant type."),
            ),
        ]),
    )
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}
