//! The images chosen for a new batch, checked in the browser before anything is sent.

use std::rc::Rc;

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

/// One chosen file.
#[derive(Clone)]
pub struct Chosen {
    pub id: u32,
    pub path: String,
    pub size: f64,
    pub file: File,
    /// A thumbnail, for images only; revoked when the last copy is dropped.
    pub url: Option<Rc<ObjectUrl>>,
    pub problem: Option<Problem>,
}

/// The chosen files, in path order.
#[derive(Clone, Copy)]
pub struct Selection {
    pub files: RwSignal<Vec<Chosen>, LocalStorage>,
    next_id: StoredValue<u32>,
    /// Files being checked right now.
    pub checking: RwSignal<usize>,
}

impl Selection {
    pub fn new() -> Self {
        Self {
            files: RwSignal::new_local(Vec::new()),
            next_id: StoredValue::new(0),
            checking: RwSignal::new(0),
        }
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
                let url = problem
                    .is_none()
                    .then(|| ObjectUrl::new(&file))
                    .flatten()
                    .map(Rc::new);
                let id = self.next_id.get_value();
                self.next_id.set_value(id + 1);
                added.push(Chosen {
                    id,
                    path,
                    size,
                    file,
                    url,
                    problem,
                });
            }
            self.files.update(|files| {
                files.extend(added);
                files.sort_by(|a, b| a.path.cmp(&b.path));
            });
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
    }

    pub fn clear(self) {
        self.files.set(Vec::new());
    }

    /// How many chosen files will be uploaded.
    pub fn valid_count(self) -> usize {
        self.files
            .with(|files| files.iter().filter(|c| c.problem.is_none()).count())
    }
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
