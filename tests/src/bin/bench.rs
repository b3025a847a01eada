//! Benchmarks of the real server binary against the mock AI service, printed as Markdown:
//! batch makespan against the ideal, queue overhead with an instant provider, the upload of a
//! full 50 × 10 MB batch, and abusive uploads (8 at once, each 50 decompression bombs). Run with
//! `make bench` (after a release build); `bench abuse` runs only the last, `bench queue` only the
//! queue overhead (on SQLite and on PostgreSQL, with the images in memory and on disk;
//! `bench queue postgres 2 memory` one database, one number of processes and one place).

use std::{
    io::Cursor,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use image::{DynamicImage, ImageFormat, RgbImage};
use integration_tests::{
    Backend, TestDir, TestServer, fixtures::pngs, mock_ai::MockAi, openai_env,
};
use rand::Rng;
use reqwest::multipart::{Form, Part};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> BenchResult<()> {
    let mut report = String::from("| benchmark | setting | result |\n|---|---|---|\n");
    match std::env::args().nth(1).as_deref() {
        Some("abuse") => {
            abuse(&mut report).await?;
            std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
            return Ok(());
        }
        Some("queue") => {
            // `queue [sqlite|postgres] [processes] [memory|disk]` narrows the run.
            let arg = |n| std::env::args().nth(n).filter(|a| a != "all");
            let only = arg(2);
            let processes = arg(3).and_then(|n| n.parse().ok());
            let place = arg(4);
            overhead_rows(&mut report, only.as_deref(), processes, place.as_deref()).await?;
            std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
            return Ok(());
        }
        _ => {}
    }
    // With jitter the slowest slot sets the end; without it the ratio shows the queue's own cost.
    for (jitter, concurrency) in [(0.2, 1), (0.2, 3), (0.2, 10), (0.0, 3), (0.0, 10)] {
        let (measured, ideal) = makespan(concurrency, jitter).await?;
        report.push_str(&format!(
            "| makespan, 50 images, latency 500 ms ± {:.0} % | concurrency {concurrency} | {:.2} s measured, {:.2} s ideal, ratio **{:.3}** |\n",
            jitter * 100.0,
            measured.as_secs_f64(),
            ideal.as_secs_f64(),
            measured.as_secs_f64() / ideal.as_secs_f64()
        ));
        eprintln!("makespan c={concurrency} jitter={jitter}: {measured:?} (ideal {ideal:?})");
    }
    overhead_rows(&mut report, None, None, None).await?;
    let upload = upload().await?;
    report.push_str(&format!(
        "| upload of 50 × {:.1} MB PNG | one request | accepted in **{:.2} s**; server peak RSS **{} MB** (idle {} MB) |\n",
        upload.file_mb,
        upload.accept.as_secs_f64(),
        upload.peak_rss_mb,
        upload.idle_rss_mb
    ));
    eprintln!("upload: {upload:?}");
    abuse(&mut report).await?;
    // The report is this program's output.
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())?;
    Ok(())
}

/// Where the queue benchmark's servers keep the images (originals and results). The database
/// stays in the data directory on disk either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Images {
    /// A directory in `/dev/shm` (tmpfs): the queue without the file system's cost of creating
    /// a file, which on ext4 grows with the files deleted in the last hours (see BENCHMARKS.md).
    Memory,
    /// The data directory, on the machine's disk.
    Disk,
}

impl Images {
    fn key(self) -> &'static str {
        match self {
            Images::Memory => "memory",
            Images::Disk => "disk",
        }
    }
}

/// The queue's throughput with one, two and three processes sharing one SQLite file, then one
/// PostgreSQL database (at `IMGBATCH_TEST_POSTGRES_URL`, by default the local server), with the
/// images in memory, then on disk.
async fn overhead_rows(
    report: &mut String,
    only: Option<&str>,
    count: Option<usize>,
    place: Option<&str>,
) -> BenchResult<()> {
    for images in [Images::Memory, Images::Disk] {
        if place.is_some_and(|place| place != images.key()) {
            continue;
        }
        for (backend, key, name) in [
            (Backend::Sqlite, "sqlite", "one SQLite file"),
            (Backend::Postgres, "postgres", "one PostgreSQL database"),
        ] {
            if only.is_some_and(|only| only != key) {
                continue;
            }
            for processes in 1..=3 {
                if count.is_some_and(|count| count != processes) {
                    continue;
                }
                let overhead = queue_overhead(backend, processes, images).await?;
                report.push_str(&format!(
                    "| queue overhead, 2,000 tasks, instant provider | concurrency 10, {processes} process(es) on {name}, images {} | **{:.0} tasks/s**; claim-to-call p50 {} ms, p99 {} ms |\n",
                    match images {
                        Images::Memory => "in memory",
                        Images::Disk => "on disk",
                    },
                    overhead.tasks_per_sec, overhead.p50_ms, overhead.p99_ms
                ));
                eprintln!(
                    "queue overhead, {processes} process(es) on {name}, images {images:?}: {overhead:?}"
                );
            }
        }
    }
    Ok(())
}

async fn server_with(mock: &MockAi, extra: &[(&str, &str)]) -> TestServer {
    server_on(Backend::from_env(), mock, extra).await
}

async fn server_on(backend: Backend, mock: &MockAi, extra: &[(&str, &str)]) -> TestServer {
    let base = mock.openai_base();
    let mut env = openai_env(
        &base,
        &[
            ("IMGBATCH_SIGNUP_CREDITS", "2000"),
            ("RUST_LOG", "warn,server::startup=info"),
        ],
    );
    env.extend_from_slice(extra);
    TestServer::start_in(TestDir::on(backend).await, &env).await
}

async fn makespan(concurrency: u32, jitter: f64) -> BenchResult<(Duration, Duration)> {
    let mock = MockAi::start().await;
    mock.set_latency(Duration::from_millis(500), jitter);
    let server = server_with(&mock, &[]).await;
    let admin = server.admin_token().await;
    server.set_concurrency(&admin, concurrency).await;
    let token = server.register("bench", "password123").await;
    let files = pngs(50);
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let started = Instant::now();
    let id = server
        .create_batch(&token, &files, "bench", "gpt-image-1")
        .await;
    server
        .wait_finished(&token, id, Duration::from_secs(120))
        .await;
    let measured = started.elapsed();
    let rounds = 50u32.div_ceil(concurrency);
    Ok((measured, Duration::from_millis(500) * rounds))
}

#[derive(Debug)]
struct Overhead {
    tasks_per_sec: f64,
    p50_ms: i64,
    p99_ms: i64,
}

async fn queue_overhead(
    backend: Backend,
    processes: usize,
    images: Images,
) -> BenchResult<Overhead> {
    let mock = MockAi::start().await;
    // Kept until the end: the directory goes when this is dropped.
    let memory = match images {
        Images::Memory => Some(tempfile::tempdir_in("/dev/shm")?),
        Images::Disk => None,
    };
    let storage = memory
        .as_ref()
        .map(|dir| format!("file://{}", dir.path().display()));
    let storage: Vec<(&str, &str)> = storage
        .as_deref()
        .map(|url| ("IMGBATCH_STORAGE_URL", url))
        .into_iter()
        .collect();
    let server = server_on(backend, &mock, &storage).await;
    let base = mock.openai_base();
    let mut extra = vec![("RUST_LOG", "warn,server::startup=info")];
    extra.extend_from_slice(&storage);
    let env = openai_env(&base, &extra);
    let mut others = Vec::new();
    for _ in 1..processes {
        others.push(server.start_beside(&env).await);
    }
    let admin = server.admin_token().await;
    server.set_concurrency(&admin, 10).await;
    let token = server.register("bench", "password123").await;
    let files = pngs(50);
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    // Map the mock's monotonic clock onto Unix time to compare with the server's claim times.
    let (base_instant, base_unix) = (Instant::now(), unix_ms());
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(
            server
                .create_batch(&token, &files, "bench", "gpt-image-1")
                .await,
        );
    }
    for id in &ids {
        server
            .wait_finished(&token, *id, Duration::from_secs(300))
            .await;
    }
    let db = server.database().await;
    let mut claims: Vec<(i64,)> =
        sqlx::query_as("SELECT started_at FROM batch_tasks ORDER BY started_at")
            .fetch_all(&db)
            .await?;
    claims.sort_unstable();
    let (first, last): (i64, i64) =
        sqlx::query_as("SELECT MIN(started_at), MAX(finished_at) FROM batch_tasks")
            .fetch_one(&db)
            .await?;
    let mut calls: Vec<i64> = mock
        .requests()
        .iter()
        .map(|r| base_unix + r.at.duration_since(base_instant).as_millis() as i64)
        .collect();
    calls.sort_unstable();
    // Tasks are claimed and called in the same order, so the k-th claim pairs with the k-th call.
    let mut delays: Vec<i64> = claims
        .iter()
        .zip(&calls)
        .map(|((claim,), call)| call - claim)
        .collect();
    delays.sort_unstable();
    let pick = |q: f64| {
        delays
            .get(((delays.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    Ok(Overhead {
        tasks_per_sec: calls.len() as f64 / ((last - first).max(1) as f64 / 1000.0),
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
    })
}

#[derive(Debug)]
struct Upload {
    file_mb: f64,
    accept: Duration,
    peak_rss_mb: u64,
    idle_rss_mb: u64,
}

async fn upload() -> BenchResult<Upload> {
    let mock = MockAi::start().await;
    let server = server_with(&mock, &[("IMGBATCH_DEMO_DELAY_MS", "60000")]).await;
    let token = server.register("bench", "password123").await;
    let noise = noise_png(1_800, 1_800)?;
    let idle = rss_mb(server.pid(), "VmRSS")?;
    let mut form = Form::new();
    for i in 0..50 {
        form = form.part(
            "images",
            Part::bytes(noise.clone()).file_name(format!("noise-{i}.png")),
        );
    }
    form = form.text("prompt", "bench").text("model", "demo");
    let started = Instant::now();
    let response = server
        .request(reqwest::Method::POST, "/api/batch/create", Some(&token))
        .multipart(form)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    let accept = started.elapsed();
    if !status.is_success() {
        return Err(format!("upload rejected: {status} {body}").into());
    }
    Ok(Upload {
        file_mb: noise.len() as f64 / (1024.0 * 1024.0),
        accept,
        peak_rss_mb: rss_mb(server.pid(), "VmHWM")?,
        idle_rss_mb: idle,
    })
}

/// Eight uploads at once from one account, each of 50 highly compressible 10,000 × 10,000 PNGs
/// (300 MB of pixels each, a few hundred KB on the wire), from an account with no credits and
/// from one with plenty: the statuses, the time to the last answer and the server's peak RSS.
async fn abuse(report: &mut String) -> BenchResult<()> {
    let bomb = {
        let picture = RgbImage::new(10_000, 10_000);
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture).write_to(&mut out, ImageFormat::Png)?;
        out.into_inner()
    };
    for credits in ["0", "2000"] {
        let mock = MockAi::start().await;
        let server = server_with(
            &mock,
            &[
                ("IMGBATCH_SIGNUP_CREDITS", credits),
                ("IMGBATCH_DEMO_DELAY_MS", "60000"),
                ("IMGBATCH_STORAGE_QUOTA_MB", "100000"),
            ],
        )
        .await;
        let token = server.register("abuser", "password123").await;
        let idle = rss_mb(server.pid(), "VmRSS")?;
        let started = Instant::now();
        let mut uploads = Vec::new();
        for _ in 0..8 {
            let mut form = Form::new().text("prompt", "bench").text("model", "demo");
            for i in 0..50 {
                form = form.part(
                    "images",
                    Part::bytes(bomb.clone()).file_name(format!("bomb-{i}.png")),
                );
            }
            let request = server
                .request(reqwest::Method::POST, "/api/batch/create", Some(&token))
                .timeout(Duration::from_secs(600))
                .multipart(form);
            uploads.push(tokio::spawn(async move {
                request.send().await.map(|r| r.status())
            }));
        }
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        for upload in uploads {
            *statuses.entry(upload.await??.as_u16()).or_default() += 1;
        }
        let elapsed = started.elapsed();
        let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
        report.push_str(&format!(
            "| 8 uploads at once of 50 × 10,000 × 10,000 PNG ({} KB each) | {credits} credits | {}; last answer after {:.1} s; server peak RSS **{} MB** (idle {} MB) |\n",
            bomb.len() / 1024,
            statuses.join(", "),
            elapsed.as_secs_f64(),
            rss_mb(server.pid(), "VmHWM")?,
            idle
        ));
        eprintln!("abuse with {credits} credits: {statuses:?} in {elapsed:?}");
    }
    Ok(())
}

/// A PNG of random pixels just under 10 MB: noise does not compress.
fn noise_png(width: u32, height: u32) -> BenchResult<Vec<u8>> {
    let mut rng = rand::thread_rng();
    let picture = RgbImage::from_fn(width, height, |_, _| {
        image::Rgb([rng.r#gen(), rng.r#gen(), rng.r#gen()])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture).write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

fn rss_mb(pid: Option<u32>, field: &str) -> BenchResult<u64> {
    let pid = pid.ok_or("the server has no pid")?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no memory figure")?;
    Ok(kb / 1024)
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
