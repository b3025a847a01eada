//! Creating batches: every accepted format end to end, and every bad input rejected whole.

use std::time::Duration;

use image::ImageFormat;
use integration_tests::{
    TestServer, error_message,
    fixtures::{borrowed, image, png, pngs},
    json_response,
};
use reqwest::{
    Method, StatusCode, header,
    multipart::{Form, Part},
};
use serde_json::json;

async fn demo_server() -> TestServer {
    TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "20")]).await
}

#[tokio::test]
async fn a_mixed_format_batch_completes_and_results_download() {
    let server = demo_server().await;
    let token = server.register("alice", "password123").await;
    let files = vec![
        ("holiday/beach.png", image(ImageFormat::Png, 40, 30)),
        ("holiday/sunset.jpg", image(ImageFormat::Jpeg, 40, 30)),
        ("anim.gif", image(ImageFormat::Gif, 20, 20)),
        ("photo.webp", image(ImageFormat::WebP, 32, 32)),
        ("scan.bmp", image(ImageFormat::Bmp, 16, 16)),
        ("fax.tiff", image(ImageFormat::Tiff, 16, 16)),
    ];
    let (status, created) = server
        .try_create_batch(&token, &files, "make it black and white", "demo")
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["success"], json!(true));
    assert_eq!(created["totalImages"], json!(6));
    assert_eq!(created["usedUserKey"], json!(false));
    let queue_id = created["queueId"].as_i64().expect("id");
    assert_eq!(server.credits(&token).await, 20 - 6);

    let detail = server
        .wait_finished(&token, queue_id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");
    assert_eq!(detail["queue"]["completedImages"], json!(6));
    assert_eq!(detail["queue"]["failedImages"], json!(0));
    let tasks = detail["tasks"].as_array().expect("tasks");
    let names: Vec<&str> = tasks
        .iter()
        .filter_map(|t| t["originalFilename"].as_str())
        .collect();
    assert_eq!(
        names,
        files.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        "upload order, folder paths kept"
    );

    for task in tasks {
        assert_eq!(task["status"], json!("completed"));
        assert_eq!(task["version"], json!(1));
        for url_field in ["originalImageUrl", "generatedImageUrl"] {
            let url = task[url_field].as_str().expect("url");
            let response = server
                .request(Method::GET, url, Some(&token))
                .send()
                .await
                .expect("image");
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let headers = response.headers().clone();
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            let mime = headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .to_owned();
            let bytes = response.bytes().await.expect("bytes");
            let decoded = image::load_from_memory(&bytes).expect("a real image");
            assert!(mime.starts_with("image/"), "{mime}");
            if url_field == "generatedImageUrl" {
                let rgba = decoded.to_rgba8();
                assert!(
                    rgba.pixels().all(|p| p[0] == p[1] && p[1] == p[2]),
                    "the demo made it grey"
                );
            }
        }
    }
}

#[tokio::test]
async fn models_are_listed() {
    let server = demo_server().await;
    let token = server.register("bob", "password123").await;
    let (status, body) = server
        .call(Method::GET, "/api/batch/models", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"][0],
        json!({
            "id": "demo",
            "name": "Demo effects (built in)",
            "provider": "demo",
            "freeWithOwnKey": false
        })
    );
}

/// Asserts that a rejected request left no batch, no task, no file and the balance as it was.
async fn assert_nothing_changed(server: &TestServer, token: &str, credits: i64) {
    // Files of an aborted upload are removed right after the response; give that a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.count("batch_queues").await, 0);
    assert_eq!(server.count("batch_tasks").await, 0);
    assert_eq!(server.stored_files(), 0, "no stray files");
    assert_eq!(server.credits(token).await, credits);
}

#[tokio::test]
async fn bad_inputs_are_rejected_whole_and_change_nothing() {
    let server = demo_server().await;
    let token = server.register("carol", "password123").await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec();
    let html = b"<!doctype html><html><script>alert(1)</script></html>".to_vec();
    let truncated = png()[..40].to_vec();
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let huge = image(ImageFormat::Png, 12_001, 1);

    type Files<'a> = Vec<(&'a str, Vec<u8>)>;
    let cases: Vec<(Files, &str, &str, StatusCode, &str)> = vec![
        (
            vec![("ok.png", png()), ("logo.svg", svg)],
            "p",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "logo.svg",
        ),
        (
            vec![("page.png", html)],
            "p",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "page.png",
        ),
        (
            vec![("ok.png", png()), ("cut.png", truncated)],
            "p",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cut.png",
        ),
        (
            vec![("ok.png", png()), ("big.jpg", big)],
            "p",
            "demo",
            StatusCode::PAYLOAD_TOO_LARGE,
            "big.jpg",
        ),
        (
            vec![("wide.png", huge)],
            "p",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "wide.png",
        ),
        (
            vec![("ok.png", png())],
            "   ",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "prompt",
        ),
        (
            vec![("ok.png", png())],
            "p",
            "no-such-model",
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-such-model",
        ),
        (
            vec![],
            "p",
            "demo",
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one image",
        ),
    ];
    for (files, prompt, model, expected, mentions) in cases {
        let (status, body) = server.try_create_batch(&token, &files, prompt, model).await;
        assert_eq!(status, expected, "{mentions}: {body}");
        let message = error_message(&body);
        assert!(
            message.contains(mentions),
            "'{message}' should mention {mentions}"
        );
        assert_nothing_changed(&server, &token, 20).await;
    }

    let long_prompt = "x".repeat(4_001);
    let (status, _) = server
        .try_create_batch(&token, &[("a.png", png())], &long_prompt, "demo")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let too_many = pngs(51);
    let (status, body) = server
        .try_create_batch(&token, &borrowed(&too_many), "p", "demo")
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(error_message(&body).contains("50"));
    assert_nothing_changed(&server, &token, 20).await;

    let (status, body) = json_response(
        server
            .request(Method::POST, "/api/batch/create", Some(&token))
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=xyz")
            .body("--xyz\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.png\"\r\n\r\nabc"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_nothing_changed(&server, &token, 20).await;

    let (status, _) = json_response(
        server
            .request(Method::POST, "/api/batch/create", None)
            .multipart(Form::new().part("images", Part::bytes(png()).file_name("a.png"))),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn too_few_credits_rejects_the_batch() {
    let server = TestServer::start_with(&[("IMGBATCH_SIGNUP_CREDITS", "3")]).await;
    let token = server.register("dave", "password123").await;
    let files = pngs(4);
    let (status, body) = server
        .try_create_batch(&token, &borrowed(&files), "p", "demo")
        .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(
        error_message(&body),
        "not enough credits: this needs 4 and you have 3"
    );
    // Scripts can tell rule breaks apart without reading the English.
    assert_eq!(body["code"], "not_enough_credits", "{body}");
    assert_nothing_changed(&server, &token, 3).await;

    let files = pngs(3);
    server
        .create_batch(&token, &borrowed(&files), "p", "demo")
        .await;
    assert_eq!(server.credits(&token).await, 0);
}

#[tokio::test]
async fn fifty_images_are_accepted() {
    let server = TestServer::start_with(&[
        ("IMGBATCH_SIGNUP_CREDITS", "50"),
        ("IMGBATCH_DEMO_DELAY_MS", "0"),
    ])
    .await;
    let token = server.register("erin", "password123").await;
    let files = pngs(50);
    let id = server
        .create_batch(&token, &borrowed(&files), "invert", "demo")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(60))
        .await;
    assert_eq!(detail["queue"]["completedImages"], json!(50));
    assert_eq!(server.credits(&token).await, 0);
}
