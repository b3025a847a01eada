//! `preset_prompts`: the prompts the admin curates.

use crate::{
    Result,
    db::{self, Db},
};

/// A preset as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Preset {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub category: String,
    pub sort_order: i64,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of a preset to write; `None` leaves a field as it is (on insert: see [`insert`]).
#[derive(Debug, Default)]
pub struct Fields {
    pub title: Option<String>,
    pub content: Option<String>,
    pub category: Option<String>,
    pub sort_order: Option<i64>,
    pub is_active: Option<bool>,
}

const COLUMNS: &str = "id, title, content, category, sort_order, is_active, created_at, updated_at";

/// Every preset, or only the active ones, in display order.
pub async fn list(db: &Db, active_only: bool) -> Result<Vec<Preset>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM preset_prompts WHERE ($1 = FALSE OR is_active = TRUE) \
         ORDER BY sort_order, id"
    );
    Ok(db::query(sqlx::AssertSqlSafe(sql))
        .bind(active_only)
        .fetch_all(db)
        .await?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Preset>> {
    let sql = format!("SELECT {COLUMNS} FROM preset_prompts WHERE id = $1");
    Ok(db::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Adds a preset; without a sort order, `next_order` of the largest one there places it (read
/// in the same transaction, so two presets added at once do not take the same place).
pub async fn insert(
    db: &Db,
    title: &str,
    content: &str,
    category: &str,
    sort_order: Option<i64>,
    next_order: impl FnOnce(i64) -> i64,
    is_active: bool,
) -> Result<i64> {
    let mut tx = db::begin_write(db).await?;
    let sort_order = match sort_order {
        Some(order) => order,
        None => {
            let (max,): (i64,) =
                db::query("SELECT COALESCE(MAX(sort_order), 0) FROM preset_prompts")
                    .fetch_one(&mut tx)
                    .await?;
            next_order(max)
        }
    };
    let (id,): (i64,) = db::query(
        "INSERT INTO preset_prompts (title, content, category, sort_order, is_active) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(title)
    .bind(content)
    .bind(category)
    .bind(sort_order)
    .bind(is_active)
    .fetch_one(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes the given fields; false when there is no such preset.
pub async fn update(db: &Db, id: i64, fields: Fields) -> Result<bool> {
    let updated = db::query(
        "UPDATE preset_prompts SET \
           title = COALESCE($1, title), content = COALESCE($2, content), \
           category = COALESCE($3, category), sort_order = COALESCE($4, sort_order), \
           is_active = COALESCE($5, is_active), \
           updated_at = $7 \
         WHERE id = $6",
    )
    .bind(fields.title)
    .bind(fields.content)
    .bind(fields.category)
    .bind(fields.sort_order)
    .bind(fields.is_active)
    .bind(id)
    .bind(db::now_iso())
    .execute(db)
    .await?;
    Ok(updated == 1)
}

/// False when there is no such preset.
pub async fn delete(db: &Db, id: i64) -> Result<bool> {
    let deleted = db::query("DELETE FROM preset_prompts WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(deleted == 1)
}
