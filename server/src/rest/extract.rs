//! Extractors whose rejections answer in the API's error format.

use axum::{
    extract::{
        FromRequest, FromRequestParts, Request,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::StatusCode,
};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::Error;

/// A JSON body; malformed JSON is a 400, well-formed JSON of the wrong shape a 422.
///
/// A whole number written with a fraction (`8.0`) counts as an integer, as JSON Schema (and so
/// the OpenAPI document) counts it.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        let axum::Json(value) = axum::Json::<Value>::from_request(request, state).await?;
        serde_path_to_error::deserialize(whole_numbers_as_integers(value))
            .map(ApiJson)
            .map_err(|error| {
                let path = error.path().to_string();
                let inner = error.into_inner().to_string();
                Error::Invalid(
                    if path == "." {
                        inner
                    } else {
                        format!("{path}: {inner}")
                    }
                    .into(),
                )
            })
    }
}

/// Largest whole number a JSON number with a fraction stands for exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

fn whole_numbers_as_integers(value: Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= EXACT => {
                Value::Number(Number::from(f as i64))
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_numbers_as_integers).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

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
    use super::{plain, whole_numbers_as_integers};
    use serde_json::json;

    #[test]
    fn whole_numbers_with_a_fraction_are_integers() {
        let value = json!({ "a": 8.0, "b": [-3.0, 2.5], "c": 1e300, "d": 7 });
        let value = whole_numbers_as_integers(value);
        assert_eq!(value["a"].as_i64(), Some(8));
        assert_eq!(value["b"][0].as_i64(), Some(-3));
        assert_eq!(value["b"][1].as_f64(), Some(2.5));
        assert!(value["c"].as_i64().is_none(), "too large to be exact");
        assert_eq!(value["d"].as_i64(), Some(7));
    }

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
