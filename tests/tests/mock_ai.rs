//! The mock AI server itself: it must speak the real wire protocols, or the end-to-end tests
//! that rely on it prove nothing.

use std::{
    io::Cursor,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use image::{ImageFormat, Rgb, RgbImage};
use integration_tests::mock_ai::{Behavior, MockAi, Protocol};
use reqwest::{
    Client, StatusCode,
    multipart::{Form, Part},
};
use serde_json::{Value, json};

/// A 4×4 PNG whose top-left pixel is (10, 20, 30), so that the inverted answer is checkable.
fn sample_png() -> Vec<u8> {
    let img = RgbImage::from_fn(4, 4, |x, y| {
        if (x, y) == (0, 0) {
            Rgb([10, 20, 30])
        } else {
            Rgb([200, 100, 0])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .expect("encoding the sample PNG");
    out.into_inner()
}

fn edit_form(prompt: &str, mime: &str) -> Form {
    let image = Part::bytes(sample_png())
        .file_name("input.png")
        .mime_str(mime)
        .expect("valid mime");
    Form::new()
        .part("image", image)
        .text("prompt", prompt.to_owned())
        .text("model", "gpt-image-1")
        .text("n", "1")
        .text("size", "1024x1024")
}

async fn edit(client: &Client, mock: &MockAi, form: Form) -> reqwest::Response {
    client
        .post(format!("{}/images/edits", mock.openai_base()))
        .bearer_auth("sk-test")
        .multipart(form)
        .send()
        .await
        .expect("sending the edit request")
}

fn assert_inverted_png(png: &[u8]) {
    let img = image::load_from_memory_with_format(png, ImageFormat::Png)
        .expect("the answer is a PNG")
        .to_rgb8();
    assert_eq!(img.dimensions(), (4, 4));
    assert_eq!(img.get_pixel(0, 0), &Rgb([245, 235, 225]));
}

#[tokio::test]
async fn openai_edit_returns_the_inverted_png() {
    let mock = MockAi::start().await;
    let client = Client::new();
    let response = edit(&client, &mock, edit_form("make it blue", "image/png")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON body");
    assert!(body["created"].as_u64().is_some());
    let b64 = body["data"][0]["b64_json"].as_str().expect("b64_json");
    assert_inverted_png(&STANDARD.decode(b64).expect("valid base64"));

    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].protocol, Protocol::OpenAi);
    assert_eq!(requests[0].prompt, "make it blue");
    assert_eq!(requests[0].model.as_deref(), Some("gpt-image-1"));
    assert_eq!(requests[0].image_mime.as_deref(), Some("image/png"));
    assert_eq!(requests[0].image_len, sample_png().len());
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer sk-test"));
}

#[tokio::test]
async fn openai_url_answer_points_to_a_served_png() {
    let mock = MockAi::start().await;
    mock.script([Behavior::SuccessUrl]);
    let client = Client::new();
    let response = edit(&client, &mock, edit_form("p", "image/png")).await;
    let body: Value = response.json().await.expect("JSON body");
    let url = body["data"][0]["url"].as_str().expect("url answer");
    let file = client.get(url).send().await.expect("downloading the file");
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_inverted_png(&file.bytes().await.expect("file body"));
    assert_eq!(mock.calls(), 1, "file downloads are not calls");
}

#[tokio::test]
async fn openai_rejects_an_octet_stream_image() {
    let mock = MockAi::start().await;
    let response = edit(
        &Client::new(),
        &mock,
        edit_form("p", "application/octet-stream"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON body");
    let error = &body["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert_eq!(
        error["message"],
        "Invalid file 'image': unsupported mimetype ('application/octet-stream'). Supported \
         file formats are 'image/jpeg', 'image/png', and 'image/webp'."
    );
    let fields = error.as_object().expect("error object");
    assert!(fields.contains_key("param") && fields.contains_key("code"));
}

#[tokio::test]
async fn openai_requires_a_key_and_a_prompt() {
    let mock = MockAi::start().await;
    let client = Client::new();
    let response = client
        .post(format!("{}/images/edits", mock.openai_base()))
        .multipart(edit_form("p", "image/png"))
        .send()
        .await
        .expect("sending");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["code"], "invalid_api_key");

    let form = Form::new().part(
        "image",
        Part::bytes(sample_png())
            .file_name("a.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let response = edit(&client, &mock, form).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn rate_limited_answers_429_with_retry_after_then_recovers() {
    let mock = MockAi::start().await;
    mock.script([Behavior::RateLimited {
        retry_after_secs: 7,
    }]);
    let client = Client::new();
    let response = edit(&client, &mock, edit_form("p", "image/png")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    assert_eq!(body["error"]["type"], "requests");

    let response = edit(&client, &mock, edit_form("p", "image/png")).await;
    assert_eq!(response.status(), StatusCode::OK, "the script is consumed");
}

#[tokio::test]
async fn prompt_scripts_take_priority_over_the_global_script() {
    let mock = MockAi::start().await;
    mock.script([Behavior::ServerError]);
    mock.script_for_prompt("forbidden", [Behavior::ContentPolicy]);
    let client = Client::new();
    let response = edit(&client, &mock, edit_form("a forbidden cat", "image/png")).await;
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error"]["code"], "content_policy_violation");
    let response = edit(&client, &mock, edit_form("a forbidden cat", "image/png")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn concurrent_calls_raise_the_peak_in_flight() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(200), 0.0);
    let client = Client::new();
    let started = Instant::now();
    let (a, b, c) = tokio::join!(
        edit(&client, &mock, edit_form("a", "image/png")),
        edit(&client, &mock, edit_form("b", "image/png")),
        edit(&client, &mock, edit_form("c", "image/png")),
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    for response in [a, b, c] {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(mock.peak_in_flight(), 3);
    assert_eq!(mock.in_flight(), 0);
    assert_eq!(mock.calls(), 3);
    mock.reset_peak();
    assert_eq!(mock.peak_in_flight(), 0);
}

#[tokio::test]
async fn sd_img2img_returns_an_image_and_reports_progress() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(400), 0.0);
    let client = Client::new();
    let request = json!({
        "init_images": [format!("data:image/png;base64,{}", STANDARD.encode(sample_png()))],
        "prompt": "watercolour",
        "denoising_strength": 0.4,
    });
    let call = client
        .post(format!("{}/sdapi/v1/img2img", mock.base_url()))
        .json(&request)
        .send();
    let poll = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let progress: Value = client
            .get(format!("{}/sdapi/v1/progress", mock.base_url()))
            .send()
            .await
            .expect("polling progress")
            .json()
            .await
            .expect("progress JSON");
        progress
    };
    let (response, progress) = tokio::join!(call, poll);
    assert_eq!(progress["state"]["job_count"], 1);
    let fraction = progress["progress"].as_f64().expect("progress number");
    assert!(fraction > 0.0 && fraction < 1.0, "progress {fraction}");
    assert!(progress["eta_relative"].as_f64().expect("eta") > 0.0);

    let response = response.expect("img2img call");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON body");
    let image = body["images"][0].as_str().expect("an image");
    assert_inverted_png(&STANDARD.decode(image).expect("valid base64"));
    assert!(body["info"].is_string());
    assert_eq!(body["parameters"]["prompt"], "watercolour");

    let requests = mock.requests();
    assert_eq!(requests[0].protocol, Protocol::SdWebUi);
    assert_eq!(requests[0].image_mime.as_deref(), Some("image/png"));
    assert_eq!(mock.calls(), 1, "progress polls are not calls");
}

#[tokio::test]
async fn a_hanging_call_leaves_flight_when_the_client_gives_up() {
    let mock = MockAi::start().await;
    mock.script([Behavior::Hang]);
    let client = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let error = edit_result(&client, &mock).await.expect_err("a hang");
    assert!(error.is_timeout(), "{error}");

    let deadline = Instant::now() + Duration::from_secs(5);
    while mock.in_flight() > 0 {
        assert!(Instant::now() < deadline, "the hanging call never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(mock.peak_in_flight(), 1);
}

async fn edit_result(client: &Client, mock: &MockAi) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{}/images/edits", mock.openai_base()))
        .bearer_auth("sk-test")
        .multipart(edit_form("p", "image/png"))
        .send()
        .await
}
