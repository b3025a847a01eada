//! Creating a batch: its files, its price and its tasks, in one transaction.

use app::Problem;
use app::types::{BatchCreated, BatchView};

use super::{Batches, Draft, MAX_NAME_CHARS, MAX_PROMPT_CHARS};
use crate::{
    Error, Result,
    accounts::User,
    db,
    store::{batches as store, credits},
};

impl Batches {
    /// A new, empty draft for uploads.
    pub fn draft(&self) -> Draft {
        Draft::new(self.storage.clone())
    }

    /// Checks a prompt: trimmed, not empty, bounded.
    pub fn check_prompt(prompt: &str) -> Result<String> {
        // The length counts what was sent, spaces included, as the OpenAPI document says.
        let too_long = prompt.chars().count() > MAX_PROMPT_CHARS;
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return Err(Error::Invalid(Problem::PromptEmpty));
        }
        if too_long {
            return Err(Error::Invalid(Problem::PromptTooLong {
                max: MAX_PROMPT_CHARS,
            }));
        }
        Ok(prompt.to_owned())
    }

    /// Checks that a model is offered; the empty id means the default (first) model.
    pub fn check_model(&self, model: &str) -> Result<crate::providers::Model> {
        let model = model.trim();
        let found = if model.is_empty() {
            self.models.list().first()
        } else {
            self.models.get(model)
        };
        found.cloned().ok_or_else(|| {
            Error::Invalid(Problem::UnknownModel {
                model: model.to_owned(),
                offered: self.models.list().iter().map(|m| m.id.clone()).collect(),
            })
        })
    }

    /// Whether the user pays with their own key for this model's provider (then it costs nothing).
    pub(super) async fn uses_own_key(&self, user_id: i64, provider: &str) -> Result<bool> {
        let accepts = self
            .models
            .provider(provider)
            .is_some_and(|p| p.accepts_user_keys());
        Ok(accepts && self.keys.has(user_id, provider).await?)
    }

    /// Creates the batch from a finished draft: rows, tasks and the charge in one transaction.
    /// On any error the draft's files are removed and nothing else changed.
    #[tracing::instrument(skip_all, fields(user_id = user.id, images = draft.len()), err(level = "info", Display))]
    pub async fn create(
        &self,
        user: &User,
        draft: Draft,
        prompt: &str,
        model: &str,
        name: Option<&str>,
    ) -> Result<BatchCreated> {
        match self.try_create(user, &draft, prompt, model, name).await {
            Ok(created) => {
                draft.commit();
                self.queued(created.queue_id).await;
                Ok(created)
            }
            Err(error) => {
                draft.discard().await;
                Err(error)
            }
        }
    }

    async fn try_create(
        &self,
        user: &User,
        draft: &Draft,
        prompt: &str,
        model: &str,
        name: Option<&str>,
    ) -> Result<BatchCreated> {
        let prompt = Self::check_prompt(prompt)?;
        let model = self.check_model(model)?;
        if draft.is_empty() {
            return Err(Error::Invalid(Problem::NoImages));
        }
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) if name.chars().count() > MAX_NAME_CHARS => {
                return Err(Error::Invalid(Problem::NameTooLong {
                    max: MAX_NAME_CHARS,
                }));
            }
            Some(name) => name.to_owned(),
            None => BatchView::default_name(draft.len() as i64),
        };
        let used_user_key = self.uses_own_key(user.id, &model.provider).await?;
        let per_image = if used_user_key { 0 } else { 1 };
        let total = draft.len() as i64;

        let tasks: Vec<store::NewTask<'_>> = draft
            .images()
            .iter()
            .map(|image| store::NewTask {
                key: &image.key,
                mime: image.mime,
                filename: &image.filename,
                bytes: image.bytes as i64,
            })
            .collect();
        let batch = store::NewBatch {
            user_id: user.id,
            name: &name,
            prompt: &prompt,
            model: &model.id,
            used_user_key,
            per_image,
        };
        let mut tx = db::begin_write(&self.db).await?;
        let queue_id = store::insert(&mut tx, &batch, &tasks).await?;
        let cost = per_image * total;
        if cost > 0 {
            let entry = credits::Entry {
                queue_id: Some(queue_id),
                ..credits::Entry::new(user.id, -cost, "batch")
            };
            credits::apply(&mut tx, entry).await?;
        }
        tx.commit().await?;
        tracing::info!(queue_id, cost, "batch created");
        Ok(BatchCreated {
            queue_id,
            total_images: total,
            used_user_key,
            credits_charged: cost,
        })
    }
}
