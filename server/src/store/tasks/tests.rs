//! The claim and the fenced writes against a real database shared by two pools, as two
//! processes would share it; every test runs on SQLite and on PostgreSQL.

use integration_tests::{Backend as TestBackend, TestDir};

use super::*;
use crate::secret::Secret;

/// Runs each `async fn name(backend)` as two tests, `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::TestBackend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(super::TestBackend::Postgres).await;
            }
        }
    )+};
}

on_both!(
    claims_only_up_to_the_limit_counted_across_processes,
    a_stale_claim_writes_nothing_even_from_the_same_owner,
    only_expired_leases_are_taken_back,
    a_task_out_of_attempts_fails_when_its_lease_expires,
    the_user_with_fewest_running_goes_first_and_each_user_in_order,
    a_single_user_keeps_fifo_across_batches,
    tasks_waiting_for_a_retry_are_not_claimed_early,
    every_change_stamps_its_tasks_with_the_batch_revision,
    a_turn_ends_several_runs_and_skips_stale_claims,
    a_turn_of_results_only_writes_those_whose_claim_held,
    a_turn_over_two_batches_stamps_each_with_its_own_revision_and_tells,
);

const LEASE_MS: i64 = 30_000;
const MAX_ATTEMPTS: i64 = 3;

struct Fixture {
    dir: TestDir,
    db: Db,
}

impl Fixture {
    async fn new(backend: TestBackend) -> Self {
        let dir = TestDir::on(backend).await;
        let db = db::connect(&Secret::new(dir.database_url()))
            .await
            .expect("open database");
        db::migrate(&db).await.expect("migrate");
        Self { dir, db }
    }

    /// A second pool on the same database: another process.
    async fn other_process(&self) -> Db {
        db::connect(&Secret::new(self.dir.database_url()))
            .await
            .expect("open database again")
    }

    async fn set_limit(&self, limit: u32) {
        db::query(
            "UPDATE system_config SET config_value = $1 WHERE config_key = 'batch_concurrency'",
        )
        .bind(limit.to_string())
        .execute(&self.db)
        .await
        .expect("set limit");
    }

    async fn user(&self, name: &str) -> i64 {
        let (id,): (i64,) =
            db::query("INSERT INTO users (username, password_hash) VALUES ($1, 'x') RETURNING id")
                .bind(name)
                .fetch_one(&self.db)
                .await
                .expect("user");
        id
    }

    /// A batch of `images` waiting tasks; returns their ids in upload order.
    async fn batch(&self, user_id: i64, images: usize) -> Vec<i64> {
        let (queue_id,): (i64,) = db::query(
            "INSERT INTO batch_queues (user_id, batch_name, prompt, model, total_images)
             VALUES ($1, 'b', 'p', 'demo', $2) RETURNING id",
        )
        .bind(user_id)
        .bind(images as i64)
        .fetch_one(&self.db)
        .await
        .expect("batch");
        let mut ids = Vec::new();
        for position in 0..images {
            let (id,): (i64,) = db::query(
                "INSERT INTO batch_tasks (queue_id, user_id, original_image_url, original_filename,
                   prompt, model, position) VALUES ($1, $2, 'originals/x.png', 'x.png', 'p', 'demo', $3)
                 RETURNING id",
            )
            .bind(queue_id)
            .bind(user_id)
            .bind(position as i64)
            .fetch_one(&self.db)
            .await
            .expect("task");
            ids.push(id);
        }
        ids
    }

    async fn status(&self, task_id: i64) -> (String, i64) {
        db::query("SELECT status, version FROM batch_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(&self.db)
            .await
            .expect("task")
    }

    /// Makes every lease run out, as if its process had stalled past it.
    async fn expire_leases(&self) {
        db::query("UPDATE batch_tasks SET lease_until = $1 WHERE status = 'processing'")
            .bind(db::now_millis() - 1)
            .execute(&self.db)
            .await
            .expect("expire");
    }
}

fn completed() -> Ending {
    Ending::Completed(Outcome {
        image_key: "results/aa/1-1-aa.png".to_owned(),
        image_mime: "image/png",
        image_bytes: 10,
        duration_ms: 5,
    })
}

/// The claimer every test claims as, under the name `owner`.
fn claimer(owner: &str) -> Claimer<'_> {
    Claimer {
        owner,
        lease_ms: LEASE_MS,
        max_attempts: MAX_ATTEMPTS,
    }
}

async fn claim_all(db: &Db, owner: &str) -> Claims {
    claim(db, &claimer(owner)).await.expect("claim")
}

async fn claims_only_up_to_the_limit_counted_across_processes(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    fx.set_limit(3).await;
    let alice = fx.user("alice").await;
    fx.batch(alice, 8).await;
    let other = fx.other_process().await;

    let first = claim_all(&fx.db, "a").await;
    assert_eq!(first.tasks.len(), 3, "the limit, and no more");
    assert!(
        claim_all(&other, "b").await.tasks.is_empty(),
        "the other process sees no room"
    );

    assert!(
        end_run(&fx.db, &first.tasks[0], &completed())
            .await
            .expect("complete")
    );
    let second = claim_all(&other, "b").await;
    assert_eq!(second.tasks.len(), 1, "one slot freed, one claimed");
    assert!(claim_all(&fx.db, "a").await.tasks.is_empty());

    fx.set_limit(5).await;
    assert_eq!(
        claim_all(&fx.db, "a").await.tasks.len(),
        2,
        "a raised limit is used at once"
    );
}

async fn a_stale_claim_writes_nothing_even_from_the_same_owner(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    let ids = fx.batch(alice, 1).await;

    let stale = claim_all(&fx.db, "same-owner").await.tasks.remove(0);
    assert_eq!(stale.fence, 1);
    fx.expire_leases().await;
    let fresh = claim_all(&fx.db, "same-owner").await;
    assert_eq!(fresh.reaped.len(), 1, "the expired lease was taken back");
    let fresh = fresh.tasks.into_iter().next().expect("claimed again");
    assert_eq!((fresh.id, fresh.fence, fresh.attempts), (ids[0], 2, 2));

    assert!(
        !heartbeat(&fx.db, &stale, LEASE_MS)
            .await
            .expect("heartbeat")
    );
    assert!(
        !end_run(&fx.db, &stale, &completed())
            .await
            .expect("complete")
    );
    assert!(
        !end_run(&fx.db, &stale, &Ending::Failed("boom".to_owned()))
            .await
            .expect("fail")
    );
    assert!(
        !end_run(
            &fx.db,
            &stale,
            &Ending::RetryAt {
                message: "later".to_owned(),
                run_at: 0
            }
        )
        .await
        .expect("retry")
    );
    assert!(
        !end_run(&fx.db, &stale, &Ending::Released)
            .await
            .expect("release")
    );
    assert_eq!(fx.status(ids[0]).await, ("processing".to_owned(), 0));
    let (versions,): (i64,) = db::query("SELECT COUNT(*) FROM task_versions")
        .fetch_one(&fx.db)
        .await
        .expect("versions");
    assert_eq!(versions, 0);

    assert!(
        heartbeat(&fx.db, &fresh, LEASE_MS)
            .await
            .expect("heartbeat")
    );
    assert!(
        end_run(&fx.db, &fresh, &completed())
            .await
            .expect("complete")
    );
    assert_eq!(fx.status(ids[0]).await, ("completed".to_owned(), 1));
}

async fn only_expired_leases_are_taken_back(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    fx.batch(alice, 5).await;
    let held = claim_all(&fx.db, "a").await;
    assert_eq!(held.tasks.len(), 3);
    let other = fx.other_process().await;
    let later = claim_all(&other, "b").await;
    assert!(
        later.reaped.is_empty(),
        "live leases stay with their process"
    );
    assert!(later.tasks.is_empty());
    for task in &held.tasks {
        assert!(heartbeat(&fx.db, task, LEASE_MS).await.expect("heartbeat"));
    }
}

async fn a_task_out_of_attempts_fails_when_its_lease_expires(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    let ids = fx.batch(alice, 1).await;
    for _ in 0..MAX_ATTEMPTS {
        assert_eq!(claim_all(&fx.db, "a").await.tasks.len(), 1);
        fx.expire_leases().await;
    }
    let last = claim_all(&fx.db, "a").await;
    assert!(last.tasks.is_empty());
    assert_eq!(fx.status(ids[0]).await.0, "failed");
}

async fn the_user_with_fewest_running_goes_first_and_each_user_in_order(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    fx.set_limit(4).await;
    let alice = fx.user("alice").await;
    let bob = fx.user("bob").await;
    let mut alices = Vec::new();
    for _ in 0..4 {
        alices.extend(fx.batch(alice, 50).await);
    }
    let bobs = fx.batch(bob, 5).await;

    let first = claim_all(&fx.db, "a").await.tasks;
    let claimed: Vec<i64> = first.iter().map(|t| t.id).collect();
    assert_eq!(
        claimed,
        vec![alices[0], alices[1], bobs[0], bobs[1]],
        "as if alternating: each user's two oldest"
    );

    // Alice already holds the slots when Bob arrives: the next free slot is his.
    let fx = Fixture::new(backend).await;
    fx.set_limit(3).await;
    let alice = fx.user("alice").await;
    let bob = fx.user("bob").await;
    fx.batch(alice, 50).await;
    fx.batch(alice, 50).await;
    let running = claim_all(&fx.db, "a").await.tasks;
    assert!(running.iter().all(|t| t.user_id == alice));
    let bobs = fx.batch(bob, 5).await;
    assert!(
        end_run(&fx.db, &running[0], &completed())
            .await
            .expect("complete")
    );
    let next = claim_all(&fx.db, "a").await.tasks;
    assert_eq!(next.iter().map(|t| t.id).collect::<Vec<_>>(), vec![bobs[0]]);
}

async fn a_single_user_keeps_fifo_across_batches(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    fx.set_limit(10).await;
    let alice = fx.user("alice").await;
    let first = fx.batch(alice, 3).await;
    let second = fx.batch(alice, 3).await;
    let order: Vec<i64> = claim_all(&fx.db, "a")
        .await
        .tasks
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(order, [first, second].concat());
}

async fn tasks_waiting_for_a_retry_are_not_claimed_early(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    let ids = fx.batch(alice, 2).await;
    let claimed = claim_all(&fx.db, "a").await.tasks;
    assert_eq!(claimed.len(), 2);
    let later = db::now_millis() + 60_000;
    assert!(
        end_run(
            &fx.db,
            &claimed[0],
            &Ending::RetryAt {
                message: "busy".to_owned(),
                run_at: later
            }
        )
        .await
        .expect("retry")
    );
    assert!(
        end_run(&fx.db, &claimed[1], &completed())
            .await
            .expect("complete")
    );
    assert!(claim_all(&fx.db, "a").await.tasks.is_empty());
    assert_eq!(fx.status(ids[0]).await.0, "pending");
}

/// The batch's revision, and each task's revision and stored progress, in upload order.
async fn revisions(db: &Db, queue_id: i64) -> (i64, Vec<(i64, Option<f64>)>) {
    let (batch,): (i64,) = db::query("SELECT revision FROM batch_queues WHERE id = $1")
        .bind(queue_id)
        .fetch_one(db)
        .await
        .expect("batch revision");
    let tasks = db::query(
        "SELECT revision, progress FROM batch_tasks WHERE queue_id = $1 ORDER BY position",
    )
    .bind(queue_id)
    .fetch_all(db)
    .await
    .expect("task revisions");
    (batch, tasks)
}

async fn every_change_stamps_its_tasks_with_the_batch_revision(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    fx.batch(alice, 3).await;
    fx.set_limit(2).await;
    let claimed = claim_all(&fx.db, "a").await.tasks;
    let queue_id = claimed[0].queue_id;
    assert_eq!(
        revisions(&fx.db, queue_id).await,
        (1, vec![(1, None), (1, None), (0, None)]),
        "one claim, one revision, on the two tasks it took"
    );

    assert!(
        record_progress(&fx.db, &claimed[0], 0.5)
            .await
            .expect("progress")
    );
    assert_eq!(
        revisions(&fx.db, queue_id).await,
        (2, vec![(2, Some(0.5)), (1, None), (0, None)])
    );

    assert!(
        end_run(&fx.db, &claimed[1], &completed())
            .await
            .expect("complete")
    );
    fx.expire_leases().await;
    let other = fx.other_process().await;
    let reclaimed = claim_all(&other, "b").await;
    assert_eq!(reclaimed.reaped, vec![queue_id]);
    let (batch, tasks) = revisions(&fx.db, queue_id).await;
    assert_eq!(
        batch, 4,
        "the completion, then the claim that took back and claimed"
    );
    assert_eq!(
        tasks,
        vec![(4, None), (3, None), (4, None)],
        "a task taken back loses the progress of the run that lapsed"
    );
    assert!(
        !record_progress(&fx.db, &claimed[0], 0.9)
            .await
            .expect("stale progress"),
        "a lapsed run's progress is not written"
    );
    assert_eq!(revisions(&fx.db, queue_id).await.0, 4);
}

async fn a_turn_ends_several_runs_and_skips_stale_claims(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let (alice, bob) = (fx.user("alice").await, fx.user("bob").await);
    fx.batch(alice, 2).await;
    fx.batch(bob, 2).await;
    fx.set_limit(4).await;
    let mut claimed = claim_all(&fx.db, "a").await.tasks;
    claimed.sort_by_key(|task| task.id);
    assert_eq!(claimed.len(), 4);
    let mut stale = claimed[0].clone();
    stale.fence -= 1;
    let failed = Ending::Failed("boom".to_owned());
    let retry = Ending::RetryAt {
        message: "busy".to_owned(),
        run_at: 0,
    };
    let done = completed();
    // Given out of id order, as runs happen to finish.
    let runs = [
        (&claimed[3], &done),
        (&stale, &done),
        (&claimed[1], &failed),
        (&claimed[2], &retry),
    ];
    let held = turn(&fx.db, &runs, None).await.expect("end runs").held;
    assert_eq!(held, vec![true, false, true, true], "in the order given");
    assert_eq!(fx.status(claimed[0].id).await, ("processing".to_owned(), 0));
    assert_eq!(fx.status(claimed[1].id).await, ("failed".to_owned(), 0));
    assert_eq!(fx.status(claimed[2].id).await, ("pending".to_owned(), 0));
    assert_eq!(fx.status(claimed[3].id).await, ("completed".to_owned(), 1));
    let versions: Vec<(i64, i64)> =
        db::query("SELECT task_id, version FROM task_versions ORDER BY task_id")
            .fetch_all(&fx.db)
            .await
            .expect("versions");
    assert_eq!(
        versions,
        vec![(claimed[3].id, 1)],
        "a version for the result that held, none for the stale one"
    );
    let counts: Vec<(i64, i64, String)> =
        db::query("SELECT completed_images, failed_images, status FROM batch_queues ORDER BY id")
            .fetch_all(&fx.db)
            .await
            .expect("batches");
    assert_eq!(
        counts,
        vec![
            (0, 1, "processing".to_owned()),
            (1, 0, "processing".to_owned())
        ],
        "each batch recounted"
    );

    // A turn that ends runs and claims: the freed room is taken at once.
    let ended = turn(&fx.db, &[(&claimed[0], &done)], Some(&claimer("a")))
        .await
        .expect("turn");
    assert_eq!(ended.held, vec![true]);
    let ids: Vec<i64> = ended.claims.tasks.iter().map(|task| task.id).collect();
    assert_eq!(
        ids,
        vec![claimed[2].id],
        "the one task waiting, in the room left"
    );
    assert_eq!(fx.status(claimed[0].id).await, ("completed".to_owned(), 1));
}

/// A turn of results alone, some of them stale.
async fn a_turn_of_results_only_writes_those_whose_claim_held(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let alice = fx.user("alice").await;
    fx.batch(alice, 3).await;
    fx.set_limit(3).await;
    let mut claimed = claim_all(&fx.db, "a").await.tasks;
    claimed.sort_by_key(|task| task.id);
    assert_eq!(claimed.len(), 3);
    let mut stale = claimed[1].clone();
    stale.fence -= 1;
    let result = |key: &str, bytes: i64| {
        Ending::Completed(Outcome {
            image_key: key.to_owned(),
            image_mime: "image/png",
            image_bytes: bytes,
            duration_ms: bytes * 10,
        })
    };
    let (first, second, third) = (result("r/0", 1), result("r/1", 2), result("r/2", 3));
    let runs = [
        (&claimed[2], &third),
        (&stale, &second),
        (&claimed[0], &first),
    ];
    let held = turn(&fx.db, &runs, None).await.expect("end runs").held;
    assert_eq!(held, vec![true, false, true], "in the order given");
    assert_eq!(fx.status(claimed[0].id).await, ("completed".to_owned(), 1));
    assert_eq!(fx.status(claimed[1].id).await, ("processing".to_owned(), 0));
    assert_eq!(fx.status(claimed[2].id).await, ("completed".to_owned(), 1));
    let versions: Vec<(i64, i64, String, i64, i64, String)> = db::query(
        "SELECT v.task_id, v.version, v.image_key, v.image_bytes, v.duration_ms, t.generated_image_url
         FROM task_versions v JOIN batch_tasks t ON t.id = v.task_id ORDER BY v.task_id",
    )
    .fetch_all(&fx.db)
    .await
    .expect("versions");
    assert_eq!(
        versions,
        vec![
            (claimed[0].id, 1, "r/0".to_owned(), 1, 10, "r/0".to_owned()),
            (claimed[2].id, 1, "r/2".to_owned(), 3, 30, "r/2".to_owned()),
        ],
        "each result under its own task, none for the stale claim"
    );
    let counts: (i64, String) = db::query("SELECT completed_images, status FROM batch_queues")
        .fetch_one(&fx.db)
        .await
        .expect("batch");
    assert_eq!(counts, (2, "processing".to_owned()));
}

/// A turn that touches two batches moves each to its next revision, stamps each one's changed
/// tasks with it, and (on PostgreSQL) tells every process which batches changed.
async fn a_turn_over_two_batches_stamps_each_with_its_own_revision_and_tells(backend: TestBackend) {
    let fx = Fixture::new(backend).await;
    let (alice, bob) = (fx.user("alice").await, fx.user("bob").await);
    fx.batch(alice, 2).await;
    fx.batch(bob, 2).await;
    fx.set_limit(2).await;
    let mut claimed = claim_all(&fx.db, "a").await.tasks;
    claimed.sort_by_key(|task| task.queue_id);
    assert_eq!(claimed.len(), 2);
    let (first, second) = (claimed[0].queue_id, claimed[1].queue_id);
    assert_ne!(first, second, "one task of each user's batch");
    assert_eq!(
        revisions(&fx.db, first).await,
        (1, vec![(1, None), (0, None)])
    );
    assert_eq!(
        revisions(&fx.db, second).await,
        (1, vec![(1, None), (0, None)])
    );

    let mut listener = match &fx.db {
        Db::Postgres(pool) => {
            let mut listener = sqlx::postgres::PgListener::connect_with(pool)
                .await
                .expect("listen");
            listener.listen(wakeups::CHANNEL).await.expect("listen");
            Some(listener)
        }
        Db::Sqlite(_) => None,
    };
    // The first batch's run ends; the room it leaves goes to the first batch's next task.
    let done = completed();
    let turn = turn(&fx.db, &[(&claimed[0], &done)], Some(&claimer("a")))
        .await
        .expect("turn");
    assert_eq!(turn.held, vec![true]);
    assert_eq!(turn.claims.tasks.len(), 1);
    assert_eq!(
        revisions(&fx.db, first).await,
        (2, vec![(2, None), (2, None)]),
        "the ended task and the one claimed in its place carry the batch's new revision"
    );
    assert_eq!(
        revisions(&fx.db, second).await,
        (1, vec![(1, None), (0, None)]),
        "a batch the turn did not touch keeps its revision"
    );

    // A turn that ends runs of both batches.
    let (next, other) = (&turn.claims.tasks[0], &claimed[1]);
    let ended = super::turn(&fx.db, &[(other, &done), (next, &done)], None)
        .await
        .expect("turn over both");
    assert_eq!(ended.held, vec![true, true]);
    assert_eq!(
        revisions(&fx.db, first).await,
        (3, vec![(2, None), (3, None)])
    );
    assert_eq!(
        revisions(&fx.db, second).await,
        (2, vec![(2, None), (0, None)])
    );

    if let Some(listener) = listener.as_mut() {
        let mut told = Vec::new();
        while told.len() < 3 {
            let notification =
                tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
                    .await
                    .expect("a notification within 5 s")
                    .expect("notification");
            if notification.payload().starts_with("changed:") {
                told.push(notification.payload().to_owned());
            }
        }
        told.sort();
        let mut expected = vec![
            format!("changed:{first}"),
            format!("changed:{first}"),
            format!("changed:{second}"),
        ];
        expected.sort();
        assert_eq!(told, expected, "one notice a batch a turn, sent at commit");
    }
}
