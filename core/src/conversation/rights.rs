//! Who may do what in a conversation: write, note, whisper, upload, act
//! as an agent; each answers the refusal a client is told.

use super::{
    check_text, refusal, works_on, Admitted, ConnState, Conversation, Meta, Refusal, Upload,
};
use shared::frame::{ConversationStatus, ErrorCode, Participant, SendKind, Side};
use shared::ids::{ClientMsgId, Seq};
use shared::MAX_CLIENT_ID_BYTES;

impl Conversation {
    /// The conversation, if it exists and is not closed.
    pub(super) fn open_meta(&self) -> Result<&Meta, Refusal> {
        let Some(meta) = &self.meta else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        if meta.view.status == ConversationStatus::Closed {
            return Err(refusal(
                ErrorCode::ConversationClosed,
                "the conversation is closed",
            ));
        }
        Ok(meta)
    }

    /// Whether the socket's participant may write in this conversation now.
    pub(super) fn may_write(&self, state: &ConnState) -> Result<(), Refusal> {
        let who = &state.who;
        if !state.may_reply {
            return Err(refusal(
                ErrorCode::Forbidden,
                "your role cannot reply in chats",
            ));
        }
        let meta = self.open_meta()?;
        match who.side {
            Side::Visitor => Ok(()),
            Side::Agent if works_on(&meta.view, &who.id) => Ok(()),
            _ => Err(refusal(
                ErrorCode::Forbidden,
                "only the agents working this conversation can write in it",
            )),
        }
    }

    /// Whether the socket's participant may write an internal note now:
    /// the conversation's agents (its owner and those invited) and
    /// supervisors, while it is open.
    fn may_note(&self, state: &ConnState) -> Result<(), Refusal> {
        let meta = self.open_for_agents(state)?;
        if works_on(&meta.view, &state.who.id) || state.may_monitor {
            Ok(())
        } else {
            Err(refusal(
                ErrorCode::Forbidden,
                "only the agents working this conversation and supervisors can write notes in it",
            ))
        }
    }

    /// Whether the socket's participant may whisper now, and to whom: a
    /// supervisor, to the agent working the conversation.
    fn may_whisper(&self, state: &ConnState) -> Result<Participant, Refusal> {
        let meta = self.open_for_agents(state)?;
        if !state.may_monitor {
            return Err(refusal(
                ErrorCode::Forbidden,
                "only supervisors can whisper",
            ));
        }
        match &meta.view.assignee {
            Some(a) if a.id != state.who.id => Ok(a.clone()),
            Some(_) => Err(refusal(
                ErrorCode::Forbidden,
                "you work this conversation: write a note instead",
            )),
            None => Err(refusal(
                ErrorCode::Forbidden,
                "nobody works this conversation yet: there is no one to whisper to",
            )),
        }
    }

    /// The conversation, if an agent whose role writes may add a line for
    /// agents to it now.
    fn open_for_agents(&self, state: &ConnState) -> Result<&Meta, Refusal> {
        if state.who.side != Side::Agent {
            return Err(refusal(ErrorCode::Forbidden, "only agents write notes"));
        }
        if !state.may_reply {
            return Err(refusal(
                ErrorCode::Forbidden,
                "your role cannot write in chats",
            ));
        }
        self.open_meta()
    }

    /// Whether `state`'s participant may write a message of `kind` with
    /// `client_id` now: already stored (a retry), or new with its
    /// addressee. The same rules for a sent text and an uploaded file.
    pub(super) fn admit(
        &self,
        state: &ConnState,
        client_id: &ClientMsgId,
        kind: SendKind,
    ) -> Result<Admitted, Refusal> {
        if client_id.0.is_empty() || client_id.0.len() > MAX_CLIENT_ID_BYTES {
            return Err(refusal(
                ErrorCode::InvalidMessage,
                "client_id must be 1 to 64 bytes",
            ));
        }
        let key = (state.who.id.clone(), client_id.clone());
        if let Some(&(seq, sent_at)) = self.client_ids.get(&key) {
            return Ok(Admitted::Again { seq, sent_at });
        }
        let to = match kind {
            SendKind::Text => self.may_write(state).map(|()| None),
            SendKind::Note => self.may_note(state).map(|()| None),
            SendKind::Whisper => self.may_whisper(state).map(Some),
        }?;
        Ok(Admitted::New { to })
    }

    /// The participant of an upload, as the conversation knows them, with
    /// their rights; refused for a visitor of another conversation.
    pub(super) fn uploader(&self, upload: &Upload) -> Result<ConnState, Refusal> {
        let Some(meta) = &self.meta else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        let who = match upload.who.side {
            Side::Visitor if upload.who.id != meta.view.visitor.id => {
                return Err(refusal(ErrorCode::Forbidden, "not your conversation"));
            }
            Side::Visitor => meta.view.visitor.clone(),
            Side::Agent => upload.who.clone(),
            Side::System => return Err(refusal(ErrorCode::Forbidden, "not a participant")),
        };
        Ok(ConnState {
            may_reply: upload.may_reply || who.side == Side::Visitor,
            may_monitor: upload.may_monitor && who.side == Side::Agent,
            who,
            ready: true,
        })
    }

    /// Whether an upload may go ahead, before its bytes are stored: `Ok(Some(seq))`
    /// when the same client id is already stored (the shell answers that
    /// message and stores nothing), `Ok(None)` when it is new and allowed.
    /// [`Input::Attach`] checks again once the bytes are kept.
    pub fn check_attach(&self, upload: &Upload) -> Result<Option<Seq>, Refusal> {
        let state = self.uploader(upload)?;
        match self.admit(&state, &upload.client_id, upload.kind)? {
            Admitted::Again { seq, .. } => Ok(Some(seq)),
            Admitted::New { .. } => {
                check_text(&upload.text, true)?;
                Ok(None)
            }
        }
    }
}
