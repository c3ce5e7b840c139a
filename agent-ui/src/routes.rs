//! The app's screens, one per file.

pub mod desk;
pub mod sign_in;
pub mod splash;
