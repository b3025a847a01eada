//! What is checked before an upload's images are read, so that work (reading, decoding,
//! storing) is spent only on a batch that can be created: uploads one account has in flight,
//! then, before each image, the prompt, the model and whether the credits cover one more image.
//! The creating transaction still decides for real.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use app::Problem;

use super::Batches;
use crate::{Error, Result, accounts::User};

/// Uploads one account may send at once unless configured otherwise.
pub const DEFAULT_UPLOADS_PER_USER: usize = 2;

/// Uploads in flight, per account.
#[derive(Clone)]
pub struct UploadSlots {
    counts: Arc<Mutex<HashMap<i64, usize>>>,
    max: usize,
}

impl Default for UploadSlots {
    fn default() -> Self {
        Self::new(DEFAULT_UPLOADS_PER_USER)
    }
}

impl UploadSlots {
    pub fn new(max: usize) -> Self {
        Self {
            counts: Arc::default(),
            max: max.max(1),
        }
    }

    fn counts(&self) -> MutexGuard<'_, HashMap<i64, usize>> {
        // A poisoned lock only means a panic elsewhere; the counts stay usable.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for one upload of `user_id`, given back when dropped; 429 when all are taken.
    pub fn take(&self, user_id: i64) -> Result<UploadSlot> {
        let mut counts = self.counts();
        let count = counts.entry(user_id).or_default();
        if *count >= self.max {
            return Err(Error::Limited(Problem::UploadsInFlight { max: self.max }));
        }
        *count += 1;
        Ok(UploadSlot {
            slots: self.clone(),
            user_id,
        })
    }
}

pub struct UploadSlot {
    slots: UploadSlots,
    user_id: i64,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut counts = self.slots.counts();
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

/// What an upload asks before it reads each image.
pub trait Admission: Send {
    /// Before image number `count + 1`: may the upload go on, given the text fields sent so far?
    fn before_image(
        &mut self,
        count: usize,
        prompt: Option<&str>,
        model: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Whether `staged` bytes (this upload's images so far, the next one included) may be kept.
    fn room_for(&self, staged: usize) -> Result<()>;
}

/// Decides, from the account, its keys and the settings, whether the batch could still be
/// created.
pub struct Gate<'a> {
    batches: &'a Batches,
    user: &'a User,
    /// Images the credits pay for; `None` when the batch runs free on the user's own key.
    affordable: Option<i64>,
    /// Bytes the user's batches already keep, when a quota applies.
    stored: Option<u64>,
    checked: bool,
}

impl<'a> Gate<'a> {
    pub fn new(batches: &'a Batches, user: &'a User) -> Self {
        Self {
            batches,
            user,
            affordable: None,
            stored: None,
            checked: false,
        }
    }
}

impl Admission for Gate<'_> {
    /// Before image number `count + 1`: the text fields sent so far are valid, and the credits
    /// cover one more image.
    async fn before_image(
        &mut self,
        count: usize,
        prompt: Option<&str>,
        model: Option<&str>,
    ) -> Result<()> {
        if !self.checked {
            self.checked = true;
            if let Some(prompt) = prompt {
                Batches::check_prompt(prompt)?;
            }
            let free = match model {
                Some(model) => {
                    let model = self.batches.check_model(model)?;
                    self.batches
                        .uses_own_key(self.user.id, &model.provider)
                        .await?
                }
                // The model comes later: only a key of the user's own might make it free.
                None => !self.batches.keys.providers(self.user.id).await?.is_empty(),
            };
            self.affordable = (!free).then_some(self.user.credits);
            if self.batches.storage_quota.is_some() {
                self.stored = Some(self.batches.stored_bytes(self.user.id).await?);
            }
        }
        match self.affordable {
            Some(balance) if count as i64 >= balance => {
                Err(Error::PaymentRequired(Problem::NotEnoughCredits {
                    needed: count as i64 + 1,
                    balance,
                }))
            }
            _ => Ok(()),
        }
    }

    /// Whether `staged` more bytes (this upload's images so far, the next one included) fit the
    /// user's storage quota.
    fn room_for(&self, staged: usize) -> Result<()> {
        let (Some(quota), Some(stored)) = (self.batches.storage_quota, self.stored) else {
            return Ok(());
        };
        if stored + staged as u64 > quota {
            const MB: u64 = 1024 * 1024;
            return Err(Error::PayloadTooLarge(Problem::StorageFull {
                used_mb: stored.div_ceil(MB),
                quota_mb: quota / MB,
            }));
        }
        Ok(())
    }
}
