//! Reading and writing the database by domain, below the services that hold the rules and the
//! queue that runs the tasks.

pub mod batches;
pub mod credits;
pub mod keys;
pub mod presets;
pub mod settings;
pub mod stats;
pub mod tasks;
pub mod tokens;
pub mod users;
