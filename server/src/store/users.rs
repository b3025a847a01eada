//! `users`: accounts, looked up by id or by name whatever its case.

use app::types::AdminUser;

use crate::{
    Result,
    db::{self, Db, Tx},
};

/// A user as the services see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub credits: i64,
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>> {
    Ok(
        db::query("SELECT id, username, is_admin, credits FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The id and password hash of the account named `username` (any case).
pub async fn credentials(db: &Db, username: &str) -> Result<Option<(i64, String)>> {
    Ok(
        db::query("SELECT id, password_hash FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(db)
            .await?,
    )
}

/// The id and balance of the account named `username` (any case), read in `tx`.
pub async fn balance_by_name(tx: &mut Tx, username: &str) -> Result<Option<(i64, i64)>> {
    Ok(
        db::query("SELECT id, credits FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(tx)
            .await?,
    )
}

/// Adds an account; `None` when the name is taken (whatever its case).
pub async fn insert(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    is_admin: bool,
) -> Result<Option<i64>> {
    let inserted: std::result::Result<(i64,), sqlx::Error> = db::query(
        "INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(is_admin)
    .fetch_one(tx)
    .await;
    match inserted {
        Ok((id,)) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn count_admins(db: &Db) -> Result<i64> {
    let (admins,): (i64,) = db::query("SELECT COUNT(*) FROM users WHERE is_admin = TRUE")
        .fetch_one(db)
        .await?;
    Ok(admins)
}

const ADMIN_USER_SQL: &str = "SELECT u.id, u.username, u.is_admin, u.credits, u.created_at,
       (SELECT COUNT(*) FROM batch_queues q WHERE q.user_id = u.id) AS batches
     FROM users u";

#[derive(sqlx::FromRow)]
struct AdminUserRow {
    id: i64,
    username: String,
    is_admin: bool,
    credits: i64,
    created_at: String,
    batches: i64,
}

impl From<AdminUserRow> for AdminUser {
    fn from(row: AdminUserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            is_admin: row.is_admin,
            credits: row.credits,
            batches: row.batches,
            created_at: row.created_at,
        }
    }
}

/// Every user with their balance, role and number of batches, oldest account first.
pub async fn list_for_admin(db: &Db) -> Result<Vec<AdminUser>> {
    let sql = format!("{ADMIN_USER_SQL} ORDER BY u.id");
    let rows: Vec<AdminUserRow> = db::query(sqlx::AssertSqlSafe(sql)).fetch_all(db).await?;
    Ok(rows.into_iter().map(AdminUser::from).collect())
}

/// One user as the admin's list shows them.
pub async fn get_for_admin(db: &Db, user_id: i64) -> Result<Option<AdminUser>> {
    let sql = format!("{ADMIN_USER_SQL} WHERE u.id = $1");
    let row: Option<AdminUserRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(AdminUser::from))
}

/// A user's balance, read in `tx`.
pub async fn balance(tx: &mut Tx, user_id: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db::query("SELECT credits FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(tx)
        .await?;
    Ok(row.map(|(credits,)| credits))
}

/// Whether a user is an administrator, read in `tx`.
pub async fn is_admin(tx: &mut Tx, user_id: i64) -> Result<bool> {
    let row: Option<(bool,)> = db::query("SELECT is_admin FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(tx)
        .await?;
    Ok(matches!(row, Some((true,))))
}

/// Gives or takes a user's administrator role; false when there is no such user.
pub async fn set_admin(tx: &mut Tx, user_id: i64, is_admin: bool) -> Result<bool> {
    let done = db::query("UPDATE users SET is_admin = $1 WHERE id = $2")
        .bind(is_admin)
        .bind(user_id)
        .execute(tx)
        .await?;
    Ok(done > 0)
}
