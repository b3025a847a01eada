//! OpenAI's images edit API (`POST /v1/images/edits`) and the file downloads its `url`
//! answers point to.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{Multipart, Path, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{Behavior, ImageError, Protocol, RecordedRequest, Shared, invert_to_png, unix_now};

const SUPPORTED_MIMES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The form fields the mock cares about; anything else is ignored.
#[derive(Default)]
struct EditForm {
    /// Content type and bytes of the first `image` / `image[]` part.
    image: Option<(Option<String>, Bytes)>,
    prompt: Option<String>,
    model: Option<String>,
    n: Option<String>,
    response_format: Option<String>,
}

/// `POST /v1/images/edits`.
pub(super) async fn edits(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let guard = shared.enter();
    let at = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);

    let form = match multipart {
        Ok(multipart) => read_form(multipart).await,
        Err(rejection) => Err(rejection.body_text()),
    };
    let form = match form {
        Ok(form) => form,
        Err(message) => {
            shared.record(RecordedRequest {
                protocol: Protocol::OpenAi,
                prompt: String::new(),
                model: None,
                image_mime: None,
                image_len: 0,
                authorization: authorization.clone(),
                at,
            });
            return invalid_request(&message, None, None);
        }
    };
    shared.record(RecordedRequest {
        protocol: Protocol::OpenAi,
        prompt: form.prompt.clone().unwrap_or_default(),
        model: form.model.clone(),
        image_mime: form.image.as_ref().and_then(|(mime, _)| mime.clone()),
        image_len: form.image.as_ref().map_or(0, |(_, bytes)| bytes.len()),
        authorization: authorization.clone(),
        at,
    });

    // The real API checks the key before looking at the request.
    let has_key = authorization
        .as_deref()
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|key| !key.trim().is_empty());
    if !has_key {
        return error(
            StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. You need to provide your API key in an \
             Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        );
    }
    let Some((mime, image)) = form.image else {
        return missing_parameter("image");
    };
    // A part without a content type reaches the real API as application/octet-stream.
    let mime = mime.unwrap_or_else(|| "application/octet-stream".to_owned());
    let essence = mime.split(';').next().unwrap_or_default().trim();
    if !SUPPORTED_MIMES
        .iter()
        .any(|supported| supported.eq_ignore_ascii_case(essence))
    {
        return invalid_request(
            &format!(
                "Invalid file 'image': unsupported mimetype ('{essence}'). Supported file \
                 formats are 'image/jpeg', 'image/png', and 'image/webp'."
            ),
            Some("image"),
            Some("unsupported_file_mimetype"),
        );
    }
    let prompt = match form.prompt {
        Some(prompt) if !prompt.trim().is_empty() => prompt,
        _ => return missing_parameter("prompt"),
    };
    let n = match form.n.as_deref().map(str::trim).map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=10).contains(&n) => n,
        Some(_) => {
            return invalid_request(
                "Invalid 'n': must be an integer between 1 and 10.",
                Some("n"),
                Some("invalid_value"),
            );
        }
    };

    let behavior = shared.next_behavior(&prompt);
    guard.simulate_latency().await;
    let model = form.model.as_deref().unwrap_or("gpt-image-1");
    let as_url = form.response_format.as_deref() == Some("url");
    match behavior {
        Behavior::Success => answer_image(&shared, image, n, as_url).await,
        Behavior::SuccessUrl => answer_image(&shared, image, n, true).await,
        Behavior::ResultBytes(bytes) => axum::Json(json!({
            "created": unix_now(),
            "data": [{ "b64_json": STANDARD.encode(&bytes) }],
        }))
        .into_response(),
        Behavior::ResultUrl(url) => {
            axum::Json(json!({ "created": unix_now(), "data": [{ "url": url }] })).into_response()
        }
        Behavior::RateLimited { retry_after_secs } => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Rate limit reached for {model} in organization org-mock on images per \
                     minute (IPM): Limit 5, Used 5, Requested 1. Please try again in \
                     {retry_after_secs}s."
                ),
                "requests",
                None,
                Some("rate_limit_exceeded"),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Behavior::QuotaExhausted => error(
            StatusCode::TOO_MANY_REQUESTS,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        ),
        Behavior::ServerError => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
            None,
        ),
        Behavior::BadRequest(message) => invalid_request(&message, None, None),
        Behavior::ContentPolicy => invalid_request(
            "Your request was rejected as a result of our safety system.",
            None,
            Some("content_policy_violation"),
        ),
        Behavior::Unauthorized => error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided. You can find your API key at \
             https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        ),
        Behavior::Hang => std::future::pending().await,
        Behavior::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"data": ["#,
        )
            .into_response(),
    }
}

/// Reads the whole form; any transport or encoding problem becomes the error message.
async fn read_form(mut multipart: Multipart) -> Result<EditForm, String> {
    let mut form = EditForm::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "image" | "image[]" => {
                let mime = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                // Several images are allowed; the mock edits the first.
                if form.image.is_none() {
                    form.image = Some((mime, bytes));
                }
            }
            "prompt" | "model" | "n" | "response_format" => {
                let text = field.text().await.map_err(|e| e.body_text())?;
                let slot = match name.as_str() {
                    "prompt" => &mut form.prompt,
                    "model" => &mut form.model,
                    "n" => &mut form.n,
                    _ => &mut form.response_format,
                };
                *slot = Some(text);
            }
            // `size`, `quality`, `mask`, … do not change what the mock generates, but the
            // part must still be consumed to reach the next one.
            _ => {
                field.bytes().await.map_err(|e| e.body_text())?;
            }
        }
    }
    Ok(form)
}

async fn answer_image(shared: &Shared, image: Bytes, n: usize, as_url: bool) -> Response {
    let png = match invert_to_png(image).await {
        Ok(png) => png,
        Err(ImageError::Decode) => {
            return invalid_request("could not decode image", Some("image"), None);
        }
        Err(ImageError::Internal(message)) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &message,
                "server_error",
                None,
                None,
            );
        }
    };
    let item = if as_url {
        json!({ "url": shared.store_file(png) })
    } else {
        json!({ "b64_json": STANDARD.encode(&png) })
    };
    let data: Vec<Value> = std::iter::repeat_n(item, n).collect();
    axum::Json(json!({ "created": unix_now(), "data": data })).into_response()
}

/// `GET /files/{name}`: images handed out as `url` answers.
pub(super) async fn file(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match shared.file(&name) {
        Some(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("No such file: {name}"),
            "invalid_request_error",
            None,
            None,
        ),
    }
}

/// Unknown routes, answered like the real API so that a wrong base URL is easy to spot.
pub(super) async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("Invalid URL ({method} {})", uri.path()),
        "invalid_request_error",
        None,
        None,
    )
}

fn missing_parameter(param: &str) -> Response {
    invalid_request(
        &format!("Missing required parameter: '{param}'."),
        Some(param),
        Some("missing_required_parameter"),
    )
}

fn invalid_request(message: &str, param: Option<&str>, code: Option<&str>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        message,
        "invalid_request_error",
        param,
        code,
    )
}

/// OpenAI's error envelope.
fn error(
    status: StatusCode,
    message: &str,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Response {
    let body = json!({
        "error": { "message": message, "type": kind, "param": param, "code": code }
    });
    (status, axum::Json(body)).into_response()
}
