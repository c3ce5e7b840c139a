//! The pieces the signed-in desk is drawn with.

pub mod composer;
pub mod conversation;
pub mod message_list;
pub mod sidebar;
