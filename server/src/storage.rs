//! Where originals and results live: one abstraction over `object_store` (a local directory
//! now; an S3-compatible store is a configuration change). Keys are always chosen by the server.

use std::{path::Path, sync::Arc};

use bytes::Bytes;
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path as Key,
};
use rand::RngCore;

use crate::{Error, Result};

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// A store rooted at `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create the storage directory {}: {e}",
                dir.display()
            ))
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| Error::Internal(format!("cannot open storage: {e}")))?;
        Ok(Self {
            store: Arc::new(store),
        })
    }

    /// A fresh, unguessable key such as `originals/3f…9a.png`.
    pub fn new_key(kind: &str, extension: &str) -> String {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{kind}/{}/{name}.{extension}", &name[..2])
    }

    /// A new key for the result of claim `fence` of task `task_id`.
    pub fn result_key(task_id: i64, fence: i64, extension: &str) -> String {
        let mut bytes = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "results/{}/{task_id}-{fence}-{name}.{extension}",
            &name[..2]
        )
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.store
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| Error::Internal(format!("storing {key} failed: {e}")))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let result = self.store.get(&Key::from(key)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => Error::NotFound("image"),
            other => Error::Internal(format!("reading {key} failed: {other}")),
        })?;
        result
            .bytes()
            .await
            .map_err(|e| Error::Internal(format!("reading {key} failed: {e}")))
    }

    /// Every stored key last written before `cutoff`.
    pub async fn keys_written_before(&self, cutoff: std::time::SystemTime) -> Result<Vec<String>> {
        use futures::TryStreamExt;
        let cutoff: chrono::DateTime<chrono::Utc> = cutoff.into();
        self.store
            .list(None)
            .try_filter(|meta| futures::future::ready(meta.last_modified < cutoff))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|e| Error::Internal(format!("listing storage failed: {e}")))
    }

    /// Removes objects, logging (not failing on) those that cannot be removed.
    pub async fn delete_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.store.delete(&Key::from(key.as_str())).await {
                tracing::warn!(%key, %error, "could not remove a stored file");
            }
        }
    }
}
