//! Transcripts of closed conversations: "Export as PDF" (a download for an
//! agent whose role may export) and "Send via email" (to the visitor,
//! through the mail provider the deployment names, or the local sink).
//! The workspace says who may; the conversation object builds the
//! transcript with `chat_core::conversation::transcript` and draws the PDF
//! with the `transcript` crate.

use crate::error::{Error, Result};
use crate::http;
use crate::workspace_object::Asking;
use chat_core::workspace::TranscriptAccess;
use serde::{Deserialize, Serialize};
use shared::frame::ErrorCode;
use worker::{Env, Request, Response};

/// Header carrying, with a transcript request to a conversation, the
/// department's name and clock and the workspace ([`TranscriptFor`], JSON).
pub const TRANSCRIPT_HEADER: &str = "x-livechat-transcript";

/// What a conversation object needs to head a transcript.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TranscriptFor {
    /// The workspace's slug.
    pub workspace: String,
    /// The department's name and clock, and who asks.
    pub access: TranscriptAccess,
    /// Who the copy is for.
    pub visitor_copy: bool,
    /// Whether images are embedded.
    pub attachments: bool,
}

/// `POST .../transcript/email`.
#[derive(Clone, Debug, Deserialize)]
pub struct EmailRequest {
    /// The visitor's address.
    pub to: String,
}

/// The text of a transcript email, from the conversation object.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmailText {
    /// The subject line.
    pub subject: String,
    /// The body.
    pub text: String,
}

/// One email as the local sink keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SentMail {
    /// The address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The body.
    pub text: String,
    /// When, in ms since the epoch.
    pub at: i64,
}

async fn access(
    req: &Request,
    env: &Env,
    id: &str,
    pdf: bool,
) -> Result<(crate::auth::Claims, TranscriptAccess)> {
    let claims = crate::claims(req, env, crate::auth::Kind::Agent)?;
    let ask = Asking {
        who: crate::principal(&claims),
        conversation: Some(crate::valid_conversation(id)?),
        action: None,
    };
    let path = if pdf {
        "/transcript-access/pdf"
    } else {
        "/transcript-access/email"
    };
    let access = http::ask(&crate::workspace(env, &claims.workspace)?, path, &ask).await?;
    Ok((claims, access))
}

/// `GET /api/v1/agent/conversations/{id}/transcript.pdf?attachments=true`.
pub async fn pdf(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let (claims, access) = access(req, env, id, true).await?;
    let attachments = req
        .url()?
        .query_pairs()
        .any(|(k, v)| k == "attachments" && (v == "true" || v == "1"));
    let header = TranscriptFor {
        workspace: claims.workspace,
        access,
        visitor_copy: false,
        attachments,
    };
    http::forward_read(
        &crate::conversation(env, id)?,
        "/transcript.pdf",
        &[(TRANSCRIPT_HEADER, serde_json::to_string(&header)?)],
    )
    .await
}

/// `POST /api/v1/agent/conversations/{id}/transcript/email` with `{ "to" }`.
pub async fn email(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let (claims, access) = access(&req, env, id, false).await?;
    let body: EmailRequest = http::read_json(&mut req).await?;
    let to = body.to.trim().to_owned();
    if !shared::api::is_plausible_email(&to) {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "give the visitor's email address",
        ));
    }
    let header = TranscriptFor {
        workspace: claims.workspace.clone(),
        access,
        visitor_copy: true,
        attachments: false,
    };
    let mut answer = http::forward_read(
        &crate::conversation(env, id)?,
        "/transcript.txt",
        &[(TRANSCRIPT_HEADER, serde_json::to_string(&header)?)],
    )
    .await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let mail: EmailText = answer.json().await?;
    send(env, &claims.workspace, &to, mail).await?;
    http::json(&serde_json::json!({ "ok": true }))
}

/// Sends one email: to the provider named by `MAIL_ENDPOINT` (a JSON API
/// taking `from`, `to`, `subject` and `text`, with `MAIL_TOKEN` as its
/// bearer), or, when none is set, into the workspace's local sink.
pub async fn send(env: &Env, workspace: &str, to: &str, mail: EmailText) -> Result<()> {
    let endpoint = env
        .var("MAIL_ENDPOINT")
        .map(|v| v.to_string())
        .unwrap_or_default();
    if endpoint.is_empty() || endpoint == "sink" {
        let sent = SentMail {
            to: to.to_owned(),
            subject: mail.subject,
            text: mail.text,
            at: http::now(),
        };
        let _: serde_json::Value =
            http::ask(&crate::workspace(env, workspace)?, "/mail-sink", &sent).await?;
        return Ok(());
    }
    let from = env
        .var("MAIL_FROM")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "Live chat <no-reply@example.com>".into());
    let token = env
        .secret("MAIL_TOKEN")
        .map(|s| s.to_string())
        .unwrap_or_default();
    let body =
        serde_json::json!({ "from": from, "to": [to], "subject": mail.subject, "text": mail.text });
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("authorization", &format!("Bearer {token}"))?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(body.to_string().into()));
    let request = Request::new_with_init(&endpoint, &init)?;
    let response = worker::Fetch::Request(request).send().await?;
    if !(200..300).contains(&response.status_code()) {
        return Err(Error::Edge(format!(
            "the mail provider answered {}",
            response.status_code()
        )));
    }
    Ok(())
}

/// `GET /api/v1/dev/mail?workspace=` (bearer: the setup token): what the
/// local sink holds, newest first. Only where no provider is set.
pub async fn sink(req: &Request, env: &Env) -> Result<Response> {
    crate::require_setup_token(req, env)?;
    let workspace = http::param(&req.url()?, "workspace").unwrap_or_default();
    if !shared::ids::is_valid_id(&workspace) {
        return Err(Error::refused(ErrorCode::NotFound, "no such workspace"));
    }
    http::call(
        &crate::workspace(env, &workspace)?,
        "/mail-sink/read",
        &serde_json::json!({}),
    )
    .await
}
