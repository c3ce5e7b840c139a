//! The components of the chat, one per file. They draw plain values handed
//! to them as signals and report what the visitor does through callbacks;
//! none of them knows of the socket or of `ChatState`.

pub mod attach_button;
pub mod checkmark;
pub mod composer;
pub mod emoji_picker;
pub mod end_confirm;
pub mod file_view;
pub mod header;
pub mod message_line;
pub mod message_log;
pub mod notice_bar;
pub mod offline_form;
pub mod queue_status;
