//! Reusable pieces of the UI.

mod auth_forms;
mod signed_in;

pub use auth_forms::AuthForms;
pub use signed_in::SignedIn;
