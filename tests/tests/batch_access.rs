//! One user's batches, tasks and images are invisible to another; admins see everything.

use std::time::Duration;

use integration_tests::{
    TestServer,
    fixtures::{borrowed, pngs},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_second_user_cannot_see_fetch_cancel_retry_or_edit() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "3000")]).await;
    let alice = server.register("alice", "password123").await;
    let mallory = server.register("mallory", "password123").await;
    let files = pngs(2);
    let id = server
        .create_batch(&alice, &borrowed(&files), "grayscale", "demo")
        .await;
    let detail = server.queue(&alice, id).await;
    let task_id = detail["tasks"][0]["id"].as_i64().expect("task");

    let (_, list) = server
        .call(Method::GET, "/api/batch/queues", Some(&mallory), None)
        .await;
    assert_eq!(list["data"], json!([]));

    let gets = [
        format!("/api/batch/queue/{id}"),
        format!("/api/batch/queue/{id}/events"),
        format!("/api/batch/task/{task_id}/original"),
        format!("/api/batch/task/{task_id}/result"),
        format!("/api/batch/task/{task_id}/versions/1"),
    ];
    for path in &gets {
        let response = server
            .request(Method::GET, path, Some(&mallory))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let response = server
            .request(Method::GET, path, None)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let posts = [
        (format!("/api/batch/queue/{id}/cancel"), None),
        (format!("/api/batch/task/{task_id}/retry"), None),
        (
            format!("/api/batch/task/{task_id}/edit"),
            Some(json!({"prompt": "sepia"})),
        ),
    ];
    for (path, body) in &posts {
        let (status, _) = server
            .call(Method::POST, path, Some(&mallory), body.clone())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // Nothing happened to alice's batch, and the owner still gets the original.
    let detail = server.queue(&alice, id).await;
    assert_ne!(detail["queue"]["status"], json!("cancelled"));
    let response = server
        .request(
            Method::GET,
            &format!("/api/batch/task/{task_id}/original"),
            Some(&alice),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.credits(&mallory).await, 20);

    // Admins see every user's batches, filtered by status and user, but do not change them
    // (that could spend the owner's credits).
    let admin = server.admin_token().await;
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/batch/queue/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (path, body) in &posts {
        let (status, _) = server
            .call(Method::POST, path, Some(&admin), body.clone())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "admin {path}");
    }
    assert_eq!(server.credits(&alice).await, 18);
    let (status, all) = server
        .call(
            Method::GET,
            "/api/admin/batch/queues?user=alice",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["data"][0]["id"], json!(id));
    assert_eq!(all["data"][0]["username"], json!("alice"));
    // Part of a name finds its owner, in any case; LIKE's wildcards are plain characters.
    for (part, found) in [("LIC", true), ("%", false), ("a_i", false)] {
        let (_, list) = server
            .call(
                Method::GET,
                &format!("/api/admin/batch/queues?user={}", part.replace('%', "%25")),
                Some(&admin),
                None,
            )
            .await;
        let owners: Vec<&Value> = list["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|b| &b["username"])
            .collect();
        if found {
            assert!(
                !owners.is_empty() && owners.iter().all(|o| *o == "alice"),
                "{part}: {list}"
            );
        } else {
            assert!(owners.is_empty(), "{part}: {list}");
        }
    }
    let (_, none) = server
        .call(
            Method::GET,
            "/api/admin/batch/queues?status=failed",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(none["data"], json!([]));
    let (status, _) = server
        .call(
            Method::GET,
            "/api/admin/batch/queues?status=bogus",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = server
        .call(Method::GET, "/api/admin/batch/queues", Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    server
        .wait_finished(&alice, id, Duration::from_secs(30))
        .await;
    let (status, stats) = server
        .call(Method::GET, "/api/admin/batch/stats", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let stats = &stats["data"];
    assert_eq!(stats["totalImages"], json!(2));
    assert_eq!(stats["completedImages"], json!(2));
    assert_eq!(stats["successRate"], json!(1.0));
    assert_eq!(stats["creditsSpent"], json!(2));
    assert_eq!(stats["queue"]["concurrency"], json!(3));
    assert_eq!(stats["imagesPerDay"][0]["images"], json!(2));
    assert!(
        stats["meanProcessingMs"]
            .as_f64()
            .is_some_and(|ms| ms >= 3000.0),
        "{stats}"
    );
}
