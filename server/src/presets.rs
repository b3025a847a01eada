//! Preset prompts that the admin curates and users pick from.

use app::types::PresetView;
use app::{PresetField, Problem};
use serde::Deserialize;

use crate::{
    Error, Result,
    db::Db,
    store::presets::{self as store, Preset},
};

const MAX_TITLE: usize = 100;
const MAX_CONTENT: usize = 4_000;
const MAX_CATEGORY: usize = 50;
const MAX_SORT_ORDER: i64 = 1_000_000_000;

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
        let rows = store::list(&self.db, true).await?;
        Ok(rows.into_iter().map(PresetView::from).collect())
    }

    /// Every preset in display order, for the admin.
    pub async fn all(&self) -> Result<Vec<PresetView>> {
        let rows = store::list(&self.db, false).await?;
        Ok(rows.into_iter().map(PresetView::from).collect())
    }

    pub async fn get(&self, id: i64) -> Result<PresetView> {
        let row = store::get(&self.db, id)
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
        let sort_order = new.sort_order.map(check_sort_order).transpose()?;
        let id = store::insert(
            &self.db,
            &title,
            &content,
            &category,
            sort_order,
            // After the last one, ten places on, so that one fits between later.
            |max| max.saturating_add(10).min(MAX_SORT_ORDER),
            new.is_active.unwrap_or(true),
        )
        .await?;
        self.get(id).await
    }

    #[tracing::instrument(skip_all, fields(preset_id = id), err(level = "info", Display))]
    pub async fn update(&self, id: i64, changes: PresetChanges) -> Result<PresetView> {
        let fields = store::Fields {
            title: changes
                .title
                .map(|t| text(PresetField::Title, &t, MAX_TITLE))
                .transpose()?,
            content: changes
                .content
                .map(|c| text(PresetField::Content, &c, MAX_CONTENT))
                .transpose()?,
            category: changes
                .category
                .map(|c| text(PresetField::Category, &c, MAX_CATEGORY))
                .transpose()?,
            sort_order: changes.sort_order.map(check_sort_order).transpose()?,
            is_active: changes.is_active,
        };
        if !store::update(&self.db, id, fields).await? {
            return Err(Error::NotFound("preset"));
        }
        self.get(id).await
    }

    #[tracing::instrument(skip_all, fields(preset_id = id), err(level = "info", Display))]
    pub async fn delete(&self, id: i64) -> Result<()> {
        if !store::delete(&self.db, id).await? {
            return Err(Error::NotFound("preset"));
        }
        Ok(())
    }
}

fn check_sort_order(order: i64) -> Result<i64> {
    if !(-MAX_SORT_ORDER..=MAX_SORT_ORDER).contains(&order) {
        return Err(Error::Invalid(Problem::SortOrderRange {
            max: MAX_SORT_ORDER,
        }));
    }
    Ok(order)
}

/// A trimmed, non-empty text of at most `max` characters.
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
