//! Each user's batches keep at most `IMGBATCH_STORAGE_QUOTA_MB` of images (originals and
//! results); an upload past it is refused naming the quota, and deleting a batch makes room.

use std::{io::Cursor, time::Duration};

use image::{ImageFormat, RgbImage};
use integration_tests::TestServer;
use reqwest::StatusCode;

/// A PNG of noise, which does not compress: about 3 bytes a pixel.
fn noise(side: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let picture = RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

#[tokio::test]
async fn uploads_past_the_quota_are_refused_until_a_batch_is_deleted() {
    let server = TestServer::start_with(&[
        ("IMGBATCH_STORAGE_QUOTA_MB", "1"),
        ("IMGBATCH_DEMO_DELAY_MS", "0"),
    ])
    .await;
    let token = server.register("vera", "password123").await;
    // Two images of about 270 KB; with their results, about 1 MB is in use.
    let first = vec![("a.png", noise(300, 1)), ("b.png", noise(300, 2))];
    let id = server.create_batch(&token, &first, "sepia", "demo").await;
    server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;

    let more = vec![("c.png", noise(300, 3))];
    let (status, body) = server
        .try_create_batch(&token, &more, "sepia", "demo")
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "storage_full");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains("of your 1 MB are in use"), "{message}");
    assert_eq!(server.count("batch_queues").await, 1, "nothing was created");

    // Another user has room of their own.
    let other = server.register("walt", "password123").await;
    server.create_batch(&other, &more, "sepia", "demo").await;

    let (status, _) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server
        .try_create_batch(&token, &more, "sepia", "demo")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
