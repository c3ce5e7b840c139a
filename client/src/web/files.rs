//! The file calls of both apps: an upload of a `File` from a file input as
//! the raw body, a fresh signed link, and the files panel's list.

use super::http;
use crate::files::{link_path, upload_path, upload_query};
use crate::http::HttpError;
use shared::files::{FileEntry, FileLink};
use shared::frame::{Message, SendKind};
use shared::ids::ClientMsgId;

/// Uploads `file` to the conversation; answers the stored message.
pub async fn upload(
    conversation: &str,
    token: &str,
    file: &web_sys::File,
    client_id: &ClientMsgId,
    kind: SendKind,
) -> Result<Message, HttpError> {
    let query = upload_query(&file.name(), client_id, kind);
    let mime = match file.type_() {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    http::upload(&upload_path(conversation), Some(token), &query, file, &mime).await
}

/// A link to a file, valid for a few minutes.
pub async fn link(conversation: &str, token: &str, file: &str) -> Result<FileLink, HttpError> {
    http::get(&link_path(conversation, file), Some(token)).await
}

/// The files panel: `q` a part of the name, `kind` `image`, `pdf`,
/// `other` or empty for all.
pub async fn list(
    conversation: &str,
    token: &str,
    q: &str,
    kind: &str,
) -> Result<Vec<FileEntry>, HttpError> {
    let q = String::from(js_sys::encode_uri_component(q));
    http::get(
        &format!("/api/v1/agent/conversations/{conversation}/files?q={q}&type={kind}"),
        Some(token),
    )
    .await
}
