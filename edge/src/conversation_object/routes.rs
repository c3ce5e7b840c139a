//! The conversation object's HTTP routes, from the worker and the
//! workspace: each reads its request, feeds the core and answers.

use super::{
    readable, stored_meta, turns, visible_messages, write, Attachment, Body, Effects, InitRequest,
    Room, TextRow,
};
use crate::calls::AssignRequest;
use crate::error::{Error, OrRefuse, Result};
use crate::http::{self, json, principal};
use chat_core::conversation::Reader;
use chat_core::{ConnState, Input};
use shared::frame::{ErrorCode, Message, Side};
use worker::{Request, Response, SqlStorageValue, WebSocketPair};

impl Room {
    pub(super) async fn init(&self, mut req: Request) -> Result<Response> {
        let body: InitRequest = http::read_json(&mut req).await?;
        self.ensure_loaded()?;
        if self.core.borrow().as_ref().and_then(|c| c.view()).is_none() {
            let sql = self.sql();
            write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('workspace', ?)",
                vec![body.workspace.clone().into()],
            )?;
            *self.workspace.borrow_mut() = Some(body.workspace);
            // Stored, not only kept in memory: a conversation woken after
            // an eviction still knows that nothing wants its events, and
            // its first message then writes no outbox row and makes no
            // hand-off.
            if let Some(known) = body.webhooks {
                self.keep_known(&sql, known)?;
            }
        }
        let effects = self
            .run(
                Input::Init {
                    id: body.id,
                    department: body.department,
                    visitor: body.visitor,
                    details: body.details,
                    site: body.site,
                },
                None,
            )
            .await?;
        reply(effects)
    }

    pub(super) async fn assign(&self, mut req: Request) -> Result<Response> {
        let body: AssignRequest = http::read_json(&mut req).await?;
        let effects = self.run(Input::Assign { agent: body.agent }, None).await?;
        reply(effects)
    }

    pub(super) async fn lifecycle(&self, mut req: Request) -> Result<Response> {
        let action: chat_core::conversation::lifecycle::Action = http::read_json(&mut req).await?;
        let effects = self.run(Input::Lifecycle(action), None).await?;
        reply(effects)
    }

    /// The workspace re-checked an agent: their sockets close or narrow.
    pub(super) async fn revise(&self, mut req: Request) -> Result<Response> {
        let ask: chat_core::workspace::Request = http::read_json(&mut req).await?;
        let chat_core::workspace::Request::Revise {
            agent,
            access,
            code,
            reason,
        } = ask
        else {
            return Err(Error::refused(ErrorCode::BadRequest, "not a revision"));
        };
        let input = Input::Revise {
            agent: agent.0,
            access: access.map(|a| (a.may_reply, a.may_monitor)),
            code,
            reason,
        };
        let effects = self.run(input, None).await?;
        reply(effects)
    }

    /// The workspace says where the conversation waits.
    pub(super) async fn queue(&self, mut req: Request) -> Result<Response> {
        let q: shared::api::QueuePosition = http::read_json(&mut req).await?;
        let input = Input::Queue {
            position: q.position,
            estimated_wait_ms: q.estimated_wait_ms,
        };
        let effects = self.run(input, None).await?;
        reply(effects)
    }

    /// Who an agent's read (room information, search) is for, as the
    /// worker authenticated them and the workspace allowed them.
    pub(super) fn reader_of(req: &Request) -> Result<Reader> {
        let who = principal(req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        let access: chat_core::workspace::Access = http::header(req, http::ACCESS_HEADER)
            .or_refuse(ErrorCode::Forbidden, "agents only")?;
        if who.side != Side::Agent {
            return Err(Error::refused(ErrorCode::Forbidden, "agents only"));
        }
        Ok(Reader::Agent {
            id: who.id,
            monitor: access.may_monitor,
        })
    }

    /// "Room information".
    pub(super) async fn room(&self, req: Request) -> Result<Response> {
        Self::reader_of(&req)?;
        let priority: shared::routing::Priority =
            http::header(&req, http::PRIORITY_HEADER).unwrap_or_default();
        json(&self.room_info(priority)?)
    }

    fn room_info(&self, priority: shared::routing::Priority) -> Result<shared::room::RoomInfo> {
        self.ensure_loaded()?;
        let meta = stored_meta(&self.sql())?;
        let meta = meta.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let turns = turns(&self.sql())?;
        Ok(chat_core::conversation::room::room_info(
            &meta, priority, &turns,
        ))
    }

    /// The HTTP API's read (an API token of the conversation's workspace,
    /// which the worker names): room information and a page of messages
    /// as the workspace's agents read them, never a whisper
    /// (`Reader::Workspace`).
    pub(super) async fn api_read(&self, req: Request) -> Result<Response> {
        use chat_core::integration::MessagesQuery;
        let asked: crate::integration_api::ApiRead =
            http::header(&req, crate::integration_api::API_READ_HEADER)
                .or_refuse(ErrorCode::Forbidden, "API tokens only")?;
        self.ensure_loaded()?;
        let mine = self.workspace().is_ok_and(|w| w == asked.workspace);
        if !mine {
            return Err(Error::refused(ErrorCode::NotFound, "no such conversation"));
        }
        let room = self.room_info(asked.priority)?;
        let query: MessagesQuery = asked.messages;
        let reader = Reader::Workspace;
        let (filter, mut args) = readable(&reader);
        args.push(SqlStorageValue::try_from_i64(
            query.after.min(i64::MAX as u64) as i64,
        )?);
        args.push(SqlStorageValue::try_from_i64(query.limit as i64 + 1)?);
        let mut messages: Vec<Message> = self
            .sql()
            .exec(
                &format!(
                    "SELECT body FROM messages WHERE {filter} AND seq > ? ORDER BY seq LIMIT ?"
                ),
                args,
            )?
            .to_array::<Body>()?
            .into_iter()
            .filter_map(|r| serde_json::from_str::<Message>(&r.body).ok())
            .filter(|m| reader.may_read(m))
            .collect();
        let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
        let next_after = query.next_after(&seqs);
        messages.truncate(query.limit as usize);
        json(&shared::integration::ConversationDetail {
            room,
            messages,
            next_after,
        })
    }

    /// A closed conversation's transcript: the PDF ("Export as PDF") or
    /// the text of the visitor's email ("Send via email"). The workspace
    /// already said who may; the core says what it holds.
    pub(super) async fn transcript(&self, req: Request, pdf: bool) -> Result<Response> {
        use chat_core::conversation::transcript::{build, plain_text, Copy};
        let want: crate::transcripts::TranscriptFor =
            http::header(&req, crate::transcripts::TRANSCRIPT_HEADER)
                .or_refuse(ErrorCode::Forbidden, "agents only")?;
        self.ensure_loaded()?;
        let sql = self.sql();
        let meta = stored_meta(&sql)?;
        let meta = meta.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let messages = visible_messages(&sql)?;
        let images = if pdf && want.attachments {
            chat_core::conversation::transcript::images(&messages)
        } else {
            Vec::new()
        };
        let copy = if want.visitor_copy {
            Copy::Visitor
        } else {
            Copy::Agents
        };
        let mut transcript = build(
            &meta,
            messages,
            copy,
            &want.workspace,
            &want.access.department,
            want.access.utc_offset_minutes,
            None,
        )
        .map_err(Error::Refused)?;
        if !pdf {
            return json(&crate::transcripts::EmailText {
                subject: transcript.header.title.clone(),
                text: plain_text(&transcript),
            });
        }
        // The images' bytes come from the bucket; one that cannot be read
        // is listed by name, as a broken one would be.
        let bucket = self.env.bucket("FILES");
        for (seq, file) in images {
            let Ok(bucket) = &bucket else { break };
            let key = chat_core::files::storage_key(&meta.view.id.0, &file);
            let bytes = match bucket.get(key).execute().await {
                Ok(Some(object)) => match object.body() {
                    Some(body) => body.bytes().await.ok(),
                    None => None,
                },
                _ => None,
            };
            let line = transcript.messages.iter_mut().find(|m| m.seq == seq);
            if let (Some(line), Some(bytes)) = (line, bytes) {
                if let Some(a) = line.attachments.first_mut() {
                    a.bytes = Some(bytes);
                }
            }
        }
        let options = transcript::Options {
            with_attachments: want.attachments,
        };
        let bytes = transcript::render(&transcript, &options)
            .map_err(|e| Error::Edge(format!("the transcript could not be drawn: {e}")))?;
        let mut response = Response::from_bytes(bytes)?;
        let headers = response.headers_mut();
        headers.set("content-type", "application/pdf")?;
        headers.set(
            "content-disposition",
            &format!("attachment; filename=\"transcript-{}.pdf\"", meta.view.id.0),
        )?;
        headers.set("cache-control", "private, no-store")?;
        Ok(response)
    }

    /// Its visitor rates it (the core's rules: theirs, closed, 1 to 5).
    pub(super) async fn rate(&self, mut req: Request) -> Result<Response> {
        let ask: crate::visitor::VisitorAsk = http::read_json(&mut req).await?;
        let rating = ask
            .rating
            .or_refuse(ErrorCode::BadRequest, "a score is required")?;
        let effects = self
            .run(
                Input::Rate {
                    who: ask.who,
                    rating,
                },
                None,
            )
            .await?;
        reply(effects)
    }

    /// Its visitor asks for the transcript by email: the core counts the
    /// request (theirs, closed, at most three), then the text is built as
    /// the visitor's copy, headed with the department's name and clock.
    pub(super) async fn visitor_transcript(&self, mut req: Request) -> Result<Response> {
        use chat_core::conversation::transcript::{build, plain_text, Copy};
        let ask: crate::visitor::VisitorAsk = http::read_json(&mut req).await?;
        let effects = self
            .run(Input::VisitorTranscript { who: ask.who }, None)
            .await?;
        if let Some(Err(r)) = effects.reply {
            return Err(Error::Refused(r));
        }
        let sql = self.sql();
        let meta = stored_meta(&sql)?.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let (department, offset): (String, i32) = http::ask(
            &self.workspace_stub()?,
            "/department-clock",
            &meta.view.department,
        )
        .await?;
        let transcript = build(
            &meta,
            visible_messages(&sql)?,
            Copy::Visitor,
            &self.workspace()?,
            &department,
            offset,
            None,
        )
        .map_err(Error::Refused)?;
        json(&crate::transcripts::EmailText {
            subject: transcript.header.title.clone(),
            text: plain_text(&transcript),
        })
    }

    /// "Search messages": `?q=` and `&regex=true`.
    pub(super) async fn search(&self, req: Request) -> Result<Response> {
        let reader = Self::reader_of(&req)?;
        let url = req.url()?;
        let param = |name: &str| http::param(&url, name);
        let text = param("q").unwrap_or_default();
        let regex = param("regex").is_some_and(|v| v == "true" || v == "1");
        let query = chat_core::search::Query::parse(&text, regex)
            .map_err(|m| Error::refused(ErrorCode::BadRequest, &m))?;
        // The texts alone are read and matched; only the hits are read
        // whole (a conversation may hold many thousands of messages).
        let (filter, args) = readable(&reader);
        let rows = self
            .sql()
            .exec(
                &format!(
                    "SELECT seq, json_extract(body, '$.kind') AS kind, json_extract(body, '$.text') AS text FROM messages WHERE {filter} ORDER BY seq"
                ),
                args,
            )?
            .to_array::<TextRow>()?;
        let (seqs, searched, truncated) = chat_core::search::matching(
            rows.iter().map(|r| {
                let kind = if r.kind == "system" {
                    shared::frame::MessageKind::System
                } else {
                    shared::frame::MessageKind::Text
                };
                (r.seq as u64, kind, r.text.as_str())
            }),
            &query,
        );
        let mut hits = Vec::with_capacity(seqs.len());
        for chunk in seqs.chunks(100) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let args = chunk
                .iter()
                .map(|s| SqlStorageValue::try_from_i64(*s as i64))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            hits.extend(
                self.sql()
                    .exec(
                        &format!("SELECT body FROM messages WHERE seq IN ({marks}) ORDER BY seq"),
                        args,
                    )?
                    .to_array::<Body>()?
                    .into_iter()
                    .filter_map(|r| serde_json::from_str::<Message>(&r.body).ok())
                    .filter(|m| reader.may_read(m)),
            );
        }
        json(&shared::room::SearchResults {
            hits,
            searched,
            truncated,
        })
    }

    pub(super) async fn socket(&self, req: Request) -> Result<Response> {
        let who = principal(&req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        // Visitors carry no access header: they always write.
        let access: chat_core::workspace::Access = http::header(&req, http::ACCESS_HEADER)
            .unwrap_or(chat_core::workspace::Access {
                may_reply: true,
                may_monitor: false,
            });
        let may_reply = access.may_reply;
        // Someone whose last socket was closed for flooding waits, and is
        // told so before any socket is made.
        self.ensure_loaded()?;
        if let Some(core) = self.core.borrow().as_ref() {
            core.may_connect(http::now(), &who.id)
                .map_err(Error::Limited)?;
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        let conn = crate::auth::new_conn_id();
        // Until the core remembers something better, the socket carries a
        // not-ready state so that an eviction right now loses nothing.
        pair.server.serialize_attachment(Attachment {
            conn,
            state: ConnState {
                who: who.clone(),
                ready: false,
                may_reply,
                may_monitor: access.may_monitor,
            },
        })?;
        self.ensure_loaded()?;
        self.sockets.borrow_mut().insert(conn, pair.server);
        self.run(
            Input::Connect {
                conn,
                who,
                may_reply,
                may_monitor: access.may_monitor,
            },
            Some(conn),
        )
        .await?;
        Ok(Response::from_websocket(pair.client)?)
    }
}

fn reply(effects: Effects) -> Result<Response> {
    match effects.reply {
        Some(Ok(view)) => json(&view),
        Some(Err(r)) => Err(Error::Refused(r)),
        None => Err(Error::Edge("the conversation did not answer".into())),
    }
}
