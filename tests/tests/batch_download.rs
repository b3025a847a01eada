//! A batch downloads as one zip: its results under the uploaded folder tree, and a manifest.

use std::{collections::BTreeSet, io::Read, time::Duration};

use image::ImageFormat;
use integration_tests::{TestServer, fixtures};
use reqwest::{
    Method, StatusCode,
    header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS},
    multipart::{Form, Part},
};
use serde_json::{Value, json};

async fn start() -> TestServer {
    TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "10")]).await
}

/// Creates a batch named `name` from (file name, bytes) pairs and returns its id.
async fn create(
    server: &TestServer,
    token: &str,
    name: &str,
    files: &[(&str, Vec<u8>)],
    prompt: &str,
) -> i64 {
    let mut form = Form::new();
    for (file_name, bytes) in files {
        let part = Part::bytes(bytes.clone())
            .file_name((*file_name).to_owned())
            .mime_str("application/octet-stream")
            .expect("mime");
        form = form.part("images", part);
    }
    let form = form
        .text("prompt", prompt.to_owned())
        .text("model", "demo")
        .text("batchName", name.to_owned());
    let (status, body) = integration_tests::json_response(
        server
            .request(Method::POST, "/api/batch/create", Some(token))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "create: {body}");
    body["queueId"].as_i64().expect("queueId")
}

/// Downloads a batch's zip: the response headers and the archive's entries by name.
async fn download(
    server: &TestServer,
    token: &str,
    id: i64,
) -> (reqwest::header::HeaderMap, Vec<(String, Vec<u8>)>) {
    let response = server
        .request(
            Method::GET,
            &format!("/api/batch/queue/{id}/download"),
            Some(token),
        )
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("zip body");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip");
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("entry data");
        let name = entry.name().expect("a UTF-8 name").into_owned();
        entries.push((name, data));
    }
    (headers, entries)
}

fn manifest(entries: &[(String, Vec<u8>)]) -> Vec<Value> {
    let (_, data) = entries
        .iter()
        .find(|(name, _)| name == "manifest.json")
        .expect("manifest.json at the root");
    serde_json::from_slice::<Value>(data)
        .expect("manifest JSON")
        .as_array()
        .expect("manifest array")
        .clone()
}

#[tokio::test]
async fn results_keep_the_folder_tree_with_their_real_type_and_a_manifest() {
    let server = start().await;
    let alice = server.register("alice", "password123").await;
    let files = [
        ("trip/day1/a.png", fixtures::image(ImageFormat::Png, 24, 16)),
        ("trip/b.jpg", fixtures::image(ImageFormat::Jpeg, 20, 20)),
        // Becomes a PNG too, so it clashes with the first one.
        (
            "trip/day1/a.jpg",
            fixtures::image(ImageFormat::Jpeg, 16, 24),
        ),
        ("../outside.gif", fixtures::image(ImageFormat::Gif, 12, 12)),
    ];
    let id = create(&server, &alice, "holiday 2024", &files, "grayscale").await;
    let detail = server
        .wait_finished(&alice, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");

    let (headers, entries) = download(&server, &alice, id).await;
    assert_eq!(headers[CONTENT_TYPE], "application/zip");
    assert_eq!(
        headers[CONTENT_DISPOSITION],
        "attachment; filename=\"holiday 2024.zip\""
    );
    assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");

    let names: BTreeSet<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    let expected = [
        "trip/day1/a.png",
        "trip/b.png",
        "trip/day1/a (2).png",
        "outside.png",
    ];
    assert_eq!(
        names,
        expected
            .iter()
            .copied()
            .chain(["manifest.json"])
            .collect::<BTreeSet<_>>()
    );

    // Each entry is the task's latest result, byte for byte, and a grayscale image.
    let tasks = detail["tasks"].as_array().expect("tasks");
    for (task, file) in tasks.iter().zip(expected) {
        let (_, data) = entries.iter().find(|(name, _)| name == file).expect(file);
        let picture = image::load_from_memory(data).expect("an image");
        assert!(
            picture
                .to_rgb8()
                .pixels()
                .all(|p| p[0] == p[1] && p[1] == p[2]),
            "{file} is the grayscale result"
        );
        let response = server
            .request(
                Method::GET,
                task["generatedImageUrl"].as_str().expect("result url"),
                Some(&alice),
            )
            .send()
            .await
            .expect("result");
        // Saved alone, a result is named after its upload, with its real type.
        let stem = file.rsplit('/').next().and_then(|f| f.split('.').next());
        let stem = stem.expect("a file name").trim_end_matches(" (2)");
        assert_eq!(
            response.headers()[CONTENT_DISPOSITION],
            format!("inline; filename=\"{stem}-result.png\""),
            "{file}"
        );
        let result = response.bytes().await.expect("result bytes");
        assert_eq!(&result[..], &data[..], "{file}");
    }

    let manifest = manifest(&entries);
    assert_eq!(manifest.len(), 4);
    for ((entry, (path, _)), file) in manifest.iter().zip(&files).zip(expected) {
        assert_eq!(
            entry,
            &json!({
                "path": path,
                "file": file,
                "prompt": "grayscale",
                "model": "demo",
                "status": "completed",
                "attempts": 1,
                "error": null,
                "version": 1,
            })
        );
    }

    // An administrator may read it too; another user sees nothing; no token is a 401.
    let admin = server.admin_token().await;
    let (_, entries) = download(&server, &admin, id).await;
    assert_eq!(entries.len(), 5);
    let mallory = server.register("mallory", "password123").await;
    let path = format!("/api/batch/queue/{id}/download");
    for (token, status) in [
        (Some(mallory.as_str()), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (got, body) = server.call(Method::GET, &path, token, None).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(body["success"], json!(false));
    }
    let (status, _) = server
        .call(
            Method::GET,
            "/api/batch/queue/9999/download",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failed_images_are_in_the_manifest_only_and_names_may_be_chinese() {
    let server = start().await;
    let alice = server.register("alice", "password123").await;
    let files = [("相册/猫.png", fixtures::image(ImageFormat::Png, 10, 10))];
    let id = create(&server, &alice, "猫的照片", &files, "always fail").await;
    let detail = server
        .wait_finished(&alice, id, Duration::from_secs(30))
        .await;
    assert_eq!(detail["queue"]["status"], json!("failed"), "{detail:#}");

    let (headers, entries) = download(&server, &alice, id).await;
    assert_eq!(
        headers[CONTENT_DISPOSITION],
        "attachment; filename=\"batch.zip\"; \
         filename*=UTF-8''%E7%8C%AB%E7%9A%84%E7%85%A7%E7%89%87.zip"
    );
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["manifest.json"]);
    let manifest = manifest(&entries);
    assert_eq!(manifest.len(), 1);
    let entry = &manifest[0];
    assert_eq!(entry["path"], json!("相册/猫.png"));
    assert_eq!(entry["file"], Value::Null);
    assert_eq!(entry["status"], json!("failed"));
    assert_eq!(entry["attempts"], json!(1));
    assert_eq!(entry["version"], json!(0));
    let error = entry["error"].as_str().expect("error message");
    assert!(error.contains("always fail"), "{error}");
}
