//! The database each test server runs on: SQLite in its data directory (the default), or, with
//! `IMGBATCH_TEST_DATABASE=postgres`, a database of its own created on the PostgreSQL server at
//! `IMGBATCH_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! dropped when the test is done. A PostgreSQL that cannot be reached fails the test loudly.

use std::{
    path::Path,
    sync::atomic::{AtomicBool, Ordering},
};

use sqlx::{AnyPool, Connection, PgConnection};
use tempfile::TempDir;

/// Which database the test servers use, from `IMGBATCH_TEST_DATABASE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_env() -> Self {
        match std::env::var("IMGBATCH_TEST_DATABASE").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("IMGBATCH_TEST_DATABASE={other}: use sqlite or postgres"),
        }
    }
}

/// A server's data directory and the database that goes with it; both go when it is dropped.
pub struct TestDir {
    dir: TempDir,
    postgres: Option<ScratchDatabase>,
    used: AtomicBool,
}

impl TestDir {
    /// A new, empty data directory and database for the backend chosen by the environment.
    pub async fn new() -> Self {
        Self::on(Backend::from_env()).await
    }

    /// A new, empty data directory and database on `backend`.
    pub async fn on(backend: Backend) -> Self {
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(ScratchDatabase::create().await),
        };
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            postgres,
            used: AtomicBool::new(false),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The URL the server is given in `IMGBATCH_DATABASE_URL`.
    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some(database) => database.url.clone(),
            None => format!("sqlite://{}", self.path().join("imgbatch.db").display()),
        }
    }

    /// True the first time it is asked: whether a process is about to meet an empty database.
    pub(crate) fn first_use(&self) -> bool {
        !self.used.swap(true, Ordering::SeqCst)
    }

    /// A pool on the database, for checks the API does not show. Statements take `$1`-style
    /// parameters, which both databases accept.
    pub async fn connect(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.database_url())
            .await
            .expect("open the test database")
    }
}

/// A PostgreSQL database made for one test.
struct ScratchDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl ScratchDatabase {
    async fn create() -> Self {
        let admin_url = std::env::var("IMGBATCH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("imgbatch_test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin_url} (IMGBATCH_TEST_POSTGRES_URL) is needed: {e}")
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("IMGBATCH_TEST_POSTGRES_URL has no database part: {admin_url}"),
        };
        Self {
            name,
            url,
            admin_url,
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (name, admin_url) = (self.name.clone(), self.admin_url.clone());
        // Drop may run inside a runtime, which cannot block on another: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}
