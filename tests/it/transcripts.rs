//! Transcripts against the real worker: "Export as PDF" only of a closed
//! conversation and only with the permission, its text read back out of
//! the PDF; "Send via email" to the visitor through the local mail sink.
//! Neither ever carries a note or a whisper.

use anyhow::Result;
use serde_json::json;
use shared::frame::{ClientFrame, SendKind, ServerFrame};
use tests::{demo_workspace, Worker, SETUP_TOKEN};

#[tokio::test]
async fn a_closed_chat_exports_as_pdf_and_is_emailed_without_its_notes() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, _live) = api
        .first_message(&visitor, "Bonjour, j'ai un problème: ошибка 42")
        .await?;
    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let (mut socket, _) = api.join(&id, &anna.token, 0).await?;
    for (cid, text, kind) in [
        ("n-1", "NOTE secret for agents", SendKind::Note),
        ("a-1", "Your order ships today.", SendKind::Text),
    ] {
        socket
            .send(&ClientFrame::Send {
                client_id: cid.into(),
                text: text.into(),
                kind,
            })
            .await?;
        socket
            .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await?;
    }
    let path = format!("/api/v1/agent/conversations/{id}/transcript.pdf");
    // Not while it is open.
    let (status, _, body) = api.bytes(&path, Some(&anna.token)).await?;
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("still open"));
    let closed = api
        .act(
            &anna.token,
            &id,
            "close",
            json!({ "comment": "Solved, thanks" }),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);

    let (status, kind, pdf) = api.bytes(&path, Some(&anna.token)).await?;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    let text = pdf_extract::extract_text_from_mem(&pdf)?;
    for expected in [
        "problème",
        "ошибка 42",
        "Your order ships today.",
        "Solved, thanks",
        "Anna",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(!text.contains("NOTE secret"), "a note in the PDF: {text}");

    // Nobody else's: a visitor token, and an agent of another department.
    let (status, _, _) = api.bytes(&path, Some(&visitor.token)).await?;
    assert_eq!(status, 401);
    let sam = api.login("sam@demo.test").await?;
    let (status, _, _) = api.bytes(&path, Some(&sam.token)).await?;
    assert_eq!(status, 403);

    // Emailed to the visitor: the sink holds it, without the note.
    let email_path = format!("/api/v1/agent/conversations/{id}/transcript/email");
    let bad = api
        .raw(
            "POST",
            &email_path,
            Some(&anna.token),
            Some(json!({ "to": "nope" }).to_string()),
        )
        .await?;
    assert_eq!(bad.status, 400);
    let sent = api
        .raw(
            "POST",
            &email_path,
            Some(&anna.token),
            Some(json!({ "to": "ada@example.com" }).to_string()),
        )
        .await?;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let sink = api
        .raw(
            "GET",
            "/api/v1/dev/mail?workspace=demo",
            Some(SETUP_TOKEN),
            None,
        )
        .await?;
    assert_eq!(sink.status, 200, "{}", sink.body);
    let mails: Vec<serde_json::Value> = sink.json()?;
    let mail = &mails[0];
    assert_eq!(mail["to"], "ada@example.com");
    let body = mail["text"].as_str().unwrap_or_default();
    assert!(body.contains("Your order ships today."), "{body}");
    assert!(body.contains("ошибка 42"), "{body}");
    assert!(!body.contains("NOTE secret"), "a note in the email: {body}");
    // The sink is for the operator only.
    let refused = api
        .raw(
            "GET",
            "/api/v1/dev/mail?workspace=demo",
            Some(&anna.token),
            None,
        )
        .await?;
    assert_eq!(refused.status, 401);
    Ok(())
}

#[tokio::test]
async fn exporting_needs_the_transcript_permission() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = demo_workspace()?;
    setup.grants = vec![shared::api::RoleGrants {
        role: shared::api::Role::Agent,
        permissions: vec![
            shared::api::Permission::ViewQueue,
            shared::api::Permission::TakeChat,
            shared::api::Permission::Reply,
        ],
    }];
    api.setup(&setup).await?;
    let visitor = api.visitor().await?;
    let (id, _live) = api.first_message(&visitor, "hello").await?;
    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let closed = api
        .act(&anna.token, &id, "close", json!({ "comment": "bye" }))
        .await?;
    assert_eq!(closed.status, 200);
    let path = format!("/api/v1/agent/conversations/{id}/transcript.pdf?attachments=true");
    let (status, _, body) = api.bytes(&path, Some(&anna.token)).await?;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("cannot export"));
    let mark = api.login("mark@demo.test").await?;
    let (status, _, pdf) = api.bytes(&path, Some(&mark.token)).await?;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    Ok(())
}

/// A valid 4×4 red PNG.
const RED_PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x04\x00\x00\x00\x04\x08\x02\x00\x00\x00\x26\x93\x09\x29\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x47\x0c\xc4\x71\x00\xae\x93\x0f\xf1\xd0\x5f\x23\x9e\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

fn images_in(pdf: &[u8]) -> usize {
    pdf.windows(b"/Subtype /Image".len())
        .filter(|w| *w == b"/Subtype /Image")
        .count()
}

#[tokio::test]
async fn the_pdf_embeds_images_only_with_attachments() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, _live) = api.first_message(&visitor, "here is a photo").await?;
    let uploaded = worker
        .client()
        .post(worker.url(&format!("/api/v1/conversations/{id}/files")))
        .query(&[("name", "red.png"), ("client_id", "f-1"), ("kind", "text")])
        .bearer_auth(&visitor.token)
        .header("content-type", "image/png")
        .body(RED_PNG.to_vec())
        .send()
        .await?;
    assert_eq!(uploaded.status(), 200, "{}", uploaded.text().await?);
    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let closed = api
        .act(&anna.token, &id, "close", json!({ "comment": "Thanks" }))
        .await?;
    assert_eq!(closed.status, 200);
    let base = format!("/api/v1/agent/conversations/{id}/transcript.pdf");
    let (status, _, without) = api.bytes(&base, Some(&anna.token)).await?;
    assert_eq!(status, 200);
    assert_eq!(images_in(&without), 0);
    assert!(pdf_extract::extract_text_from_mem(&without)?.contains("red.png"));
    let (status, _, with) = api
        .bytes(&format!("{base}?attachments=true"), Some(&anna.token))
        .await?;
    assert_eq!(status, 200);
    assert_eq!(images_in(&with), 1, "the photo is embedded");
    Ok(())
}
