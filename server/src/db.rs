//! The database pool: SQLite in WAL mode, with the project's migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Sqlite, SqlitePool, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::{config::Secret, error::Result};

pub type Db = SqlitePool;
pub type Tx = Transaction<'static, Sqlite>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// Opens (creating if needed) the database behind `url`.
pub async fn connect(url: &Secret<String>) -> Result<Db> {
    let options = SqliteConnectOptions::from_str(url.expose())?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Brings the schema up to date.
pub async fn migrate(db: &Db) -> Result<()> {
    MIGRATOR
        .run(db)
        .await
        .map_err(|e| crate::Error::Internal(format!("migration failed: {e}")))
}

/// Starts a write transaction that takes the write lock at once, so two writers never deadlock
/// upgrading read locks.
pub async fn begin_write(db: &Db) -> Result<Tx> {
    Ok(db.begin_with("BEGIN IMMEDIATE").await?)
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
