//! The database: SQLite (the embedded default, in WAL mode) or PostgreSQL (for several
//! instances), chosen at run time from the scheme of the database URL.
//!
//! Both speak the same SQL wherever the dialects agree: numbered `$N` parameters (which SQLite
//! accepts too), `RETURNING`, `ON CONFLICT`, `FILTER` on aggregates, timestamps bound from Rust.
//! Where they differ (locking, the claim) the caller branches on [`Db::backend`].

mod query;

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use query::{Arg, On, Query, query};

use crate::{error::Result, secret::Secret};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to either database.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either database; dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Opens the database behind `url`: `postgres://` or `postgresql://` for PostgreSQL, anything
/// else (`sqlite://path`) for SQLite, created if needed.
pub async fn connect(url: &Secret<String>) -> Result<Db> {
    let url = url.expose();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        return Ok(Db::Postgres(pool));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(Db::Sqlite(pool))
}

/// Brings the schema up to date (each database has its own migrations folder).
pub async fn migrate(db: &Db) -> Result<()> {
    let migrated = match db {
        Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
        Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
    };
    migrated.map_err(|e| crate::Error::Internal(format!("migration failed: {e}")))
}

/// Answers whether the database takes a query.
pub async fn ping(db: &Db) -> std::result::Result<(), sqlx::Error> {
    query("SELECT 1").execute(db).await.map(drop)
}

/// Starts a write transaction. On SQLite it takes the write lock at once, so two writers never
/// deadlock upgrading read locks; on PostgreSQL it is READ COMMITTED, and a transaction that
/// reads before it writes locks what it reads (`FOR UPDATE`).
pub async fn begin_write(db: &Db) -> Result<Tx> {
    Ok(match db {
        Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
    })
}

/// Starts a transaction that only reads, all of it from one snapshot: several statements then
/// see the same committed state (SQLite's deferred transaction keeps the snapshot of its first
/// read; PostgreSQL's REPEATABLE READ that of its first statement).
pub async fn begin_read(db: &Db) -> Result<Tx> {
    Ok(match db {
        Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN").await?),
        Db::Postgres(pool) => Tx::Postgres(
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?,
        ),
    })
}

/// Current time in Unix seconds.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A timestamp for people, as the tables keep them: ISO-8601 UTC with milliseconds
/// (`2026-11-30T20:15:00.123Z`), which sorts as text.
pub fn iso_timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The time `days` days ago as [`iso_timestamp`] writes it (the earliest time there is, for
/// more days than that).
pub fn iso_days_ago(days: u64) -> String {
    let now = chrono::Utc::now();
    let then = i64::try_from(days)
        .ok()
        .and_then(chrono::TimeDelta::try_days)
        .and_then(|ago| now.checked_sub_signed(ago))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    iso_timestamp(then)
}

/// The current time as [`iso_timestamp`] writes it.
pub fn now_iso() -> String {
    iso_timestamp(chrono::Utc::now())
}
