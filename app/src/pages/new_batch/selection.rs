//! The images chosen for a new batch, checked in the browser before anything is sent.

use std::{
    cell::RefCell,
    collections::HashMap,
    sync::atomic::{AtomicU32, Ordering},
};

use leptos::prelude::*;
use web_sys::File;

use crate::browser::{
    files::{Picked, looks_like_image},
    object_url::ObjectUrl,
};

/// Largest image the server takes.
pub const MAX_IMAGE_BYTES: f64 = 10.0 * 1024.0 * 1024.0;
/// Most images in one batch.
pub const MAX_IMAGES: usize = 50;

/// Why a chosen file is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    NotAnImage,
    TooBig,
}

/// One chosen file, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub id: u32,
    pub path: String,
    pub size: f64,
    /// A thumbnail, for images only.
    pub url: Option<String>,
    pub problem: Option<Problem>,
}

/// The browser's side of a chosen file. Browser objects stay out of signals (which the server
/// renders too) and live here, in the browser's only thread.
struct Held {
    file: File,
    _thumbnail: Option<ObjectUrl>,
}

thread_local! {
    static HELD: RefCell<HashMap<u32, Held>> = RefCell::default();
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// The chosen files, in path order.
#[derive(Clone, Copy)]
pub struct Selection {
    pub files: RwSignal<Vec<Chosen>>,
    /// Files being checked right now.
    pub checking: RwSignal<usize>,
}

impl Selection {
    /// A new selection whose files are let go (and thumbnails revoked) with the page.
    pub fn new() -> Self {
        let selection = Self {
            files: RwSignal::new(Vec::new()),
            checking: RwSignal::new(0),
        };
        on_cleanup(move || {
            if let Some(files) = selection.files.try_get_untracked() {
                release(files.iter().map(|c| c.id));
            }
        });
        selection
    }

    /// The file behind a chosen entry.
    pub fn file(id: u32) -> Option<File> {
        HELD.with(|held| held.borrow().get(&id).map(|h| h.file.clone()))
    }

    /// Checks and adds files; a path already chosen is not added twice.
    pub fn add(self, picked: Vec<Picked>) {
        if picked.is_empty() {
            return;
        }
        self.checking.update(|n| *n += picked.len());
        leptos::task::spawn_local(async move {
            let count = picked.len();
            let mut added = Vec::new();
            for Picked { file, path } in picked {
                let known = self
                    .files
                    .with_untracked(|files| files.iter().any(|c| c.path == path));
                if known || added.iter().any(|c: &Chosen| c.path == path) {
                    continue;
                }
                let size = file.size();
                let problem = if size > MAX_IMAGE_BYTES {
                    Some(Problem::TooBig)
                } else if !looks_like_image(&file).await {
                    Some(Problem::NotAnImage)
                } else {
                    None
                };
                let thumbnail = problem.is_none().then(|| ObjectUrl::new(&file)).flatten();
                let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
                added.push(Chosen {
                    id,
                    path,
                    size,
                    url: thumbnail.as_ref().map(|u| u.as_str().to_owned()),
                    problem,
                });
                HELD.with(|held| {
                    held.borrow_mut().insert(
                        id,
                        Held {
                            file,
                            _thumbnail: thumbnail,
                        },
                    )
                });
            }
            let kept = self.files.try_update(|files| {
                files.extend(added.iter().cloned());
                files.sort_by(|a, b| a.path.cmp(&b.path));
            });
            if kept.is_none() {
                // The page went away while the files were checked.
                release(added.iter().map(|c| c.id));
                return;
            }
            self.checking.update(|n| *n = n.saturating_sub(count));
        });
    }

    /// One chosen file.
    pub fn get(self, id: u32) -> Option<Chosen> {
        self.files
            .with_untracked(|files| files.iter().find(|c| c.id == id).cloned())
    }

    pub fn remove(self, id: u32) {
        self.files.update(|files| files.retain(|c| c.id != id));
        release([id]);
    }

    pub fn clear(self) {
        let files = self.files.get_untracked();
        self.files.set(Vec::new());
        release(files.iter().map(|c| c.id));
    }

    /// How many chosen files will be uploaded.
    pub fn valid_count(self) -> usize {
        self.files
            .try_with(|files| files.iter().filter(|c| c.problem.is_none()).count())
            .unwrap_or(0)
    }
}

/// Lets go of files (revoking their thumbnails).
fn release(ids: impl IntoIterator<Item = u32>) {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        for id in ids {
            held.remove(&id);
        }
    });
}

impl Default for Selection {
    fn default() -> Self {
        Self::new()
    }
}

/// A size such as `2.4 MB`.
pub fn human_size(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KB", (bytes / 1024.0).ceil())
    }
}
