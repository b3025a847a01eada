//! Storage is kept to what is used: with `IMGBATCH_RETENTION_DAYS`, finished batches older than
//! that are deleted with their images; files no batch refers to are removed once they are an
//! hour old (younger ones may belong to an upload in progress).

use std::{
    fs,
    path::Path,
    time::{Duration, SystemTime},
};

use integration_tests::{
    TestServer,
    fixtures::{borrowed, pngs},
};

fn plant(objects: &Path, name: &str, age: Duration) -> std::path::PathBuf {
    let dir = objects.join("originals/zz");
    fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    fs::write(&path, b"left behind").expect("write");
    let file = fs::File::options().write(true).open(&path).expect("open");
    file.set_modified(SystemTime::now() - age).expect("mtime");
    path
}

#[tokio::test]
async fn old_batches_and_orphaned_files_are_removed_at_start() {
    let server = TestServer::start_with(&[("IMGBATCH_DEMO_DELAY_MS", "0")]).await;
    let token = server.register("uma", "password123").await;
    let old = server
        .create_batch(&token, &borrowed(&pngs(2)), "sepia", "demo")
        .await;
    server
        .wait_finished(&token, old, Duration::from_secs(30))
        .await;
    let recent = server
        .create_batch(&token, &borrowed(&pngs(1)), "sepia", "demo")
        .await;
    server
        .wait_finished(&token, recent, Duration::from_secs(30))
        .await;
    let db = server.database().await;
    sqlx::query("UPDATE batch_queues SET created_at = '2000-01-01T00:00:00.000Z' WHERE id = $1")
        .bind(old)
        .execute(&db)
        .await
        .expect("age the batch");
    db.close().await;
    let data_dir = server.terminate(Duration::from_secs(10)).await;
    let objects = data_dir.path().join("objects");
    let stale = plant(&objects, "stale.png", Duration::from_secs(2 * 3600));
    let fresh = plant(&objects, "fresh.png", Duration::ZERO);

    // Without a retention period, old batches stay; the stale orphan goes anyway.
    let server = TestServer::start_in(data_dir, &[]).await;
    wait_until(|| !stale.exists()).await;
    assert!(
        fresh.exists(),
        "a young file may belong to an upload in progress"
    );
    assert_eq!(server.count("batch_queues").await, 2);
    let files = server.stored_files();
    let data_dir = server.terminate(Duration::from_secs(10)).await;

    let server = TestServer::start_in(data_dir, &[("IMGBATCH_RETENTION_DAYS", "30")]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.count("batch_queues").await != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old batch stays"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = server.login("uma", "password123").await;
    let kept = server.queue(&token, recent).await;
    assert_eq!(kept["queue"]["id"], recent);
    // The old batch's two originals and two results are gone; the rest stays.
    assert_eq!(server.stored_files(), files - 4);
    assert!(fresh.exists());
}

async fn wait_until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "not done in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
