//! Attachments: whether a workspace's policy is sound, whether an upload is
//! allowed (size, declared type, name, and first bytes that agree with the
//! declared type), how a download is presented, and the files panel's list.
//! Each refusal is a sentence for people.

use crate::conversation::{Reader, Refusal};
use shared::files::{
    Attachment, FileEntry, FilePolicy, FileType, MAX_FILE_BYTES_CAP, MAX_FILE_NAME_CHARS,
};
use shared::frame::{ErrorCode, Message};

/// Most types a policy lists.
pub const MAX_POLICY_TYPES: usize = 64;

/// How many first bytes [`check_upload`] looks at.
pub const SNIFF_BYTES: usize = 16;

/// Checks a workspace's file policy (part of its setup).
pub fn check_policy(policy: &FilePolicy) -> Result<(), String> {
    if policy.max_bytes == 0 || policy.max_bytes > MAX_FILE_BYTES_CAP {
        return Err(format!(
            "files: max_bytes is 1 to {MAX_FILE_BYTES_CAP} bytes (25 MiB)"
        ));
    }
    if policy.types.len() > MAX_POLICY_TYPES {
        return Err(format!("files: at most {MAX_POLICY_TYPES} types"));
    }
    for t in &policy.types {
        if !is_mime(t) {
            return Err(format!(
                "files: \"{t}\" is not a MIME type such as image/png (lowercase)"
            ));
        }
        // Pages and scripts would run on the product's origin if ever shown.
        if t == "text/html" || t == "image/svg+xml" || t.contains("javascript") {
            return Err(format!(
                "files: \"{t}\" cannot be accepted: it can carry scripts"
            ));
        }
    }
    Ok(())
}

fn is_mime(t: &str) -> bool {
    let Some((top, sub)) = t.split_once('/') else {
        return false;
    };
    let part = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | '_')
            })
    };
    part(top) && part(sub)
}

/// The MIME type of a `Content-Type` header: its parameters dropped,
/// lowercased.
pub fn declared_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Checks a file's name: what [`check_upload`] keeps, trimmed.
pub fn check_name(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(bad("a file needs a name"));
    }
    if chars > MAX_FILE_NAME_CHARS {
        return Err(bad(&format!(
            "a file name has at most {MAX_FILE_NAME_CHARS} characters, this one has {chars}"
        )));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(bad(
            "a file name cannot contain slashes or control characters",
        ));
    }
    if name == "." || name == ".." {
        return Err(bad("a file name cannot be . or .."));
    }
    Ok(name.to_owned())
}

/// The size limit alone, as checked while the body is read: `Err` once
/// `size` passes the policy's limit.
pub fn check_size(policy: &FilePolicy, size: u64) -> Result<(), Refusal> {
    if size > policy.max_bytes {
        return Err(Refusal {
            code: ErrorCode::TooLarge,
            message: format!(
                "the file is larger than the {} allowed",
                human_size(policy.max_bytes)
            ),
        });
    }
    Ok(())
}

/// Whether an upload is allowed. `content_type` is the request's header,
/// `bytes` the whole file. Answers the attachment to store, with `id`.
pub fn check_upload(
    policy: &FilePolicy,
    id: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Attachment, Refusal> {
    let name = check_name(name)?;
    let size = bytes.len() as u64;
    check_size(policy, size)?;
    if size == 0 {
        return Err(bad("the file is empty"));
    }
    let mime = declared_type(content_type);
    if mime.is_empty() {
        return Err(bad("say the file's type in the Content-Type header"));
    }
    if !policy.types.contains(&mime) {
        return Err(Refusal {
            code: ErrorCode::Forbidden,
            message: format!("files of type {mime} are not accepted here"),
        });
    }
    if !content_agrees(&mime, bytes) {
        return Err(bad(&format!(
            "the file's content is not {}: it does not start like one",
            kind_word(&mime)
        )));
    }
    Ok(Attachment {
        id: id.to_owned(),
        name,
        mime,
        size,
    })
}

/// Whether the first bytes agree with the declared type, for the types
/// that have a signature (images and PDF). Other types are not sniffed.
pub fn content_agrees(mime: &str, bytes: &[u8]) -> bool {
    match mime {
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        _ if mime.starts_with("image/") => false,
        _ => true,
    }
}

fn kind_word(mime: &str) -> String {
    match mime {
        "application/pdf" => "a PDF".into(),
        m => match m.strip_prefix("image/") {
            Some(sub) => format!("a {} image", sub.to_ascii_uppercase()),
            None => m.to_owned(),
        },
    }
}

fn bad(message: &str) -> Refusal {
    Refusal {
        code: ErrorCode::BadRequest,
        message: message.to_owned(),
    }
}

/// A size in words: `512 bytes`, `3.2 KB`, `10 MB` (powers of 1024).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    let tenths = |n: u64, unit: u64| {
        let t = (n * 10 + unit / 2) / unit;
        if t.is_multiple_of(10) {
            format!("{}", t / 10)
        } else {
            format!("{}.{}", t / 10, t % 10)
        }
    };
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < MB => format!("{} KB", tenths(b, KB)),
        b => format!("{} MB", tenths(b, MB)),
    }
}

/// Where a conversation's file is kept in object storage.
pub fn storage_key(conversation: &str, file: &str) -> String {
    format!("conversations/{conversation}/{file}")
}

/// The `Content-Disposition` of a download: images show inline (so
/// previews work), anything else downloads under its name.
pub fn disposition(mime: &str, name: &str) -> String {
    if FileType::of(mime) == FileType::Image {
        return "inline".into();
    }
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// The files panel: the attachments of `messages` that `reader` may read,
/// newest first, whose name contains `q` (any case), of `kind` if given.
pub fn list<'a>(
    messages: impl IntoIterator<Item = &'a Message>,
    reader: &Reader,
    q: &str,
    kind: Option<FileType>,
) -> Vec<FileEntry> {
    let q = q.trim().to_lowercase();
    let mut entries: Vec<FileEntry> = messages
        .into_iter()
        .filter(|m| reader.may_read(m))
        .filter_map(|m| {
            let a = m.attachment.as_ref()?;
            let wanted = kind.is_none_or(|k| a.file_type() == k)
                && (q.is_empty() || a.name.to_lowercase().contains(&q));
            wanted.then(|| FileEntry {
                seq: m.seq,
                author: m.author.clone(),
                kind: m.kind,
                sent_at: m.sent_at,
                attachment: a.clone(),
            })
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.4\n%...";

    #[track_caller]
    fn check(name: &str, ty: &str, bytes: &[u8], expected: Result<(), (ErrorCode, &str)>) {
        let got = check_upload(&FilePolicy::default(), "f_1", name, ty, bytes)
            .map(|_| ())
            .map_err(|r| (r.code, r.message));
        let expected = expected.map_err(|(c, m)| (c, m.to_owned()));
        assert_eq!(got, expected, "{name} {ty}");
    }

    #[test]
    fn uploads() {
        check("shot.png", "image/png", PNG, Ok(()));
        check("shot.png", "IMAGE/PNG; charset=binary", PNG, Ok(()));
        check("offer.pdf", "application/pdf", PDF, Ok(()));
        check("notes.txt", "text/plain", b"hello", Ok(()));
        check("a.gif", "image/gif", b"GIF89a....", Ok(()));
        check("a.jpg", "image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0], Ok(()));
        check("a.webp", "image/webp", b"RIFF\0\0\0\0WEBPVP8 ", Ok(()));
        let html = b"<html><script>alert(1)</script></html>";
        check(
            "cat.png",
            "image/png",
            html,
            Err((
                ErrorCode::BadRequest,
                "the file's content is not a PNG image: it does not start like one",
            )),
        );
        check(
            "cat.pdf",
            "application/pdf",
            html,
            Err((
                ErrorCode::BadRequest,
                "the file's content is not a PDF: it does not start like one",
            )),
        );
        check(
            "page.html",
            "text/html",
            html,
            Err((
                ErrorCode::Forbidden,
                "files of type text/html are not accepted here",
            )),
        );
        check(
            "x",
            "",
            b"x",
            Err((
                ErrorCode::BadRequest,
                "say the file's type in the Content-Type header",
            )),
        );
        check(
            "empty.txt",
            "text/plain",
            b"",
            Err((ErrorCode::BadRequest, "the file is empty")),
        );
        check(
            "  ",
            "text/plain",
            b"x",
            Err((ErrorCode::BadRequest, "a file needs a name")),
        );
        check(
            "../etc",
            "text/plain",
            b"x",
            Err((
                ErrorCode::BadRequest,
                "a file name cannot contain slashes or control characters",
            )),
        );
        check(
            "a\nb.txt",
            "text/plain",
            b"x",
            Err((
                ErrorCode::BadRequest,
                "a file name cannot contain slashes or control characters",
            )),
        );
        check(
            "..",
            "text/plain",
            b"x",
            Err((ErrorCode::BadRequest, "a file name cannot be . or ..")),
        );
        let long = "a".repeat(201);
        check(
            &long,
            "text/plain",
            b"x",
            Err((
                ErrorCode::BadRequest,
                "a file name has at most 200 characters, this one has 201",
            )),
        );
        check(&"é".repeat(200), "text/plain", b"x", Ok(()));
    }

    #[test]
    fn sizes() {
        let small = FilePolicy {
            max_bytes: 4,
            ..FilePolicy::default()
        };
        assert!(check_upload(&small, "f", "a.txt", "text/plain", b"abcd").is_ok());
        let refused = check_upload(&small, "f", "a.txt", "text/plain", b"abcde").unwrap_err();
        assert_eq!(refused.code, ErrorCode::TooLarge);
        assert_eq!(
            refused.message,
            "the file is larger than the 4 bytes allowed"
        );
        let r = check_size(&FilePolicy::default(), 10 * 1024 * 1024 + 1).unwrap_err();
        assert_eq!(r.message, "the file is larger than the 10 MB allowed");
        assert!(check_size(&FilePolicy::default(), 10 * 1024 * 1024).is_ok());
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(999), "999 bytes");
    }

    #[test]
    fn policies() {
        assert_eq!(check_policy(&FilePolicy::default()), Ok(()));
        let with = |max_bytes: u64, types: &[&str]| FilePolicy {
            max_bytes,
            types: types.iter().map(|t| (*t).to_owned()).collect(),
        };
        assert_eq!(
            check_policy(&with(25 * 1024 * 1024, &["image/png"])),
            Ok(())
        );
        assert!(check_policy(&with(25 * 1024 * 1024 + 1, &[])).is_err());
        assert!(check_policy(&with(0, &[])).is_err());
        assert!(check_policy(&with(10, &["png"])).is_err());
        assert!(check_policy(&with(10, &["Image/PNG"])).is_err());
        assert!(check_policy(&with(10, &["text/html"])).is_err());
        assert!(check_policy(&with(10, &["image/svg+xml"])).is_err());
    }

    #[test]
    fn dispositions() {
        assert_eq!(disposition("image/png", "a b.png"), "inline");
        assert_eq!(
            disposition("application/pdf", "Offer 1 \"é\".pdf"),
            "attachment; filename*=UTF-8''Offer%201%20%22%C3%A9%22.pdf"
        );
        assert_eq!(storage_key("c_1", "f_2"), "conversations/c_1/f_2");
    }
}
