//! Reading a batch upload (`POST /api/batch/create`, and the UI's upload server function) as a
//! multipart stream: each image is checked and stored as it arrives, so a batch is never held in
//! memory whole.

use app::Problem;
use app::types::BatchCreated;
use bytes::{Bytes, BytesMut};
use multer::{Field, Multipart};

use super::{
    Batches, Draft,
    draft::{MAX_IMAGE_BYTES, MAX_IMAGES, too_big},
    gate::{Admission, Gate},
};
use crate::{Error, Result, accounts::User};

/// A full batch (50 images of 10 MB) plus room for the multipart framing and text fields.
pub const UPLOAD_BODY_LIMIT: usize = MAX_IMAGES * (MAX_IMAGE_BYTES + 64 * 1024) + 1024 * 1024;

impl Batches {
    /// Reads an upload and creates its batch; on any error nothing is left behind.
    pub async fn create_from_upload(
        &self,
        user: &User,
        multipart: Multipart<'static>,
    ) -> Result<BatchCreated> {
        let _slot = self.uploads.take(user.id)?;
        let gate = Gate::new(self, user);
        let upload = read(multipart, self.draft(), gate).await?;
        self.create(
            user,
            upload.draft,
            upload.prompt.as_deref().unwrap_or_default(),
            upload.model.as_deref().unwrap_or_default(),
            upload.batch_name.as_deref(),
        )
        .await
    }
}

/// The text fields and the staged images of a create request.
pub struct Upload {
    pub draft: Draft,
    pub prompt: Option<String>,
    pub model: Option<String>,
    pub batch_name: Option<String>,
}

const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Reads the whole body; on error, the files staged so far are removed before it returns.
pub async fn read(
    mut multipart: Multipart<'static>,
    draft: Draft,
    mut gate: impl Admission,
) -> Result<Upload> {
    let mut upload = Upload {
        draft,
        prompt: None,
        model: None,
        batch_name: None,
    };
    match read_fields(&mut multipart, &mut upload, &mut gate).await {
        Ok(()) => Ok(upload),
        Err(error) => {
            drain(&mut multipart).await;
            // Removed before the answer, so that a client sees nothing left behind.
            upload.draft.discard().await;
            Err(error)
        }
    }
}

/// Most of the rest of a rejected body read before answering: a client still sending would
/// otherwise see a reset connection instead of the error message.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// The image fields left in the body, skipped over (up to the drain limit).
async fn count_images(multipart: &mut Multipart<'static>) -> usize {
    let (mut images, mut drained) = (0, 0);
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if matches!(field.name(), Some("images" | "images[]" | "image")) {
            images += 1;
        }
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len();
            if drained > DRAIN_LIMIT {
                return images;
            }
        }
    }
    images
}

async fn drain(multipart: &mut Multipart<'static>) {
    let mut drained = 0;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len();
            if drained > DRAIN_LIMIT {
                return;
            }
        }
    }
}

async fn read_fields(
    multipart: &mut Multipart<'static>,
    upload: &mut Upload,
    gate: &mut impl Admission,
) -> Result<()> {
    while let Some(mut field) = multipart.next_field().await.map_err(bad_body)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "images" | "images[]" | "image" => {
                upload.draft.ensure_room()?;
                let admitted = gate
                    .before_image(
                        upload.draft.len(),
                        upload.prompt.as_deref(),
                        upload.model.as_deref(),
                    )
                    .await;
                if let Err(Error::PaymentRequired(Problem::NotEnoughCredits { balance, .. })) =
                    admitted
                {
                    // The rest is counted, not read, so that the answer names the real total.
                    drop(field);
                    let total = upload.draft.len() + 1 + count_images(multipart).await;
                    // A batch too large to exist at all says so, whatever the credits.
                    if total > MAX_IMAGES {
                        return Err(Error::PayloadTooLarge(Problem::TooManyImages {
                            max: MAX_IMAGES,
                        }));
                    }
                    return Err(Error::PaymentRequired(Problem::NotEnoughCredits {
                        needed: total as i64,
                        balance,
                    }));
                }
                admitted?;
                let filename = field
                    .file_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("image-{}", upload.draft.len() + 1));
                let Some(bytes) = read_limited(&mut field, MAX_IMAGE_BYTES).await? else {
                    // Finish this field so that the drain goes on at the next one.
                    while let Ok(Some(_)) = field.chunk().await {}
                    return Err(too_big(&filename));
                };
                gate.room_for(upload.draft.stored_bytes() + bytes.len())?;
                upload.draft.add(&filename, bytes).await?;
            }
            "prompt" => once(
                &mut upload.prompt,
                text(&mut field, "prompt").await?,
                "prompt",
            )?,
            "model" => once(&mut upload.model, text(&mut field, "model").await?, "model")?,
            "batchName" | "batch_name" => once(
                &mut upload.batch_name,
                text(&mut field, "batchName").await?,
                "batchName",
            )?,
            other => {
                return Err(Error::BadRequest(
                    format!(
                        "unexpected form field '{other}'; send images, prompt, model and batchName"
                    )
                    .into(),
                ));
            }
        }
    }
    Ok(())
}

/// The field's bytes, or `None` as soon as they pass `limit` (the rest is never read).
async fn read_limited(field: &mut Field<'_>, limit: usize) -> Result<Option<Bytes>> {
    let mut buffer = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_body)? {
        if buffer.len() + chunk.len() > limit {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(Some(buffer.freeze()))
}

/// A text field may come once: which of two prompts was meant, nobody could say.
fn once(slot: &mut Option<String>, value: String, name: &str) -> Result<()> {
    if slot.is_some() {
        return Err(Error::BadRequest(
            format!("the field '{name}' was sent more than once; send it once").into(),
        ));
    }
    *slot = Some(value);
    Ok(())
}

async fn text(field: &mut Field<'_>, name: &str) -> Result<String> {
    let bytes = read_limited(field, MAX_TEXT_BYTES).await?.ok_or_else(|| {
        Error::PayloadTooLarge(Problem::FieldTooLong {
            field: name.to_owned(),
        })
    })?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::BadRequest(format!("the field '{name}' is not UTF-8 text").into()))
}

fn bad_body(error: multer::Error) -> Error {
    match error {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            Error::PayloadTooLarge(Problem::UploadTooLarge {
                max_images: MAX_IMAGES,
                max_mb: MAX_IMAGE_BYTES / (1024 * 1024),
            })
        }
        other => Error::BadRequest(format!("the upload could not be read: {other}").into()),
    }
}
