//! One module per page.

mod account;
mod admin;
mod batch;
mod history;
mod home;
mod login;
mod new_batch;
mod not_found;

pub use account::AccountPage;
pub use admin::AdminPage;
#[cfg(feature = "ssr")]
pub(crate) use admin::charts_html;
pub use batch::BatchPage;
pub use history::HistoryPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use new_batch::NewBatchPage;
pub use not_found::NotFound;
