//! What was wrong with a request, as data: the REST API sends its English text (and a `code`),
//! the browser shows it in the reader's language (see `i18n`), so every rule the service checks
//! is named here once.

use serde::{Deserialize, Serialize};

use crate::types::Status;

mod wire;

/// A rule the request broke, with the numbers and names the reader needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
// Externally tagged (`{"not_enough_credits":{…}}`, or `"prompt_empty"`): an internally tagged
// enum makes serde buffer every field, which costs the WebAssembly bundle about 30 KB. Read back
// by hand (`wire`), one reader for every rule.
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Only the API's own clients can cause it (a malformed field, a wrong content type); said
    /// in English.
    #[error("{message}")]
    Text { message: String },

    // A batch and its images.
    #[error("the prompt is empty: describe what to do with the images")]
    PromptEmpty,
    #[error("the prompt is longer than {max} characters")]
    PromptTooLong { max: usize },
    #[error("unknown model '{model}'; choose one of: {}", offered.join(", "))]
    UnknownModel { model: String, offered: Vec<String> },
    #[error("add at least one image")]
    NoImages,
    #[error("the batch name is longer than {max} characters")]
    NameTooLong { max: usize },
    #[error("too many images: at most {max} per batch")]
    TooManyImages { max: usize },
    #[error("{file}: larger than {max_mb} MB; at most {max_mb} MB per image")]
    FileTooLarge { file: String, max_mb: usize },
    #[error("{file}: not a supported image (JPEG, PNG, GIF, WebP, BMP or TIFF)")]
    NotAnImage { file: String },
    #[error("{file}: the image is damaged or incomplete ({detail})")]
    DamagedImage { file: String, detail: String },
    #[error(
        "{file}: the image is {width}×{height} pixels; at most {max_side} pixels a side and {max_pixels} pixels in all are accepted"
    )]
    TooManyPixels {
        file: String,
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },
    #[error(
        "{file}: {width}×{height} pixels packed into {bytes} bytes is not a photo but a decompression bomb; images over {from_megapixels} megapixels need at least one byte per {pixels_per_byte} pixels"
    )]
    PackedTooTightly {
        file: String,
        width: u32,
        height: u32,
        bytes: u64,
        from_megapixels: u64,
        pixels_per_byte: u64,
    },
    #[error(
        "the upload is larger than a batch may be ({max_images} images of at most {max_mb} MB)"
    )]
    UploadTooLarge { max_images: usize, max_mb: usize },
    #[error("the field '{field}' is too long")]
    FieldTooLong { field: String },

    // Credits.
    #[error("not enough credits: this needs {needed} and you have {balance}")]
    NotEnoughCredits { needed: i64, balance: i64 },

    // Changing a batch or a task.
    #[error("this batch is already {status}")]
    BatchFinished { status: Status },
    #[error("only failed tasks can be retried; this one is {status}")]
    NotFailed { status: Status },
    #[error(
        "this image was retried {max} times already; edit it (a new prompt is a new run) instead"
    )]
    RetriesUsedUp { max: i64 },
    #[error("this image is still being processed; edit it once it is done")]
    StillProcessing,
    #[error("this image has no result yet; edit it from the original instead")]
    NoResultYet,
    #[error("the task changed meanwhile; reload and try again")]
    ChangedMeanwhile,

    #[error(
        "your storage is full: {used_mb} MB of your {quota_mb} MB are in use; delete batches you no longer need"
    )]
    StorageFull { used_mb: u64, quota_mb: u64 },
    #[error("you already have {max} uploads under way; wait for one to finish")]
    UploadsInFlight { max: usize },

    // Live progress.
    #[error(
        "too many live progress streams: at most {max} at once per account; close other imgbatch pages"
    )]
    TooManyStreams { max: usize },
    #[error("the server has as many live progress streams open as it allows; try again later")]
    StreamsFull,

    // Accounts.
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("registration is closed on this server; ask an administrator for an account")]
    RegistrationClosed,
    #[error("a username has 3 to 32 characters: letters, digits, '_', '-' or '.'")]
    UsernameRules,
    #[error("a password has 8 to 128 characters")]
    PasswordRules,
    #[error("the username '{username}' is already taken; choose another")]
    UsernameTaken { username: String },
    #[error("starting credits cannot be negative")]
    NegativeCredits,
    #[error("the API key is empty")]
    KeyEmpty,
    #[error("an API key has at most {max} characters")]
    KeyTooLong { max: usize },
    #[error(
        "'{provider}' does not take your own API key; {}",
        accepted_providers(accepted)
    )]
    KeyNotAccepted {
        provider: String,
        accepted: Vec<String>,
    },

    // Administration.
    #[error("you cannot revoke your own administrator role; another administrator can")]
    OwnAdminRole,
    #[error(
        "amount must be a whole number from -{max} to {max} and not 0 (negative takes credits away, stopping at zero)"
    )]
    GrantAmount { max: i64 },
    #[error("concurrency must be a whole number from {min} to {max}")]
    Concurrency { min: u32, max: u32 },
    #[error("{field} must not be empty")]
    PresetFieldEmpty { field: PresetField },
    #[error("{field} is longer than {max} characters")]
    PresetFieldTooLong { field: PresetField, max: usize },
    #[error("sortOrder must be a whole number from -{max} to {max}")]
    SortOrderRange { max: i64 },
}

impl Problem {
    /// The machine-readable name the REST API sends beside the message (`None` for free text).
    pub fn code(&self) -> Option<String> {
        if matches!(self, Self::Text { .. }) {
            return None;
        }
        match serde_json::to_value(self).ok()? {
            serde_json::Value::String(code) => Some(code),
            serde_json::Value::Object(map) => map.keys().next().cloned(),
            _ => None,
        }
    }
}

impl From<String> for Problem {
    fn from(message: String) -> Self {
        Self::Text { message }
    }
}

impl From<&str> for Problem {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

fn accepted_providers(accepted: &[String]) -> String {
    if accepted.is_empty() {
        "no provider on this server does".to_owned()
    } else {
        format!("these do: {}", accepted.join(", "))
    }
}

/// A preset's text fields, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresetField {
    Title,
    Content,
    Category,
}

impl std::fmt::Display for PresetField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Title => "title",
            Self::Content => "content",
            Self::Category => "category",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_breaks_have_codes_and_free_text_has_none() {
        assert_eq!(
            Problem::NotEnoughCredits {
                needed: 6,
                balance: 2
            }
            .code()
            .as_deref(),
            Some("not_enough_credits")
        );
        assert_eq!(Problem::from("bad field").code(), None);
    }

    #[test]
    fn unit_rules_have_codes_too() {
        assert_eq!(Problem::PromptEmpty.code().as_deref(), Some("prompt_empty"));
    }

    #[test]
    fn survives_the_wire() {
        let problem = Problem::BatchFinished {
            status: Status::Cancelled,
        };
        let json = serde_json::to_string(&problem).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Problem>(&json).ok(), Some(problem));
    }
}
