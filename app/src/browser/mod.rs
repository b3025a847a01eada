//! Thin wrappers over the browser APIs the pages need (files and folders, object URLs, uploads
//! with progress, Server-Sent Events). They compile everywhere but only run in the browser.

pub mod files;
pub mod live;
pub mod object_url;
pub mod xhr;
