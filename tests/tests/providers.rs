//! Each real provider protocol end to end against the mock services.

use std::time::Duration;

use image::ImageFormat;
use integration_tests::{
    TestServer,
    fixtures::image,
    mock_ai::{Behavior, MockAi, Protocol},
    openai_env,
};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn stable_diffusion_webui_runs_batches() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(1_200), 0.0);
    let base = mock.base_url();
    let server = TestServer::start_with(&[("IMGBATCH_SDWEBUI_BASE_URL", base.as_str())]).await;
    let token = server.register("alice", "password123").await;
    let (_, models) = server
        .call(Method::GET, "/api/batch/models", Some(&token), None)
        .await;
    assert!(
        models["data"]
            .as_array()
            .expect("models")
            .iter()
            .any(|m| m["id"] == json!("sd-webui"))
    );

    let files = vec![
        ("a.png", image(ImageFormat::Png, 30, 20)),
        ("b.jpg", image(ImageFormat::Jpeg, 30, 20)),
    ];
    let id = server
        .create_batch(&token, &files, "a castle", "sd-webui")
        .await;
    // The WebUI's progress endpoint shows up as task progress while the call runs.
    server
        .wait_for(&token, id, Duration::from_secs(10), |d| {
            d["tasks"].as_array().is_some_and(|t| {
                t.iter()
                    .any(|t| t["progress"].as_f64().is_some_and(|p| p > 0.0))
            })
        })
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.protocol == Protocol::SdWebUi && r.prompt == "a castle")
    );
}

#[tokio::test]
async fn openai_gets_real_image_types_and_url_answers_are_downloaded() {
    let mock = MockAi::start().await;
    mock.script([Behavior::SuccessUrl]);
    let base = mock.openai_base();
    let server = TestServer::start_with(&openai_env(&base, &[])).await;
    let admin = server.admin_token().await;
    server.set_concurrency(&admin, 1).await;
    let token = server.register("bob", "password123").await;
    let files = vec![
        ("a.jpg", image(ImageFormat::Jpeg, 16, 16)),
        ("b.gif", image(ImageFormat::Gif, 16, 16)),
        ("c.bmp", image(ImageFormat::Bmp, 16, 16)),
        ("d.webp", image(ImageFormat::WebP, 16, 16)),
    ];
    let id = server
        .create_batch(&token, &files, "edit", "gpt-image-1")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["completedImages"], json!(4), "{detail:#}");
    let mimes: Vec<Option<String>> = mock.requests().into_iter().map(|r| r.image_mime).collect();
    let expected =
        ["image/jpeg", "image/png", "image/png", "image/webp"].map(|m| Some(m.to_owned()));
    assert_eq!(mimes, expected);

    // The first answer was a URL: its image was copied into storage and is served by the app.
    let url = detail["tasks"][0]["generatedImageUrl"]
        .as_str()
        .expect("result url");
    let response = server
        .request(Method::GET, url, Some(&token))
        .send()
        .await
        .expect("result");
    assert_eq!(response.status(), 200);
    assert!(image::load_from_memory(&response.bytes().await.expect("bytes")).is_ok());
}

#[tokio::test]
async fn a_hanging_call_times_out_and_is_retried() {
    let mock = MockAi::start().await;
    mock.script([Behavior::Hang]);
    let base = mock.openai_base();
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_PROVIDER_TIMEOUT", "1"),
            ("IMGBATCH_RETRY_BASE_MS", "100"),
        ],
    );
    let server = TestServer::start_with(&env).await;
    let token = server.register("carol", "password123").await;
    let files = vec![("a.png", image(ImageFormat::Png, 8, 8))];
    let id = server
        .create_batch(&token, &files, "edit", "gpt-image-1")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    let task = &detail["tasks"][0];
    assert_eq!(task["status"], json!("completed"), "{detail:#}");
    assert_eq!(task["retryCount"], json!(1));
    assert_eq!(mock.calls(), 2);
    assert_eq!(mock.in_flight(), 0);
}
