//! Extractors whose rejections answer in the API's error format.

use axum::{
    extract::{
        FromRequest, FromRequestParts,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::StatusCode,
};

use crate::Error;

/// A JSON body; malformed JSON is a 400, well-formed JSON of the wrong shape a 422.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);

/// Path parameters; a value of the wrong type (e.g. a non-numeric id) is a 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct ApiPath<T>(pub T);

/// Query parameters; a value of the wrong type is a 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Error::Invalid(plain(&e.body_text()).into()),
            JsonRejection::MissingJsonContentType(_) => Error::BadRequest(
                "send the body as JSON with the header Content-Type: application/json".into(),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Error::PayloadTooLarge("the request body is too large".into())
            }
            JsonRejection::JsonSyntaxError(e) => Error::BadRequest(
                format!("the body is not valid JSON: {}", plain(&e.body_text())).into(),
            ),
            other => Error::BadRequest(plain(&other.body_text()).into()),
        }
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Error::BadRequest(format!("bad address: {}", plain(&rejection.body_text())).into())
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::BadRequest(format!("bad query parameter: {}", plain(&rejection.body_text())).into())
    }
}

/// axum's rejection text without its framework preamble, e.g. "missing field `password`".
fn plain(text: &str) -> String {
    let text = text.split_once(": ").map_or(text, |(_, detail)| detail);
    text.split(" at line ").next().unwrap_or(text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn rejection_texts_lose_their_preamble() {
        assert_eq!(
            plain(
                "Failed to deserialize the JSON body into the target type: missing field `password` at line 1 column 20"
            ),
            "missing field `password`"
        );
        assert_eq!(
            plain("Invalid URL: Cannot parse `abc` to a `i64`"),
            "Cannot parse `abc` to a `i64`"
        );
    }
}
