//! What an image service answers is untrusted: result addresses are fetched only over HTTPS or
//! from the service's own host, results are checked like uploads (type, size, metadata), and
//! messages shown to users carry no addresses or keys.

use std::time::Duration;

use image::ImageFormat;
use integration_tests::{
    TestServer,
    fixtures::image,
    mock_ai::{Behavior, MockAi},
    openai_env,
};
use reqwest::Method;
use serde_json::{Value, json};

/// Runs one image through the OpenAI mock answering `behaviors`, and returns the finished task.
async fn run(behaviors: Vec<Behavior>, base_override: Option<&str>) -> (Value, MockAi, TestServer) {
    let mock = MockAi::start().await;
    mock.script(behaviors);
    let base = base_override.map_or_else(|| mock.openai_base(), str::to_owned);
    let server =
        TestServer::start_with(&openai_env(&base, &[("IMGBATCH_RETRY_BASE_MS", "50")])).await;
    let token = server.register("alice", "password123").await;
    let files = vec![("a.png", image(ImageFormat::Png, 16, 16))];
    let id = server
        .create_batch(&token, &files, "edit", "gpt-image-1")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    (detail["tasks"][0].clone(), mock, server)
}

fn message(task: &Value) -> &str {
    task["errorMessage"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn result_addresses_elsewhere_over_plain_http_are_not_fetched() {
    for url in [
        "http://127.0.0.2:9/internal.png",
        "https://user:secret@127.0.0.1:1/a.png",
        "file:///etc/passwd",
    ] {
        let (task, mock, _server) = run(vec![Behavior::ResultUrl(url.to_owned())], None).await;
        assert_eq!(task["status"], json!("failed"), "{url}: {task:#}");
        let text = message(&task);
        assert!(text.contains("does not fetch"), "{text}");
        assert!(
            !text.contains("127.0.0") && !text.contains("secret"),
            "{text}"
        );
        assert_eq!(mock.calls(), 1, "refused at once, not retried");
    }
}

#[tokio::test]
async fn results_are_checked_like_uploads() {
    // Not an image: retried, then failed.
    let junk = Behavior::ResultBytes(b"<html>not an image</html>".to_vec());
    let (task, mock, _server) = run(vec![junk.clone(), junk.clone(), junk], None).await;
    assert_eq!(task["status"], json!("failed"), "{task:#}");
    assert_eq!(
        message(&task),
        "the image service sent something that is not an image"
    );
    assert_eq!(mock.calls(), 3);

    // Too many pixels to accept.
    let wide = Behavior::ResultBytes(image(ImageFormat::Png, 13_000, 1));
    let (task, _, _server) = run(vec![wide.clone(), wide.clone(), wide], None).await;
    assert!(message(&task).contains("13000×1 pixels"), "{task:#}");

    // Text chunks (which may carry locations or names) are stripped from a stored result.
    let tagged = with_text_chunk(
        &image(ImageFormat::Png, 16, 16),
        "Comment",
        "GPS 52.5N secret",
    );
    let (task, _, server) = run(vec![Behavior::ResultBytes(tagged)], None).await;
    assert_eq!(task["status"], json!("completed"), "{task:#}");
    let token = server.login("alice", "password123").await;
    let url = task["generatedImageUrl"].as_str().expect("result url");
    let stored = server
        .request(Method::GET, url, Some(&token))
        .send()
        .await
        .expect("result")
        .bytes()
        .await
        .expect("bytes");
    assert!(image::load_from_memory(&stored).is_ok());
    assert!(
        !stored.windows(6).any(|w| w == b"secret"),
        "the text chunk is kept"
    );
}

#[tokio::test]
async fn messages_shown_to_users_carry_no_addresses_or_keys() {
    let leaky = Behavior::BadRequest(
        "Invalid image; see http://10.1.2.3:8080/debug?key=abc and key sk-live-1234567890abcdef"
            .to_owned(),
    );
    let (task, _, _server) = run(vec![leaky], None).await;
    let text = message(&task);
    assert!(text.contains("Invalid image; see [address]"), "{text}");
    assert!(
        !text.contains("10.1.2.3") && !text.contains("sk-live"),
        "{text}"
    );

    // An unreachable service (a closed loopback port): the reason, not its address.
    let (task, _, _server) = run(vec![], Some("http://127.0.0.1:1/v1")).await;
    assert_eq!(task["status"], json!("failed"), "{task:#}");
    let text = message(&task);
    assert!(text.starts_with("cannot reach the image service"), "{text}");
    assert!(!text.contains("127.0.0.1"), "{text}");
}

/// The PNG with a `tEXt` chunk (`key`, `value`) inserted after its header chunk.
fn with_text_chunk(png: &[u8], key: &str, value: &str) -> Vec<u8> {
    let data = [key.as_bytes(), &[0], value.as_bytes()].concat();
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let typed = [b"tEXt".as_slice(), &data].concat();
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    // Signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC).
    let split = 8 + 25;
    [&png[..split], &chunk, &png[split..]].concat()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
