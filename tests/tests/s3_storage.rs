//! Images in an S3-compatible bucket (a real moto server over HTTP) or in a directory named by
//! `IMGBATCH_STORAGE_URL`: uploads, results, downloads and deletion all go through it.

use std::time::Duration;

use integration_tests::{
    TestServer, files_under,
    fixtures::{borrowed, pngs},
    s3::S3Server,
    server_binary,
};
use reqwest::{Method, StatusCode};

fn as_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn images_live_in_the_bucket_and_go_with_their_batch() {
    let s3 = S3Server::start().await;
    s3.create_bucket("images").await;
    let env = s3.env("s3://images/imgbatch");
    let mut env = as_refs(&env);
    env.push(("IMGBATCH_DEMO_DELAY_MS", "0"));
    let server = TestServer::start_with(&env).await;

    let token = server.register("rosa", "password123").await;
    let files = pngs(3);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    let detail = server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["completedImages"], 3, "{detail:#}");
    let keys = s3.keys("images").await;
    assert_eq!(keys.len(), 6, "3 originals and 3 results: {keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("imgbatch/")), "{keys:?}");
    assert_eq!(server.stored_files(), 0, "nothing in the local directory");

    let task = detail["tasks"][0]["id"].as_i64().expect("task id");
    for what in ["original", "result"] {
        let response = server
            .request(
                Method::GET,
                &format!("/api/batch/task/{task}/{what}"),
                Some(&token),
            )
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), StatusCode::OK, "{what}");
        let bytes = response.bytes().await.expect("image");
        assert!(bytes.starts_with(b"\x89PNG"), "{what} is the stored PNG");
    }
    let zip = server
        .request(
            Method::GET,
            &format!("/api/batch/queue/{id}/download"),
            Some(&token),
        )
        .send()
        .await
        .expect("zip");
    assert_eq!(zip.status(), StatusCode::OK);
    assert!(zip.bytes().await.expect("zip body").starts_with(b"PK"));

    let (status, body) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s3.keys("images").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_directory_url_stores_images_there() {
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", elsewhere.path().display());
    let server = TestServer::start_with(&[
        ("IMGBATCH_STORAGE_URL", &url),
        ("IMGBATCH_DEMO_DELAY_MS", "0"),
    ])
    .await;
    let token = server.register("rosa", "password123").await;
    let files = pngs(2);
    let id = server
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    server
        .wait_finished(&token, id, Duration::from_secs(30))
        .await;
    let count = files_under(elsewhere.path());
    assert_eq!(count, 4, "2 originals and 2 results in the named directory");
    assert_eq!(server.stored_files(), 0);
    let (status, body) = server.delete_batch(&token, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(files_under(elsewhere.path()), 0);
}

#[tokio::test]
async fn a_store_that_cannot_be_written_stops_the_start_with_its_reason() {
    let s3 = S3Server::start().await;
    let data = tempfile::tempdir().expect("temp dir");
    for (url, reason) in [
        (
            "s3://no-such-bucket",
            "cannot write to the object store s3://no-such-bucket",
        ),
        (
            "gs://images",
            "IMGBATCH_STORAGE_URL must be s3://bucket[/prefix] or file:///directory",
        ),
        ("s3:///images", "IMGBATCH_STORAGE_URL names no bucket"),
    ] {
        let env = s3.env(url);
        let output = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::new(server_binary())
                .arg("serve")
                .env("IMGBATCH_ADDR", "127.0.0.1:0")
                .env("IMGBATCH_DATA_DIR", data.path())
                .env_remove("IMGBATCH_DATABASE_URL")
                .envs(env)
                .output(),
        )
        .await
        .expect("the server gives up within a minute")
        .expect("run the server");
        assert!(!output.status.success(), "{url} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stderr.contains(reason) || stdout.contains(reason),
            "{url}: {stderr}{stdout}"
        );
    }
}
