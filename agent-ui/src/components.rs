//! The pieces the signed-in desk is drawn with.

pub mod all_chats_pane;
pub mod attach_button;
pub mod canned_panel;
pub mod chat_history;
pub mod close_dialog;
pub mod composer;
pub mod conversation;
pub mod conversation_actions;
pub mod dialog;
pub mod file_view;
pub mod files_panel;
pub mod forward_dialog;
pub mod message_list;
pub mod notice_line;
pub mod offer_card;
pub mod offline_messages;
pub mod priority_select;
pub mod room_information;
pub mod search_messages;
pub mod sidebar;
pub mod status_menu;
