//! File attachments against the real worker, with R2 as wrangler dev runs
//! it: uploads each way reach the other side as a message frame and
//! download byte for byte through a fresh signed link; refused uploads
//! (type, disguised content, size) store nothing; links are only given for
//! files their reader may read, of their own conversation; a tampered link
//! is refused; a retried upload is stored once; the files panel filters and
//! keeps to its reader.

use crate::message;
use anyhow::{bail, Context, Result};
use shared::api::ApiError;
use shared::files::{FileEntry, FileLink};
use shared::frame::{ErrorCode, Message, MessageKind, ServerFrame};
use std::time::Duration;
use tests::{Api, Socket, Worker};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const HTML: &[u8] = b"<html><body><script>alert(document.cookie)</script></body></html>";

struct Http {
    worker_base: String,
    client: reqwest::Client,
}

/// What an upload or a read answered.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("{} {}", self.status, String::from_utf8_lossy(&self.body)))
    }

    fn error(&self) -> Result<(ErrorCode, String)> {
        let e: ApiError = self.json()?;
        Ok((e.error.code, e.error.message))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl Http {
    fn new(worker: &Worker) -> Http {
        Http {
            worker_base: worker.url(""),
            client: worker.client(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Got> {
        let resp = req.send().await?;
        Ok(Got {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.bytes().await?.to_vec(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn upload(
        &self,
        token: &str,
        id: &str,
        name: &str,
        mime: &str,
        client_id: &str,
        kind: &str,
        bytes: &[u8],
    ) -> Result<Got> {
        let req = self
            .client
            .post(format!(
                "{}/api/v1/conversations/{id}/files",
                self.worker_base
            ))
            .query(&[("name", name), ("client_id", client_id), ("kind", kind)])
            .bearer_auth(token)
            .header("content-type", mime)
            .body(bytes.to_vec());
        self.send(req).await
    }

    async fn link(&self, token: &str, id: &str, file: &str) -> Result<Got> {
        let req = self
            .client
            .get(format!(
                "{}/api/v1/conversations/{id}/files/{file}/link",
                self.worker_base
            ))
            .bearer_auth(token);
        self.send(req).await
    }

    /// Downloads through a fresh link: the bytes and headers.
    async fn download(&self, token: &str, id: &str, file: &str) -> Result<Got> {
        let got = self.link(token, id, file).await?;
        if got.status != 200 {
            bail!(
                "no link: {} {}",
                got.status,
                String::from_utf8_lossy(&got.body)
            );
        }
        let link: FileLink = got.json()?;
        self.get(&link.url).await
    }

    async fn get(&self, path: &str) -> Result<Got> {
        self.send(self.client.get(format!("{}{path}", self.worker_base)))
            .await
    }

    async fn files(&self, token: &str, id: &str, query: &str) -> Result<Vec<FileEntry>> {
        let req = self
            .client
            .get(format!(
                "{}/api/v1/agent/conversations/{id}/files?{query}",
                self.worker_base
            ))
            .bearer_auth(token);
        let got = self.send(req).await?;
        if got.status != 200 {
            bail!(
                "files: {} {}",
                got.status,
                String::from_utf8_lossy(&got.body)
            );
        }
        got.json()
    }
}

fn file_messages(frames: &[ServerFrame]) -> Vec<&Message> {
    frames
        .iter()
        .filter_map(message)
        .filter(|m| m.attachment.is_some())
        .collect()
}

/// A visitor's conversation taken by Anna, with both sockets joined.
async fn taken(api: &Api) -> Result<(String, String, Socket, String, Socket)> {
    let visitor = api.visitor().await?;
    let (id, mut live) = api.first_message(&visitor, "hello").await?;
    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let (mut anna_socket, _) = api.join(&id, &anna.token, 0).await?;
    let _ = live.drain(Duration::from_millis(300)).await;
    let _ = anna_socket.drain(Duration::from_millis(300)).await;
    Ok((id, visitor.token, live, anna.token, anna_socket))
}

#[tokio::test]
async fn files_go_both_ways_and_download_byte_for_byte() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let http = Http::new(&worker);
    let (id, visitor, mut live, anna, mut anna_socket) = taken(&api).await?;

    // Visitor → agent: an image.
    let sent = http
        .upload(
            &visitor,
            &id,
            "screen shot.png",
            "image/png",
            "vf-1",
            "text",
            PNG,
        )
        .await?;
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
    let stored: Message = sent.json()?;
    let file = stored
        .attachment
        .clone()
        .context("the message carries the file")?;
    assert_eq!(
        (file.name.as_str(), file.mime.as_str(), file.size),
        ("screen shot.png", "image/png", PNG.len() as u64)
    );
    let frames = anna_socket.drain(Duration::from_millis(500)).await;
    assert_eq!(
        file_messages(&frames),
        vec![&stored],
        "Anna gets the message frame"
    );
    let got = http.download(&anna, &id, &file.id).await?;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, PNG, "the exact bytes");
    assert_eq!(got.header("content-type"), "image/png");
    assert_eq!(got.header("content-disposition"), "inline");
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert_eq!(got.header("content-security-policy"), "sandbox");
    assert_eq!(got.header("cache-control"), "private, max-age=300");

    // A retried upload (same client id) answers the same message, once.
    let again = http
        .upload(
            &visitor,
            &id,
            "screen shot.png",
            "image/png",
            "vf-1",
            "text",
            PNG,
        )
        .await?;
    assert_eq!(again.status, 200);
    assert_eq!(again.json::<Message>()?, stored);
    assert!(
        file_messages(&anna_socket.drain(Duration::from_millis(400)).await).is_empty(),
        "nothing new reaches Anna"
    );

    // Agent → visitor: a PDF.
    let sent = http
        .upload(
            &anna,
            &id,
            "Offer é.pdf",
            "application/pdf",
            "af-1",
            "text",
            PDF,
        )
        .await?;
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
    let offer: Message = sent.json()?;
    let frames = live.drain(Duration::from_millis(500)).await;
    // The visitor's socket also got its own upload (its HTTP answer came
    // first; the client knows it by its client id).
    assert_eq!(
        file_messages(&frames),
        vec![&stored, &offer],
        "the visitor gets the frame"
    );
    let offer_file = offer.attachment.context("a file")?;
    let got = http.download(&visitor, &id, &offer_file.id).await?;
    assert_eq!(got.body, PDF);
    assert_eq!(got.header("content-type"), "application/pdf");
    assert_eq!(
        got.header("content-disposition"),
        "attachment; filename*=UTF-8''Offer%20%C3%A9.pdf"
    );

    // Stored once: the files panel lists two files.
    let listed = http.files(&anna, &id, "").await?;
    let names: Vec<&str> = listed.iter().map(|e| e.attachment.name.as_str()).collect();
    assert_eq!(names, ["Offer é.pdf", "screen shot.png"], "newest first");
    Ok(())
}

#[tokio::test]
async fn refused_uploads_say_why_and_store_nothing() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let http = Http::new(&worker);
    let (id, visitor, _live, anna, mut anna_socket) = taken(&api).await?;

    let html = http
        .upload(&visitor, &id, "page.html", "text/html", "x-1", "text", HTML)
        .await?;
    assert_eq!(html.status, 403);
    assert_eq!(
        html.error()?,
        (
            ErrorCode::Forbidden,
            "files of type text/html are not accepted here".into()
        )
    );
    let disguised = http
        .upload(&visitor, &id, "cat.png", "image/png", "x-2", "text", HTML)
        .await?;
    assert_eq!(disguised.status, 400);
    assert_eq!(
        disguised.error()?,
        (
            ErrorCode::BadRequest,
            "the file's content is not a PNG image: it does not start like one".into()
        )
    );
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let oversized = http
        .upload(&visitor, &id, "big.txt", "text/plain", "x-3", "text", &big)
        .await?;
    assert_eq!(oversized.status, 413);
    assert_eq!(
        oversized.error()?,
        (
            ErrorCode::TooLarge,
            "the file is larger than the 10 MB allowed".into()
        )
    );
    let unnamed = http
        .upload(&visitor, &id, "", "text/plain", "x-4", "text", b"hi")
        .await?;
    assert_eq!(unnamed.status, 400);
    // Without a token, or with another visitor's.
    let stranger = api.visitor().await?;
    let theirs = http
        .upload(
            &stranger.token,
            &id,
            "a.txt",
            "text/plain",
            "x-5",
            "text",
            b"hi",
        )
        .await?;
    assert_eq!(theirs.status, 403);
    let anonymous = http
        .upload("", &id, "a.txt", "text/plain", "x-6", "text", b"hi")
        .await?;
    assert_eq!(anonymous.status, 401);

    assert!(file_messages(&anna_socket.drain(Duration::from_millis(400)).await).is_empty());
    assert!(
        http.files(&anna, &id, "").await?.is_empty(),
        "nothing stored"
    );
    Ok(())
}

#[tokio::test]
async fn links_are_given_only_to_readers_and_cannot_be_forged() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let http = Http::new(&worker);
    let (a, visitor_a, mut live_a, anna, _anna_socket) = taken(&api).await?;
    let (b, visitor_b, _live_b, _, _) = taken(&api).await?;

    let in_b: Message = http
        .upload(
            &visitor_b,
            &b,
            "b.txt",
            "text/plain",
            "b-1",
            "text",
            b"secret of b",
        )
        .await?
        .json()?;
    let b_file = in_b.attachment.context("a file")?;
    // B's file asked on A: not there, for A's visitor or for Anna.
    let asked = http.link(&visitor_a, &a, &b_file.id).await?;
    assert_eq!(
        asked.status,
        404,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    assert_eq!(http.link(&anna, &a, &b_file.id).await?.status, 404);
    // And A's visitor cannot ask on B.
    assert_eq!(http.link(&visitor_a, &b, &b_file.id).await?.status, 403);

    // A note's file: Anna's, never linked for the visitor.
    let note: Message = http
        .upload(
            &anna,
            &a,
            "internal.txt",
            "text/plain",
            "n-1",
            "note",
            b"agents only",
        )
        .await?
        .json()?;
    assert_eq!(note.kind, MessageKind::Note);
    let note_file = note.attachment.context("a file")?;
    let refused = http.link(&visitor_a, &a, &note_file.id).await?;
    assert_eq!(refused.status, 403);
    assert!(file_messages(&live_a.drain(Duration::from_millis(400)).await).is_empty());
    assert_eq!(
        http.download(&anna, &a, &note_file.id).await?.body,
        b"agents only"
    );

    // A tampered link: another file id under the same signature.
    let link: FileLink = http.link(&anna, &a, &note_file.id).await?.json()?;
    assert!(link.expires_at > 0);
    let tampered = link.url.replace(&note_file.id, &b_file.id);
    let got = http.get(&tampered).await?;
    assert_eq!(got.status, 403);
    assert_eq!(
        got.error()?,
        (ErrorCode::Forbidden, "this link is not valid".into())
    );
    let forged = http
        .get("/api/v1/files/f1.c_x.f_y.99999999999999.AAAA")
        .await?;
    assert_eq!(forged.status, 403);
    Ok(())
}

#[tokio::test]
async fn the_files_panel_filters_and_keeps_whispers_to_their_readers() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let http = Http::new(&worker);
    let (id, visitor, _live, anna, _anna_socket) = taken(&api).await?;
    let mark = api.login("mark@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let invited = api
        .act(
            &anna,
            &id,
            "invite",
            serde_json::json!({ "username": "@ben" }),
        )
        .await?;
    assert_eq!(invited.status, 200, "{}", invited.body);

    let up = |token: String,
              name: &'static str,
              mime: &'static str,
              cid: &'static str,
              kind: &'static str,
              bytes: &'static [u8]| {
        let http = &http;
        let id = id.clone();
        async move {
            let got = http
                .upload(&token, &id, name, mime, cid, kind, bytes)
                .await?;
            if got.status != 200 {
                bail!(
                    "{name}: {} {}",
                    got.status,
                    String::from_utf8_lossy(&got.body)
                );
            }
            Ok(())
        }
    };
    up(
        visitor.clone(),
        "Screenshot.png",
        "image/png",
        "1",
        "text",
        PNG,
    )
    .await?;
    up(
        anna.clone(),
        "offer.pdf",
        "application/pdf",
        "2",
        "text",
        PDF,
    )
    .await?;
    up(
        anna.clone(),
        "call notes.txt",
        "text/plain",
        "3",
        "note",
        b"notes",
    )
    .await?;
    up(
        mark.token.clone(),
        "tips.txt",
        "text/plain",
        "4",
        "whisper",
        b"tips",
    )
    .await?;

    let names = |entries: Vec<FileEntry>| -> Vec<String> {
        entries.into_iter().map(|e| e.attachment.name).collect()
    };
    assert_eq!(
        names(http.files(&mark.token, &id, "").await?),
        ["tips.txt", "call notes.txt", "offer.pdf", "Screenshot.png"]
    );
    assert_eq!(
        names(http.files(&anna, &id, "").await?),
        ["tips.txt", "call notes.txt", "offer.pdf", "Screenshot.png"],
        "the whisper is to Anna"
    );
    assert_eq!(
        names(http.files(&ben.token, &id, "").await?),
        ["call notes.txt", "offer.pdf", "Screenshot.png"],
        "Ben, invited, reads notes but not another agent's whisper"
    );
    assert_eq!(
        names(http.files(&anna, &id, "q=SCREEN").await?),
        ["Screenshot.png"]
    );
    assert_eq!(
        names(http.files(&anna, &id, "type=pdf").await?),
        ["offer.pdf"]
    );
    assert_eq!(
        names(http.files(&anna, &id, "type=image").await?),
        ["Screenshot.png"]
    );
    assert_eq!(
        names(http.files(&anna, &id, "type=other&q=notes").await?),
        ["call notes.txt"]
    );
    // Sam works another department: the workspace does not let him open it.
    let sam = api.login("sam@demo.test").await?;
    assert!(http.files(&sam.token, &id, "").await.is_err());
    // A visitor token is not an agent's.
    assert!(http.files(&visitor, &id, "").await.is_err());
    Ok(())
}
