//! Reusable pieces of the UI.

mod auth_forms;
mod confirm;
mod guard;
mod header;
mod notice;
mod post_form;
mod status;
mod when;

pub use auth_forms::AuthForms;
pub use confirm::ConfirmButton;
pub use guard::RequireUser;
pub use header::Header;
pub use notice::{ErrorLine, LoadFailed, Loading, Notice, describe};
pub use post_form::PostForm;
pub use status::StatusBadge;
pub use when::When;
