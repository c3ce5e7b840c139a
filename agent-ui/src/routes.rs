//! The app's screens, one per file.

pub mod desk;
pub mod invite;
pub mod reset;
pub mod sign_in;
pub mod signup;
pub mod splash;
