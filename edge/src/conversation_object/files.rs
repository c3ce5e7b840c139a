//! The conversation's files: an upload kept in R2 and then stored as a
//! message by the core (with a send's rules), the check before the worker
//! signs a download link, and the files panel.

use super::{Body, Room};
use crate::error::{Error, OrRefuse, Result};
use crate::http::{self, json, principal};
use chat_core::conversation::{Attached, Reader, Upload};
use chat_core::files::{list, storage_key};
use chat_core::Input;
use serde::{Deserialize, Serialize};
use shared::files::{Attachment, FileType};
use shared::frame::{ErrorCode, Message, SendKind, Side};
use shared::ids::ClientMsgId;
use std::collections::HashMap;
use worker::{HttpMetadata, Request, Response, SqlStorageValue};

/// What the worker says of an upload it checked against the workspace's
/// policy (the `upload` query parameter of `/attach`, JSON); the bytes are
/// the body.
#[derive(Serialize, Deserialize)]
pub struct AttachRequest {
    /// Picked by the client; a retry reuses it.
    pub client_id: ClientMsgId,
    /// A file to the conversation, a note's or a whisper's.
    pub kind: SendKind,
    /// A caption, possibly empty.
    pub text: String,
    /// The file, with the id the worker generated.
    pub attachment: Attachment,
}

impl Room {
    fn conversation_id(&self) -> Result<String> {
        self.ensure_loaded()?;
        self.core
            .borrow()
            .as_ref()
            .and_then(|c| c.view())
            .map(|v| v.id.0.clone())
            .or_refuse(ErrorCode::NotFound, "no such conversation")
    }

    /// Who reads a file: this conversation's visitor, or an agent the
    /// workspace let open it (with their access).
    fn file_reader(&self, req: &Request) -> Result<Reader> {
        let who = principal(req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        if who.side != Side::Visitor {
            return Self::reader_of(req);
        }
        self.ensure_loaded()?;
        let mine = self
            .core
            .borrow()
            .as_ref()
            .and_then(|c| c.view())
            .is_some_and(|v| v.visitor.id == who.id);
        if !mine {
            return Err(Error::refused(
                ErrorCode::Forbidden,
                "not your conversation",
            ));
        }
        Ok(Reader::Visitor)
    }

    fn bucket(&self) -> Result<worker::Bucket> {
        Ok(self.env.bucket("FILES")?)
    }

    /// The stored message at `seq`, as it is.
    fn stored_message(&self, seq: u64) -> Result<Response> {
        let body = self
            .sql()
            .exec(
                "SELECT body FROM messages WHERE seq = ?",
                vec![SqlStorageValue::try_from_i64(seq as i64)?],
            )?
            .to_array::<Body>()?
            .into_iter()
            .next()
            .or_refuse(ErrorCode::NotFound, "no such message")?;
        let message: Message = serde_json::from_str(&body.body)?;
        json(&message)
    }

    /// `POST /attach`: the core checks the uploader may write this kind
    /// now (a retry answers the stored message), the bytes go to R2, then
    /// the core stores the message and tells the other sockets.
    pub(super) async fn attach(&self, mut req: Request) -> Result<Response> {
        let who = principal(&req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        let access: Option<chat_core::workspace::Access> = http::header(&req, http::ACCESS_HEADER);
        let described =
            http::param(&req.url()?, "upload").or_refuse(ErrorCode::BadRequest, "no upload")?;
        let asked: AttachRequest = serde_json::from_str(&described)?;
        let upload = Upload {
            who,
            may_reply: access.as_ref().is_none_or(|a| a.may_reply),
            may_monitor: access.as_ref().is_some_and(|a| a.may_monitor),
            client_id: asked.client_id,
            kind: asked.kind,
            text: asked.text,
        };
        let conversation = self.conversation_id()?;
        let check = self
            .core
            .borrow()
            .as_ref()
            .map(|c| c.check_attach(&upload))
            .or_refuse(ErrorCode::Internal, "the conversation did not load")?;
        if let Some(seq) = check? {
            // The same upload, retried: nothing is kept twice.
            return self.stored_message(seq);
        }
        let bytes = req.bytes().await?;
        let key = storage_key(&conversation, &asked.attachment.id);
        // The bytes are kept before the message that names them is stored.
        self.bucket()?
            .put(&key, bytes)
            .http_metadata(HttpMetadata {
                content_type: Some(asked.attachment.mime.clone()),
                ..HttpMetadata::default()
            })
            .custom_metadata(HashMap::from([(
                "name".to_owned(),
                asked.attachment.name.clone(),
            )]))
            .execute()
            .await?;
        let effects = self
            .run(
                Input::Attach {
                    upload,
                    attachment: asked.attachment,
                },
                None,
            )
            .await;
        let attached = match effects {
            Ok(e) => e.attached,
            Err(e) => {
                self.forget(&key).await;
                return Err(e);
            }
        };
        match attached {
            Some(Ok(Attached::New(message))) => json(&*message),
            Some(Ok(Attached::Again { seq })) => {
                self.forget(&key).await;
                self.stored_message(seq)
            }
            Some(Err(r)) => {
                self.forget(&key).await;
                Err(Error::Refused(r))
            }
            None => {
                // The store failed: the core was dropped, nothing names
                // these bytes.
                self.forget(&key).await;
                Err(Error::refused(
                    ErrorCode::StoreFailed,
                    "the file could not be stored; retrying is safe",
                ))
            }
        }
    }

    /// Removes bytes no message names.
    async fn forget(&self, key: &str) {
        let result = match self.bucket() {
            Ok(bucket) => bucket.delete(key).await.map_err(Error::from),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            worker::console_error!("forget {key}: {e}");
        }
    }

    /// `GET /file?id=`: the attachment, if its reader may read the message
    /// carrying it ([`Reader::may_read`]); the worker then signs a link.
    pub(super) async fn file(&self, req: Request) -> Result<Response> {
        let reader = self.file_reader(&req)?;
        let id = http::param(&req.url()?, "id").unwrap_or_default();
        let message: Message = self
            .sql()
            .exec(
                "SELECT body FROM messages WHERE json_extract(body, '$.attachment.id') = ? LIMIT 1",
                vec![id.into()],
            )?
            .to_array::<Body>()?
            .into_iter()
            .next()
            .and_then(|b| serde_json::from_str(&b.body).ok())
            .or_refuse(ErrorCode::NotFound, "no such file in this conversation")?;
        if !reader.may_read(&message) {
            return Err(Error::refused(
                ErrorCode::Forbidden,
                "this file is not yours to read",
            ));
        }
        json(&message.attachment)
    }

    /// `GET /files?q=&type=`: the files panel, for an agent.
    pub(super) async fn files(&self, req: Request) -> Result<Response> {
        let reader = Self::reader_of(&req)?;
        let url = req.url()?;
        let param = |name: &str| http::param(&url, name).unwrap_or_default();
        let kind = match param("type").as_str() {
            "" | "all" => None,
            t => Some(
                FileType::parse(t)
                    .or_refuse(ErrorCode::BadRequest, "type is image, pdf or other")?,
            ),
        };
        self.ensure_loaded()?;
        let messages: Vec<Message> = self
            .sql()
            .exec(
                "SELECT body FROM messages WHERE json_extract(body, '$.attachment') IS NOT NULL ORDER BY seq",
                None,
            )?
            .to_array::<Body>()?
            .into_iter()
            .filter_map(|b| serde_json::from_str(&b.body).ok())
            .collect();
        json(&list(&messages, &reader, &param("q"), kind))
    }
}
