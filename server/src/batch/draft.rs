//! Uploaded files of a batch being created: checked and stored one at a time, and removed again
//! unless the batch is committed, whatever way the request ends.

use app::Problem;
use bytes::Bytes;

use crate::{Error, Result, images, storage::Storage};

/// At most this many images in one batch.
pub const MAX_IMAGES: usize = 50;
/// At most this many bytes per image.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Longest kept client file name (with its folder path).
const MAX_FILENAME_CHARS: usize = 255;

/// A stored, checked upload.
#[derive(Debug, Clone)]
pub struct StagedImage {
    pub key: String,
    pub mime: &'static str,
    pub filename: String,
    /// Size as stored.
    pub bytes: usize,
}

/// Files accepted so far for a batch that is not yet created.
pub struct Draft {
    storage: Storage,
    images: Vec<StagedImage>,
    committed: bool,
}

impl Draft {
    pub fn new(storage: Storage) -> Self {
        Self {
            storage,
            images: Vec::new(),
            committed: false,
        }
    }

    pub fn len(&self) -> usize {
        self.images.len()
    }

    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Refuses the next file before its bytes are read when the batch is full.
    pub fn ensure_room(&self) -> Result<()> {
        if self.images.len() >= MAX_IMAGES {
            return Err(Error::PayloadTooLarge(Problem::TooManyImages {
                max: MAX_IMAGES,
            }));
        }
        Ok(())
    }

    /// Checks one file from its bytes and stores it under a server-chosen name.
    pub async fn add(&mut self, filename: &str, bytes: Bytes) -> Result<()> {
        self.ensure_room()?;
        let filename = clean_filename(filename, self.images.len());
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(too_big(&filename));
        }
        let checked = images::check_in_turn(bytes)
            .await
            .map_err(|e| Error::Invalid(e.problem(filename.clone())))?;
        let key = Storage::new_key("originals", checked.extension);
        let stored = checked.bytes.len();
        self.storage.put(&key, checked.bytes).await?;
        self.images.push(StagedImage {
            key,
            mime: checked.mime,
            filename,
            bytes: stored,
        });
        Ok(())
    }

    /// Bytes stored so far.
    pub fn stored_bytes(&self) -> usize {
        self.images.iter().map(|i| i.bytes).sum()
    }

    pub fn images(&self) -> &[StagedImage] {
        &self.images
    }

    /// The batch rows exist: the files now belong to it.
    pub fn commit(mut self) {
        self.committed = true;
    }

    /// Removes the stored files now.
    pub async fn discard(mut self) {
        let keys: Vec<String> = self.images.drain(..).map(|i| i.key).collect();
        self.storage.delete_all(&keys).await;
    }
}

impl Drop for Draft {
    /// A request that ends early (client gone, error) must not leave files behind.
    fn drop(&mut self) {
        if self.committed || self.images.is_empty() {
            return;
        }
        let keys: Vec<String> = self.images.drain(..).map(|i| i.key).collect();
        let storage = self.storage.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { storage.delete_all(&keys).await });
        }
    }
}

/// The error for a file over the size limit.
pub fn too_big(filename: &str) -> Error {
    Error::PayloadTooLarge(Problem::FileTooLarge {
        file: filename.to_owned(),
        max_mb: MAX_IMAGE_BYTES / (1024 * 1024),
    })
}

/// The client's name (maybe with a folder path from a folder drop), kept for display only.
fn clean_filename(raw: &str, index: usize) -> String {
    let cleaned: String = raw
        .replace('\\', "/")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('/').to_owned();
    if cleaned.is_empty() {
        format!("image-{}", index + 1)
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::clean_filename;

    #[test]
    fn file_names_keep_folders_but_lose_control_characters() {
        assert_eq!(clean_filename("trip/day1/a.jpg", 0), "trip/day1/a.jpg");
        assert_eq!(clean_filename("C:\\x\\b.png", 0), "C:/x/b.png");
        assert_eq!(clean_filename("\u{0}\n", 4), "image-5");
        assert_eq!(clean_filename("/etc/passwd", 0), "etc/passwd");
    }
}
