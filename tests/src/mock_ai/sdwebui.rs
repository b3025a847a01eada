//! The Stable Diffusion WebUI (AUTOMATIC1111) API: `POST /sdapi/v1/img2img` and
//! `GET /sdapi/v1/progress`.

use std::{sync::Arc, time::Instant};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD},
};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{
    BODY_LIMIT, Behavior, ImageError, Protocol, RecordedRequest, Shared, invert_to_png, unix_now,
};

/// The WebUI has no real notion of steps here; this only makes `sampling_step` plausible.
const SAMPLING_STEPS: u64 = 20;

/// `POST /sdapi/v1/img2img`.
pub(super) async fn img2img(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Entered before reading the body so that a slow upload already counts as in flight.
    let guard = shared.enter();
    let at = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut record = RecordedRequest {
        protocol: Protocol::SdWebUi,
        prompt: String::new(),
        model: None,
        image_mime: None,
        image_len: 0,
        authorization,
        at,
    };

    let request = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    let mut request = match request {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            shared.record(record);
            return unprocessable("request body must be a JSON object");
        }
        Err(message) => {
            shared.record(record);
            return unprocessable(&message);
        }
    };
    record.prompt = request["prompt"].as_str().unwrap_or_default().to_owned();
    record.model = request["override_settings"]["sd_model_checkpoint"]
        .as_str()
        .map(str::to_owned);
    let encoded = request["init_images"][0].as_str().map(str::to_owned);
    let image = encoded.as_deref().map(decode_image);
    if let Some(Some((mime, bytes))) = &image {
        record.image_mime = mime.clone();
        record.image_len = bytes.len();
    }
    let prompt = record.prompt.clone();
    shared.record(record);

    let image = match image {
        None => {
            return sd_error(
                StatusCode::NOT_FOUND,
                "HTTPException",
                "Init image not found",
            );
        }
        Some(None) => return invalid_encoded_image(),
        Some(Some((_, bytes))) => bytes,
    };
    // A1111 answers `batch_size * n_iter` images.
    let count = (request["batch_size"].as_u64().unwrap_or(1).max(1)
        * request["n_iter"].as_u64().unwrap_or(1).max(1))
    .min(16) as usize;

    let behavior = shared.next_behavior(&prompt);
    guard.simulate_latency().await;
    match behavior {
        Behavior::ResultBytes(bytes) => axum::Json(json!({
            "images": [STANDARD.encode(&bytes)],
            "parameters": {},
            "info": "{}",
        }))
        .into_response(),
        Behavior::Success | Behavior::SuccessUrl | Behavior::ResultUrl(_) => {
            let png = match invert_to_png(image).await {
                Ok(png) => png,
                Err(ImageError::Decode) => return invalid_encoded_image(),
                Err(ImageError::Internal(message)) => {
                    return sd_error(StatusCode::INTERNAL_SERVER_ERROR, "RuntimeError", &message);
                }
            };
            let info = json!({
                "prompt": prompt,
                "all_prompts": vec![prompt.clone(); count],
                "seed": rand::random::<u32>(),
                "denoising_strength": request["denoising_strength"],
                "job_timestamp": unix_now().to_string(),
            });
            // Like the real server, the parameters echo the request without the input images.
            request["init_images"] = Value::Null;
            let images = vec![STANDARD.encode(&png); count];
            axum::Json(json!({
                "images": images,
                "parameters": request,
                "info": info.to_string(),
            }))
            .into_response()
        }
        Behavior::RateLimited { retry_after_secs } => {
            let mut response = sd_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                &format!("Rate limit reached. Please try again in {retry_after_secs}s."),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Behavior::QuotaExhausted => sd_error(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExhausted",
            "You exceeded your current quota, please check your plan and billing details.",
        ),
        Behavior::ServerError => sd_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "RuntimeError",
            "CUDA out of memory.",
        ),
        Behavior::BadRequest(message) => unprocessable(&message),
        Behavior::ContentPolicy => unprocessable("Image rejected by the safety checker."),
        Behavior::Unauthorized => {
            // What `--api-auth` answers for wrong credentials.
            let mut response = sd_error(
                StatusCode::UNAUTHORIZED,
                "HTTPException",
                "Incorrect username or password",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
            response
        }
        Behavior::Hang => std::future::pending().await,
        Behavior::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"images": ["#,
        )
            .into_response(),
    }
}

/// `GET /sdapi/v1/progress`: how far the oldest call in flight is through its latency.
pub(super) async fn progress(State(shared): State<Arc<Shared>>) -> Response {
    let (progress, eta, in_flight) = shared.progress();
    let busy = in_flight > 0;
    axum::Json(json!({
        "progress": progress,
        "eta_relative": eta,
        "state": {
            "skipped": false,
            "interrupted": false,
            "stopping_generation": false,
            "job": if busy { "scripts_img2img" } else { "" },
            "job_count": in_flight,
            "job_timestamp": unix_now().to_string(),
            "job_no": 0,
            "sampling_step": (progress * SAMPLING_STEPS as f64).floor() as u64,
            "sampling_steps": if busy { SAMPLING_STEPS } else { 0 },
        },
        "current_image": null,
        "textinfo": null,
    }))
    .into_response()
}

/// Decodes plain or data-URL base64, returning the data URL's content type (else the sniffed
/// one) and the bytes; `None` when it is not base64 at all.
fn decode_image(encoded: &str) -> Option<(Option<String>, Bytes)> {
    let (declared, payload) = match encoded.strip_prefix("data:") {
        Some(rest) => {
            let (meta, payload) = rest.split_once(',')?;
            let mime = meta.split(';').next().filter(|mime| !mime.is_empty());
            (mime.map(str::to_owned), payload)
        }
        None => (None, encoded),
    };
    let compact: String = payload.split_whitespace().collect();
    let bytes = STANDARD
        .decode(&compact)
        .or_else(|_| STANDARD_NO_PAD.decode(&compact))
        .ok()?;
    let mime = declared.or_else(|| {
        image::guess_format(&bytes)
            .ok()
            .map(|format| format.to_mime_type().to_owned())
    });
    Some((mime, Bytes::from(bytes)))
}

fn invalid_encoded_image() -> Response {
    sd_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "HTTPException",
        "Invalid encoded image",
    )
}

fn unprocessable(detail: &str) -> Response {
    sd_error(StatusCode::UNPROCESSABLE_ENTITY, "HTTPException", detail)
}

/// The envelope of the WebUI's API exception handler.
fn sd_error(status: StatusCode, error: &str, detail: &str) -> Response {
    let body = json!({
        "error": error,
        "detail": detail,
        "body": "",
        "errors": format!("{}: {detail}", status.as_u16()),
    });
    (status, axum::Json(body)).into_response()
}
