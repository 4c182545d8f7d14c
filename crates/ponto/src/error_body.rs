//! Ponto's error bodies. Two shapes exist: the OAuth one from `/oauth2/token`
//! (`{"error", "error_description"}`) and the JSON:API one from everything else
//! (`{"errors": [{"code", "detail", "meta": {"requestId"}}]}`). Both become [`ApiDetails`].

use crate::error::ApiDetails;
use serde::Deserialize;

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<JsonApiError>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct JsonApiError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    meta: Option<ErrorMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorMeta {
    #[serde(default)]
    request_id: Option<String>,
}

/// Reads whatever Ponto said; a body in neither shape (HTML from a proxy, empty) gives
/// empty details rather than an error, because the status code already says enough.
/// `header_request_id` (the `ibanity-request-id` header) wins over the body's copy.
pub fn parse_error_body(body: &[u8], header_request_id: Option<String>) -> ApiDetails {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let mut details = match parsed {
        Some(ErrorBody { errors, .. }) if !errors.is_empty() => from_json_api(errors),
        Some(ErrorBody {
            error,
            error_description,
            ..
        }) => ApiDetails {
            code: error,
            detail: error_description,
            request_id: None,
        },
        None => ApiDetails::default(),
    };
    if header_request_id.is_some() {
        details.request_id = header_request_id;
    }
    details
}

/// The first error names the failure; further ones are kept in the detail text.
fn from_json_api(errors: Vec<JsonApiError>) -> ApiDetails {
    let request_id = errors
        .iter()
        .find_map(|e| e.meta.as_ref().and_then(|m| m.request_id.clone()));
    let code = errors.first().and_then(|e| e.code.clone());
    let details: Vec<String> = errors.into_iter().filter_map(|e| e.detail).collect();
    ApiDetails {
        code,
        detail: (!details.is_empty()).then(|| details.join(" / ")),
        request_id,
    }
}

/// OAuth codes that mean "these credentials are not accepted".
#[cfg(feature = "client")]
pub(crate) fn is_credentials_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "invalid_client"
                | "invalid_grant"
                | "unauthorized_client"
                | "credentialsInvalid"
                | "clientIdInvalid"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_json_api_shape() {
        let body = br#"{"errors":[{"code":"resourceNotFound","detail":"Not found.","meta":{"requestId":"R1","resource":"account"}}]}"#;
        let d = parse_error_body(body, None);
        assert_eq!(d.code.as_deref(), Some("resourceNotFound"));
        assert_eq!(d.detail.as_deref(), Some("Not found."));
        assert_eq!(d.request_id.as_deref(), Some("R1"));
    }

    #[test]
    fn reads_the_oauth_shape_and_prefers_the_header_id() {
        let body = br#"{"error":"invalid_client","error_description":"Client authentication failed","error_hint":"x"}"#;
        let d = parse_error_body(body, Some("H1".into()));
        assert_eq!(d.code.as_deref(), Some("invalid_client"));
        assert_eq!(d.detail.as_deref(), Some("Client authentication failed"));
        assert_eq!(d.request_id.as_deref(), Some("H1"));
        #[cfg(feature = "client")]
        assert!(is_credentials_code(d.code.as_deref()));
    }

    #[test]
    fn tolerates_bodies_in_no_known_shape() {
        assert!(parse_error_body(b"<html>502</html>", None).is_empty());
        assert!(parse_error_body(b"", None).is_empty());
        assert!(parse_error_body(b"[1,2]", None).is_empty());
    }
}
