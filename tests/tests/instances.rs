//! Several `imgbatch serve` processes sharing one database and one object store: one global
//! limit, every task done exactly once, and a process that dies or stalls past its lease loses
//! its tasks to the others without writing anything afterwards.

use std::time::Duration;

use integration_tests::{
    Backend, TestDir, TestServer,
    fixtures::{borrowed, pngs},
    mock_ai::MockAi,
    openai_env, read_events,
};
use serde_json::{Value, json};

const LEASE_SECS: &str = "3";
const MODEL: &str = "gpt-image-1";

async fn scalar(server: &TestServer, sql: &str) -> i64 {
    let db = server.database().await;
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&db)
        .await
        .expect("query");
    db.close().await;
    n
}

/// Tasks of the database held right now by `server`'s process.
async fn held_by(server: &TestServer) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM batch_tasks WHERE status = 'processing' AND lease_owner LIKE '{}%'",
        server.lease_owner_prefix()
    );
    scalar(server, &sql).await
}

/// Waits (at most 20 s) until one of two instances holds a running task; returns that one first.
/// Either may be first: the one that made a batch wakes at once, the other on being told.
async fn holder_first(a: TestServer, b: TestServer) -> (TestServer, TestServer) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if held_by(&a).await > 0 {
            return (a, b);
        }
        if held_by(&b).await > 0 {
            return (b, a);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no instance ever claimed a task"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (at most 20 s) until the mock has `calls` calls in flight.
async fn until_in_flight(mock: &MockAi, calls: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while mock.in_flight() < calls {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{calls} calls never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Cancels batch `id` through `via` and waits until the mock has no call in flight, failing if
/// one is still running after `within`.
async fn cancel_until_idle(
    via: &TestServer,
    token: &str,
    id: i64,
    mock: &MockAi,
    within: Duration,
) {
    let (status, body) = via
        .call(
            reqwest::Method::POST,
            &format!("/api/batch/queue/{id}/cancel"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let deadline = tokio::time::Instant::now() + within;
    while mock.in_flight() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} calls still in flight {within:?} after the cancel",
            mock.in_flight()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_each_completed_once(detail: &Value, images: usize) {
    assert_eq!(detail["queue"]["status"], json!("completed"), "{detail:#}");
    assert_eq!(detail["queue"]["completedImages"], json!(images));
    let tasks = detail["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), images);
    assert!(
        tasks.iter().all(|t| t["version"] == json!(1)),
        "a task produced two results: {detail:#}"
    );
}

#[tokio::test]
async fn three_instances_hold_one_limit_and_run_every_task_once() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(300), 0.3);
    let base = mock.openai_base();
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "100"),
            ("IMGBATCH_LEASE_SECS", LEASE_SECS),
        ],
    );
    let a = TestServer::start_with(&env).await;
    let b = a.start_beside(&env).await;
    let c = a.start_beside(&env).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 3).await;

    let alice = a.register("alice", "password123").await;
    let bob = b.register("bob", "password123").await;
    let carol = c.register("carol", "password123").await;
    let (alice_files, bob_files, carol_files) = (pngs(18), pngs(12), pngs(9));
    let alices = a
        .create_batch(&alice, &borrowed(&alice_files), "edit", MODEL)
        .await;
    let bobs = b
        .create_batch(&bob, &borrowed(&bob_files), "edit", MODEL)
        .await;
    let carols = c
        .create_batch(&carol, &borrowed(&carol_files), "edit", MODEL)
        .await;
    let alices = b
        .wait_finished(&alice, alices, Duration::from_secs(60))
        .await;
    let bobs = c.wait_finished(&bob, bobs, Duration::from_secs(60)).await;
    let carols = a
        .wait_finished(&carol, carols, Duration::from_secs(60))
        .await;
    assert_each_completed_once(&alices, 18);
    assert_each_completed_once(&bobs, 12);
    assert_each_completed_once(&carols, 9);
    assert_eq!(mock.calls(), 39, "one call per image");
    assert_eq!(
        mock.peak_in_flight(),
        3,
        "the limit is reached and never exceeded"
    );
    assert_eq!(scalar(&a, "SELECT COUNT(*) FROM task_versions").await, 39);
    assert_eq!(a.credits(&alice).await, 82, "charged once: 100 − 18");
    assert_eq!(b.credits(&bob).await, 88, "charged once: 100 − 12");
    assert_eq!(c.credits(&carol).await, 91, "charged once: 100 − 9");

    // A limit changed through one instance holds on the others at once.
    c.set_concurrency(&admin, 1).await;
    mock.reset_peak();
    let files = pngs(6);
    let id = a
        .create_batch(&alice, &borrowed(&files), "edit", MODEL)
        .await;
    let detail = b.wait_finished(&alice, id, Duration::from_secs(30)).await;
    assert_each_completed_once(&detail, 6);
    assert_eq!(mock.peak_in_flight(), 1);
}

#[tokio::test]
async fn the_others_finish_the_tasks_of_a_killed_instance_once_its_leases_expire() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(600), 0.1);
    let base = mock.openai_base();
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "50"),
            ("IMGBATCH_LEASE_SECS", LEASE_SECS),
        ],
    );
    let a = TestServer::start_with(&env).await;
    let b = a.start_beside(&env).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 4).await;
    let token = a.register("alice", "password123").await;
    let files = pngs(12);
    let id = a
        .create_batch(&token, &borrowed(&files), "edit", MODEL)
        .await;

    let (victim, survivor) = holder_first(a, b).await;
    let _data_dir = victim.kill().await;

    let detail = survivor
        .wait_finished(&token, id, Duration::from_secs(60))
        .await;
    assert_each_completed_once(&detail, 12);
    assert_eq!(survivor.credits(&token).await, 38, "charged once: 50 − 12");
    assert_eq!(
        scalar(&survivor, "SELECT COUNT(*) FROM task_versions").await,
        12
    );
    assert_eq!(
        scalar(
            &survivor,
            "SELECT COUNT(*) FROM credit_ledger WHERE reason = 'batch'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_instance_stalled_past_its_lease_writes_nothing_when_it_wakes() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(1_000), 0.0);
    let base = mock.openai_base();
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "50"),
            ("IMGBATCH_LEASE_SECS", LEASE_SECS),
        ],
    );
    let a = TestServer::start_with(&env).await;
    let b = a.start_beside(&env).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 2).await;
    let token = a.register("alice", "password123").await;
    let files = pngs(8);
    let id = a
        .create_batch(&token, &borrowed(&files), "edit", MODEL)
        .await;

    let (stalled, other) = holder_first(a, b).await;
    stalled.signal("STOP").await;
    // Past the lease: the other takes its tasks back and runs them, while its calls get their answers
    // into a process that cannot read them.
    tokio::time::sleep(Duration::from_secs(5)).await;
    stalled.signal("CONT").await;

    let detail = other
        .wait_finished(&token, id, Duration::from_secs(60))
        .await;
    assert_each_completed_once(&detail, 8);
    // Let the woken runs do whatever they would.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let detail = other.queue(&token, id).await;
    assert_each_completed_once(&detail, 8);
    assert_eq!(
        scalar(&other, "SELECT COUNT(*) FROM task_versions").await,
        8
    );
    assert!(mock.peak_in_flight() <= 2, "peak {}", mock.peak_in_flight());
    assert_eq!(
        stalled.stored_files(),
        16,
        "8 originals and 8 results: the stale runs stored nothing"
    );
    assert_eq!(other.credits(&token).await, 42, "charged once: 50 − 8");
}

#[tokio::test]
async fn a_small_batch_is_not_starved_by_another_users_many() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(150), 0.2);
    let base = mock.openai_base();
    let env = openai_env(&base, &[("IMGBATCH_SIGNUP_CREDITS", "300")]);
    let server = TestServer::start_with(&env).await;
    let admin = server.admin_token().await;
    let limit = 3;
    server.set_concurrency(&admin, limit).await;
    let alice = server.register("alice", "password123").await;
    let bob = server.register("bob", "password123").await;
    let files = pngs(50);
    for _ in 0..4 {
        server
            .create_batch(&alice, &borrowed(&files), "alpha", MODEL)
            .await;
    }
    let mine = pngs(5);
    let id = server
        .create_batch(&bob, &borrowed(&mine), "bravo", MODEL)
        .await;
    let calls_before = mock.calls();
    let detail = server
        .wait_finished(&bob, id, Duration::from_secs(60))
        .await;
    assert_each_completed_once(&detail, 5);
    let first_bravo = mock
        .requests()
        .iter()
        .position(|r| r.prompt == "bravo")
        .expect("bob's images were sent");
    assert!(
        first_bravo <= calls_before + limit as usize + 1,
        "bob's first image was call {first_bravo}; {calls_before} calls had been made when his batch was queued"
    );
    let alpha_done = mock
        .requests()
        .iter()
        .filter(|r| r.prompt == "alpha")
        .count();
    assert!(
        alpha_done < 200,
        "bob finished before alice's 200 images did"
    );
}

#[tokio::test]
async fn a_cancel_through_one_instance_aborts_the_calls_of_another() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_secs(60), 0.0);
    let base = mock.openai_base();
    let env = openai_env(&base, &[("IMGBATCH_SIGNUP_CREDITS", "50")]);
    let a = TestServer::start_with(&env).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 3).await;
    let token = a.register("alice", "password123").await;
    // Either instance may claim any of them (B at once, A when told or at its next look); the
    // cancel goes through the one holding fewer, so at least one call it stops runs elsewhere.
    let b = a.start_beside(&env).await;
    let files = pngs(6);
    let id = b
        .create_batch(&token, &borrowed(&files), "edit", MODEL)
        .await;
    until_in_flight(&mock, 3).await;
    let (held_by_a, held_by_b) = (held_by(&a).await, held_by(&b).await);
    assert_eq!(held_by_a + held_by_b, 3, "the three running tasks are held");
    let via = if held_by_a <= held_by_b { &a } else { &b };

    cancel_until_idle(via, &token, id, &mock, Duration::from_secs(5)).await;
    let detail = via.queue(&token, id).await;
    assert_eq!(detail["queue"]["status"], json!("cancelled"), "{detail:#}");
    assert_eq!(mock.calls(), 3, "nothing was claimed after the cancel");
}

/// On PostgreSQL a cancel reaches the process running the batch through `NOTIFY`, not its poll:
/// with both polling once a minute (and heartbeats every 10 s), the calls still stop at once.
/// The cancel goes through the instance holding fewer of the running tasks, so at least one
/// call it must stop runs on the other. This test always runs on PostgreSQL, whatever the
/// suite's database.
#[tokio::test]
async fn on_postgres_a_cancel_wakes_the_instance_running_the_batch_at_once() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_secs(60), 0.0);
    let base = mock.openai_base();
    let env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "50"),
            ("IMGBATCH_QUEUE_POLL_MS", "60000"),
        ],
    );
    let a = TestServer::start_in(TestDir::on(Backend::Postgres).await, &env).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 2).await;
    let token = a.register("alice", "password123").await;
    let b = a.start_beside(&env).await;
    let id = b
        .create_batch(&token, &borrowed(&pngs(4)), "edit", MODEL)
        .await;
    until_in_flight(&mock, 2).await;
    let (held_by_a, held_by_b) = (held_by(&a).await, held_by(&b).await);
    assert_eq!(held_by_a + held_by_b, 2, "the two running tasks are held");
    let via = if held_by_a <= held_by_b { &a } else { &b };

    cancel_until_idle(via, &token, id, &mock, Duration::from_secs(3)).await;
    assert_eq!(mock.calls(), 2, "nothing was claimed after the cancel");
}

/// Reads a batch's event stream until it ends (or `within` passes); returns whether it ended
/// and the ids of the tasks seen completed, in the snapshot or in later events.
async fn watch_until_end(
    server: &TestServer,
    token: &str,
    id: i64,
    within: Duration,
) -> (bool, std::collections::BTreeSet<i64>) {
    let response = server
        .request(
            reqwest::Method::GET,
            &format!("/api/batch/queue/{id}/events"),
            Some(token),
        )
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let (events, ended) = read_events(response, tokio::time::Instant::now() + within).await;
    let completed = events
        .iter()
        .flat_map(|(kind, _, data)| match kind.as_str() {
            "snapshot" => data["tasks"].as_array().cloned().unwrap_or_default(),
            "task" => vec![data.clone()],
            _ => Vec::new(),
        })
        .filter(|t| t["status"] == json!("completed"))
        .filter_map(|t| t["id"].as_i64())
        .collect();
    (ended, completed)
}

#[tokio::test]
async fn a_stream_on_one_instance_sees_the_work_of_another() {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(400), 0.1);
    let base = mock.openai_base();
    let env_for = |key: &'static str| {
        vec![
            ("IMGBATCH_OPENAI_BASE_URL", base.clone()),
            ("IMGBATCH_OPENAI_API_KEY", key.to_owned()),
            ("IMGBATCH_SIGNUP_CREDITS", "50".to_owned()),
        ]
    };
    let (env_a, env_b) = (env_for("sk-instance-a"), env_for("sk-instance-b"));
    let env_a: Vec<(&str, &str)> = env_a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let env_b: Vec<(&str, &str)> = env_b.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = TestServer::start_with(&env_a).await;
    let b = a.start_beside(&env_b).await;
    let admin = a.admin_token().await;
    a.set_concurrency(&admin, 2).await;
    let token = a.register("alice", "password123").await;

    // Queued through A; either instance may run any image (on PostgreSQL B is told at once).
    // A stream on each: whichever instance ran an image, the stream on the other shows it.
    let files = pngs(6);
    let id = a
        .create_batch(&token, &borrowed(&files), "edit", MODEL)
        .await;
    let within = Duration::from_secs(30);
    let (on_a, on_b) = tokio::join!(
        watch_until_end(&a, &token, id, within),
        watch_until_end(&b, &token, id, within)
    );
    let ran_by = |key: &str| {
        mock.requests()
            .iter()
            .filter(|r| r.authorization.as_deref() == Some(key))
            .count()
    };
    assert_eq!(
        ran_by("Bearer sk-instance-a") + ran_by("Bearer sk-instance-b"),
        6,
        "each image ran once, on one of the two"
    );
    for (name, (ended, completed)) in [("A", on_a), ("B", on_b)] {
        assert!(
            ended,
            "{name}'s stream ends when the batch finishes, wherever it finished"
        );
        assert_eq!(
            completed.len(),
            6,
            "every image is seen completed on {name}: {completed:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_resumed_on_another_instance_gets_what_changed_and_the_progress_of_runs_elsewhere()
{
    // The demo model reports its progress ten times over its three seconds.
    let env = [
        ("IMGBATCH_DEMO_DELAY_MS", "3000"),
        ("IMGBATCH_SIGNUP_CREDITS", "50"),
    ];
    let a = TestServer::start_with(&env).await;
    let token = a.register("alice", "password123").await;
    let files = pngs(3);
    let id = a
        .create_batch(&token, &borrowed(&files), "sepia", "demo")
        .await;
    // A holds all three (the limit is 3) before B starts, so every run and its progress is A's.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while held_by(&a).await < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "A never took the batch"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b = a.start_beside(&env).await;

    let events_path = format!("/api/batch/queue/{id}/events");
    let on_a = a
        .request(reqwest::Method::GET, &events_path, Some(&token))
        .send()
        .await
        .expect("events on A");
    let (seen, _) = read_events(on_a, tokio::time::Instant::now() + Duration::from_secs(1)).await;
    let last_id = seen.iter().map(|(_, id, _)| *id).max().unwrap_or(0);
    assert!(last_id > 0, "A's stream gave an id: {seen:?}");

    let on_b = b
        .request(reqwest::Method::GET, &events_path, Some(&token))
        .header("last-event-id", last_id.to_string())
        .send()
        .await
        .expect("events on B");
    assert_eq!(on_b.status(), reqwest::StatusCode::OK);
    let (events, ended) =
        read_events(on_b, tokio::time::Instant::now() + Duration::from_secs(30)).await;
    assert!(ended, "B's stream ends with the batch: {events:?}");
    let kinds: Vec<&str> = events.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_ne!(
        kinds.first(),
        Some(&"snapshot"),
        "a resumed stream starts with what changed, not the whole batch: {kinds:?}"
    );
    let ids: Vec<u64> = events
        .iter()
        .map(|(_, id, _)| *id)
        .filter(|id| *id > 0)
        .collect();
    assert!(
        ids.first().is_some_and(|first| *first > last_id) && ids.windows(2).all(|w| w[0] < w[1]),
        "ids go on from A's and grow: {last_id} then {ids:?}"
    );
    let reported = events
        .iter()
        .filter(|(kind, _, data)| kind == "task" && data["status"] == json!("processing"))
        .filter_map(|(_, _, data)| data["progress"].as_f64())
        .filter(|p| *p > 0.0 && *p < 1.0)
        .count();
    assert!(
        reported > 0,
        "B shows the progress of runs on A: {events:?}"
    );
    let (kind, _, last) = &events[events.len() - 2];
    assert_eq!(kind, "snapshot", "{kinds:?}");
    assert_eq!(last["queue"]["completedImages"], json!(3), "{last:#}");
    assert_eq!(
        scalar(
            &b,
            "SELECT COUNT(*) FROM batch_tasks WHERE lease_owner IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_stream_on_one_instance_ends_when_another_deletes_its_batch() {
    let env = [
        ("IMGBATCH_DEMO_DELAY_MS", "60000"),
        ("IMGBATCH_SIGNUP_CREDITS", "50"),
    ];
    let a = TestServer::start_with(&env).await;
    let b = a.start_beside(&env).await;
    let token = a.register("alice", "password123").await;
    let id = a
        .create_batch(&token, &borrowed(&pngs(2)), "sepia", "demo")
        .await;
    let on_b = b
        .request(
            reqwest::Method::GET,
            &format!("/api/batch/queue/{id}/events"),
            Some(&token),
        )
        .send()
        .await
        .expect("events on B");
    assert_eq!(on_b.status(), reqwest::StatusCode::OK);
    let watching = tokio::spawn(read_events(
        on_b,
        tokio::time::Instant::now() + Duration::from_secs(10),
    ));
    // The stream has sent its snapshot before the batch goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = a.delete_batch(&token, id).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let (events, ended) = watching.await.expect("reader");
    assert!(
        ended,
        "B's stream ends once the batch is deleted through A: {events:?}"
    );
}
