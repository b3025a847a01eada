//! Extractors whose rejections answer in the API's error format.

use axum::extract::{
    FromRequest, FromRequestParts,
    rejection::{JsonRejection, PathRejection},
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

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Error::Invalid(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => Error::BadRequest(
                "send the body as JSON with the header Content-Type: application/json".into(),
            ),
            other => Error::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Error::BadRequest(rejection.body_text())
    }
}
