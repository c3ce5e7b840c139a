//! Files a person sends and reads, pure: the pending line of each upload
//! (its name, size, whether it is under way or failed and why, retried with
//! its client id), the API's paths, and the signed links already fetched,
//! kept until shortly before they expire. The requests are
//! `web::files` (feature `web`).

use crate::http::HttpError;
use shared::files::{Attachment, FileLink, FileType};
use shared::frame::SendKind;
use shared::ids::ClientMsgId;
use std::collections::BTreeMap;

/// A link is fetched again this long before it expires, in milliseconds.
pub const LINK_MARGIN_MS: i64 = 30_000;

/// Where an upload is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// Sent, not answered yet.
    Uploading,
    /// Refused or lost: the reason, for people.
    Failed(String),
}

/// One file being sent: a pending line until the server answers the
/// stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingUpload {
    /// Sent with the file, the same on every retry.
    pub client_id: ClientMsgId,
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// A file to the conversation, or a note's.
    pub kind: SendKind,
    /// Under way or failed.
    pub state: UploadState,
}

/// The uploads of one conversation not stored yet, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uploads {
    list: Vec<PendingUpload>,
}

impl Uploads {
    /// A new upload is under way.
    pub fn start(&mut self, client_id: ClientMsgId, name: String, size: u64, kind: SendKind) {
        self.list.push(PendingUpload {
            client_id,
            name,
            size,
            kind,
            state: UploadState::Uploading,
        });
    }

    /// The server stored it: the pending line goes (the stored message
    /// takes its place).
    pub fn stored(&mut self, client_id: &ClientMsgId) {
        self.list.retain(|u| &u.client_id != client_id);
    }

    /// The server refused it, or it never arrived.
    pub fn failed(&mut self, client_id: &ClientMsgId, error: &HttpError) {
        if let Some(u) = self.list.iter_mut().find(|u| &u.client_id == client_id) {
            u.state = UploadState::Failed(reason(error));
        }
    }

    /// "Retry": true when the upload failed and goes out again now, with
    /// its client id (a retry is never stored twice).
    pub fn retry(&mut self, client_id: &ClientMsgId) -> bool {
        match self.list.iter_mut().find(|u| &u.client_id == client_id) {
            Some(u) if matches!(u.state, UploadState::Failed(_)) => {
                u.state = UploadState::Uploading;
                true
            }
            _ => false,
        }
    }

    /// The person gave up on a failed upload.
    pub fn dismiss(&mut self, client_id: &ClientMsgId) {
        self.list.retain(|u| &u.client_id != client_id);
    }

    /// The pending lines, oldest first.
    pub fn pending(&self) -> &[PendingUpload] {
        &self.list
    }
}

/// Why an upload failed, for people: the server's sentence when it gave
/// one.
pub fn reason(error: &HttpError) -> String {
    match error {
        HttpError::Network => "The file could not be sent: check the connection and retry.".into(),
        HttpError::BadBody => "The server's answer was not understood; retry.".into(),
        HttpError::Status { message, .. } => match message {
            Some(m) if !m.is_empty() => {
                let mut chars = m.chars();
                let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
                format!("{}{}.", first.unwrap_or_default(), chars.as_str())
            }
            _ => "The file was refused.".into(),
        },
    }
}

/// A size in words: `512 bytes`, `3.2 KB`, `10 MB`.
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    let tenths = |unit: u64| {
        let t = (bytes * 10 + unit / 2) / unit;
        if t.is_multiple_of(10) {
            format!("{}", t / 10)
        } else {
            format!("{}.{}", t / 10, t % 10)
        }
    };
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", tenths(KB))
    } else {
        format!("{} MB", tenths(MB))
    }
}

/// Whether a message's file shows as a preview (an image) rather than a
/// download link.
pub fn is_preview(attachment: &Attachment) -> bool {
    attachment.file_type() == FileType::Image
}

/// `POST` here, with `name`, `client_id` and `kind` as the query.
pub fn upload_path(conversation: &str) -> String {
    format!("/api/v1/conversations/{conversation}/files")
}

/// The query of an upload.
pub fn upload_query(
    name: &str,
    client_id: &ClientMsgId,
    kind: SendKind,
) -> [(&'static str, String); 3] {
    let kind = match kind {
        SendKind::Text => "text",
        SendKind::Note => "note",
        SendKind::Whisper => "whisper",
    };
    [
        ("name", name.to_owned()),
        ("client_id", client_id.0.clone()),
        ("kind", kind.to_owned()),
    ]
}

/// `GET` a fresh link to a file here.
pub fn link_path(conversation: &str, file: &str) -> String {
    format!("/api/v1/conversations/{conversation}/files/{file}/link")
}

/// The signed links fetched so far, by file id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    links: BTreeMap<String, FileLink>,
}

impl Links {
    /// A link to `file` still good at `now` (with a margin), if fetched.
    pub fn fresh(&self, file: &str, now: i64) -> Option<&str> {
        self.links
            .get(file)
            .filter(|l| l.expires_at - LINK_MARGIN_MS > now)
            .map(|l| l.url.as_str())
    }

    /// Keeps a link just fetched.
    pub fn keep(&mut self, file: &str, link: FileLink) {
        self.links.insert(file.to_owned(), link);
    }

    /// When the link to `file` must be fetched again, if it is kept.
    pub fn refresh_at(&self, file: &str) -> Option<i64> {
        self.links.get(file).map(|l| l.expires_at - LINK_MARGIN_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ErrorCode;

    fn id(s: &str) -> ClientMsgId {
        ClientMsgId(s.into())
    }

    #[test]
    fn an_upload_fails_with_its_reason_retries_and_goes_once_stored() {
        let mut u = Uploads::default();
        u.start(id("f-1"), "a.png".into(), 2048, SendKind::Text);
        u.start(id("f-2"), "b.pdf".into(), 10, SendKind::Note);
        assert!(!u.retry(&id("f-1")), "under way: nothing to retry");
        u.failed(
            &id("f-1"),
            &HttpError::Status {
                status: 413,
                code: ErrorCode::TooLarge,
                message: Some("the file is larger than the 10 MB allowed".into()),
            },
        );
        assert_eq!(
            u.pending()[0].state,
            UploadState::Failed("The file is larger than the 10 MB allowed.".into())
        );
        assert!(u.retry(&id("f-1")));
        assert_eq!(u.pending()[0].state, UploadState::Uploading);
        u.failed(&id("f-1"), &HttpError::Network);
        assert!(
            matches!(&u.pending()[0].state, UploadState::Failed(r) if r.contains("connection"))
        );
        u.stored(&id("f-2"));
        assert_eq!(u.pending().len(), 1);
        u.dismiss(&id("f-1"));
        assert!(u.pending().is_empty());
    }

    #[test]
    fn links_are_fetched_again_before_they_expire() {
        let mut links = Links::default();
        assert_eq!(links.fresh("f", 0), None);
        links.keep(
            "f",
            FileLink {
                url: "/api/v1/files/t".into(),
                expires_at: 300_000,
            },
        );
        assert_eq!(links.fresh("f", 0), Some("/api/v1/files/t"));
        assert_eq!(links.fresh("f", 269_999), Some("/api/v1/files/t"));
        assert_eq!(links.fresh("f", 270_000), None, "within the margin");
        assert_eq!(links.refresh_at("f"), Some(270_000));
    }

    #[test]
    fn words_and_paths() {
        assert_eq!(size_text(12), "12 bytes");
        assert_eq!(size_text(2048), "2 KB");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(10 * 1024 * 1024), "10 MB");
        assert_eq!(
            upload_query("a b.png", &id("c-1"), SendKind::Note)[2],
            ("kind", "note".to_owned())
        );
        assert_eq!(
            link_path("c_1", "f_2"),
            "/api/v1/conversations/c_1/files/f_2/link"
        );
        let a = |mime: &str| Attachment {
            id: "f".into(),
            name: "n".into(),
            mime: mime.into(),
            size: 1,
        };
        assert!(is_preview(&a("image/png")));
        assert!(!is_preview(&a("application/pdf")));
    }
}
