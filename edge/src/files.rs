//! Attachments over HTTP: the upload (authenticated, checked against the
//! workspace's policy while its body is read, then handed to the
//! conversation object, which keeps the bytes and stores the message), the
//! short-lived signed link, and the download that link opens.

use crate::auth::{self, Kind, LinkRefusal};
use crate::conversation_object::AttachRequest;
use crate::error::{Error, OrRefuse, Result};
use crate::http;
use crate::workspace_object::{Asking, OpenAnswer};
use crate::{conversation, principal, secret, valid_conversation, visitor_name, workspace};
use chat_core::files::{check_name, check_size, check_upload, disposition, storage_key};
use chat_core::workspace::Access;
use futures_util::StreamExt;
use shared::files::{Attachment, FileLink, FilePolicy, FILE_LINK_MS};
use shared::frame::{ErrorCode, Participant, SendKind, Side};
use shared::ids::ClientMsgId;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Url};

/// Who calls, as the token and the workspace say.
struct Caller {
    who: Participant,
    /// An agent's rights on this conversation; `None` for its visitor.
    access: Option<Access>,
    workspace: String,
}

impl Caller {
    /// The headers naming the caller to the conversation object.
    fn headers(&self) -> Result<Vec<(&'static str, String)>> {
        let mut headers = vec![(http::PRINCIPAL_HEADER, serde_json::to_string(&self.who)?)];
        if let Some(access) = &self.access {
            headers.push((http::ACCESS_HEADER, serde_json::to_string(access)?));
        }
        Ok(headers)
    }
}

/// A visitor (the conversation checks it is theirs) or an agent the
/// workspace lets open the conversation, checked on every request.
async fn caller(req: &Request, env: &Env, id: &str) -> Result<Caller> {
    let conversation_id = valid_conversation(id)?;
    let token = http::bearer(req).or_refuse(ErrorCode::Unauthorized, "a token is required")?;
    let claims = auth::verify(&secret(env)?, &token, http::now())
        .or_refuse(ErrorCode::Unauthorized, "invalid or expired token")?;
    if claims.kind == Kind::Visitor {
        crate::visitor::guard(req, env, &claims.workspace, &claims.site).await?;
    }
    match claims.kind {
        Kind::Visitor => Ok(Caller {
            who: Participant {
                side: Side::Visitor,
                name: visitor_name(&claims.subject),
                id: claims.subject,
            },
            access: None,
            workspace: claims.workspace,
        }),
        Kind::Agent => {
            let ask = Asking {
                who: principal(&claims),
                conversation: Some(conversation_id),
                action: None,
            };
            let opened: OpenAnswer =
                http::ask(&workspace(env, &claims.workspace)?, "/open", &ask).await?;
            Ok(Caller {
                who: opened.who,
                access: Some(opened.access),
                workspace: claims.workspace,
            })
        }
    }
}

/// Reads a body of at most `policy.max_bytes`, stopping as soon as it
/// passes: no more than the limit is ever held.
async fn read_bounded(req: &mut Request, policy: &FilePolicy) -> Result<Vec<u8>> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared {
        check_size(policy, n)?;
        if n == 0 {
            return Err(Error::refused(ErrorCode::BadRequest, "the file is empty"));
        }
    }
    let mut stream = req
        .stream()
        .map_err(|_| Error::refused(ErrorCode::BadRequest, "the file is empty"))?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| Error::refused(ErrorCode::BadRequest, "could not read the file"))?;
        check_size(policy, (bytes.len() + chunk.len()) as u64)?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `POST /api/v1/conversations/{id}/files?name=&client_id=&kind=`: the raw
/// bytes as body, their type as `Content-Type`. Answers the stored message.
pub async fn upload(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let caller = caller(&req, env, id).await?;
    let url = req.url()?;
    let name = check_name(&http::param(&url, "name").unwrap_or_default())?;
    let client_id = http::param(&url, "client_id").unwrap_or_default();
    let kind = match http::param(&url, "kind").as_deref() {
        None | Some("") | Some("text") => SendKind::Text,
        Some("note") => SendKind::Note,
        Some("whisper") => SendKind::Whisper,
        Some(_) => {
            return Err(Error::refused(
                ErrorCode::BadRequest,
                "kind is text, note or whisper",
            ))
        }
    };
    let text = http::param(&url, "text").unwrap_or_default();
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let policy: FilePolicy = http::ask(
        &workspace(env, &caller.workspace)?,
        "/file-policy",
        &serde_json::json!({}),
    )
    .await?;
    let bytes = read_bounded(&mut req, &policy).await?;
    let attachment: Attachment =
        check_upload(&policy, &auth::new_id("f"), &name, &content_type, &bytes)?;
    let asked = AttachRequest {
        client_id: ClientMsgId(client_id),
        kind,
        text,
        attachment,
    };
    let mut target = Url::parse("https://object/attach").map_err(|e| Error::Edge(e.to_string()))?;
    target
        .query_pairs_mut()
        .append_pair("upload", &serde_json::to_string(&asked)?);
    let headers = Headers::new();
    for (name, value) in caller.headers()? {
        headers.set(name, &value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(worker::js_sys::Uint8Array::from(&bytes[..]).into()));
    let forwarded = Request::new_with_init(target.as_str(), &init)?;
    Ok(conversation(env, id)?.fetch_with_request(forwarded).await?)
}

/// `GET /api/v1/conversations/{id}/files/{file}/link`: a link valid for
/// five minutes, if the caller may read the message carrying the file.
pub async fn link(req: &Request, env: &Env, id: &str, file: &str) -> Result<Response> {
    let caller = caller(req, env, id).await?;
    if !shared::ids::is_valid_id(file) {
        return Err(Error::refused(
            ErrorCode::NotFound,
            "no such file in this conversation",
        ));
    }
    let path = format!("/file?id={file}");
    let mut answer = http::forward_read(&conversation(env, id)?, &path, &caller.headers()?).await?;
    if answer.status_code() != 200 {
        return Err(http::refusal_of(&mut answer).await);
    }
    let attachment: Attachment = answer.json().await?;
    let expires_at = http::now() + FILE_LINK_MS;
    let token = auth::sign_file_link(&secret(env)?, id, &attachment.id, expires_at);
    http::json(&FileLink {
        url: format!("/api/v1/files/{token}"),
        expires_at,
    })
}

/// `GET /api/v1/files/{token}`: the bytes, if the link is genuine and not
/// expired, served so that no browser runs them as a page.
pub async fn download(env: &Env, token: &str) -> Result<Response> {
    let (conversation, file) =
        auth::verify_file_link(&secret(env)?, token, http::now()).map_err(|why| {
            let message = match why {
                LinkRefusal::Expired => "this link has expired",
                LinkRefusal::Invalid => "this link is not valid",
            };
            Error::refused(ErrorCode::Forbidden, message)
        })?;
    let object = env
        .bucket("FILES")?
        .get(storage_key(&conversation, &file))
        .execute()
        .await?
        .or_refuse(ErrorCode::NotFound, "no such file")?;
    let mime = object
        .http_metadata()
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let name = object
        .custom_metadata()?
        .remove("name")
        .unwrap_or_else(|| file.clone());
    let body = object
        .body()
        .or_refuse(ErrorCode::NotFound, "no such file")?
        .response_body()?;
    let headers = Headers::new();
    headers.set("content-type", &mime)?;
    headers.set("content-disposition", &disposition(&mime, &name))?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("content-security-policy", "sandbox")?;
    headers.set("cache-control", "private, max-age=300")?;
    Ok(Response::from_body(body)?.with_headers(headers))
}
