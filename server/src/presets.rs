//! Preset prompts that the admin curates and users pick from.

use app::types::PresetView;
use app::{PresetField, Problem};
use serde::Deserialize;

use crate::{
    Error, Result,
    db::{self, Db},
};

const MAX_TITLE: usize = 100;
const MAX_CONTENT: usize = 4_000;
const MAX_CATEGORY: usize = 50;
const MAX_SORT_ORDER: i64 = 1_000_000_000;

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

/// Fields of a new preset.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPreset {
    #[schema(
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        max_length = 100
    )]
    pub title: String,
    #[schema(
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        max_length = 4000
    )]
    pub content: String,
    /// "general" when not given.
    #[serde(default)]
    #[schema(
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        max_length = 50
    )]
    pub category: Option<String>,
    /// Presets are listed by it; after the last one when not given.
    #[serde(default)]
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub is_active: Option<bool>,
}

pub use app::types::PresetChanges;

const SELECT_ALL: &str = "SELECT id, title, content, category, sort_order, is_active, \
     created_at, updated_at FROM preset_prompts ORDER BY sort_order, id";
const SELECT_ACTIVE: &str = "SELECT id, title, content, category, sort_order, is_active, \
     created_at, updated_at FROM preset_prompts WHERE is_active = TRUE ORDER BY sort_order, id";
const SELECT_ONE: &str = "SELECT id, title, content, category, sort_order, is_active, \
     created_at, updated_at FROM preset_prompts WHERE id = $1";

impl From<Preset> for PresetView {
    fn from(p: Preset) -> Self {
        Self {
            id: p.id,
            title: p.title,
            content: p.content,
            category: p.category,
            sort_order: p.sort_order,
            is_active: p.is_active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Clone)]
pub struct Presets {
    db: Db,
}

impl Presets {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Active presets in display order, for users.
    pub async fn active(&self) -> Result<Vec<PresetView>> {
        let rows: Vec<Preset> = db::query(SELECT_ACTIVE).fetch_all(&self.db).await?;
        Ok(rows.into_iter().map(PresetView::from).collect())
    }

    /// Every preset in display order, for the admin.
    pub async fn all(&self) -> Result<Vec<PresetView>> {
        let rows: Vec<Preset> = db::query(SELECT_ALL).fetch_all(&self.db).await?;
        Ok(rows.into_iter().map(PresetView::from).collect())
    }

    pub async fn get(&self, id: i64) -> Result<PresetView> {
        let row: Preset = db::query(SELECT_ONE)
            .bind(id)
            .fetch_optional(&self.db)
            .await?
            .ok_or(Error::NotFound("preset"))?;
        Ok(row.into())
    }

    #[tracing::instrument(skip_all, err(level = "info", Display))]
    pub async fn create(&self, new: NewPreset) -> Result<PresetView> {
        let title = text(PresetField::Title, &new.title, MAX_TITLE)?;
        let content = text(PresetField::Content, &new.content, MAX_CONTENT)?;
        let category = match new.category {
            Some(c) => text(PresetField::Category, &c, MAX_CATEGORY)?,
            None => "general".to_owned(),
        };
        let mut tx = db::begin_write(&self.db).await?;
        let sort_order = match new.sort_order {
            Some(order) => check_sort_order(order)?,
            None => {
                let (max,): (i64,) =
                    db::query("SELECT COALESCE(MAX(sort_order), 0) FROM preset_prompts")
                        .fetch_one(&mut tx)
                        .await?;
                max.saturating_add(10).min(MAX_SORT_ORDER)
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
        .bind(new.is_active.unwrap_or(true))
        .fetch_one(&mut tx)
        .await?;
        tx.commit().await?;
        self.get(id).await
    }

    #[tracing::instrument(skip_all, fields(preset_id = id), err(level = "info", Display))]
    pub async fn update(&self, id: i64, changes: PresetChanges) -> Result<PresetView> {
        let title = changes
            .title
            .map(|t| text(PresetField::Title, &t, MAX_TITLE))
            .transpose()?;
        let content = changes
            .content
            .map(|c| text(PresetField::Content, &c, MAX_CONTENT))
            .transpose()?;
        let category = changes
            .category
            .map(|c| text(PresetField::Category, &c, MAX_CATEGORY))
            .transpose()?;
        let sort_order = changes.sort_order.map(check_sort_order).transpose()?;
        let updated = db::query(
            "UPDATE preset_prompts SET \
               title = COALESCE($1, title), content = COALESCE($2, content), \
               category = COALESCE($3, category), sort_order = COALESCE($4, sort_order), \
               is_active = COALESCE($5, is_active), \
               updated_at = $7 \
             WHERE id = $6",
        )
        .bind(title)
        .bind(content)
        .bind(category)
        .bind(sort_order)
        .bind(changes.is_active)
        .bind(id)
        .bind(db::now_iso())
        .execute(&self.db)
        .await?;
        if updated == 0 {
            return Err(Error::NotFound("preset"));
        }
        self.get(id).await
    }

    #[tracing::instrument(skip_all, fields(preset_id = id), err(level = "info", Display))]
    pub async fn delete(&self, id: i64) -> Result<()> {
        let deleted = db::query("DELETE FROM preset_prompts WHERE id = $1")
            .bind(id)
            .execute(&self.db)
            .await?;
        if deleted == 0 {
            return Err(Error::NotFound("preset"));
        }
        Ok(())
    }
}

/// A trimmed, non-empty text of at most `max` characters.
fn check_sort_order(order: i64) -> Result<i64> {
    if !(-MAX_SORT_ORDER..=MAX_SORT_ORDER).contains(&order) {
        return Err(Error::Invalid(Problem::SortOrderRange {
            max: MAX_SORT_ORDER,
        }));
    }
    Ok(order)
}

fn text(field: PresetField, value: &str, max: usize) -> Result<String> {
    // The length counts what was sent, spaces included, as the OpenAPI document says.
    let too_long = value.chars().count() > max;
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::Invalid(Problem::PresetFieldEmpty { field }));
    }
    if too_long {
        return Err(Error::Invalid(Problem::PresetFieldTooLong { field, max }));
    }
    Ok(value.to_owned())
}
