//! What a conversation's transcript holds, for whom: only closed
//! conversations have one; it carries the messages and system lines the
//! visitor could read (never a note, a whisper or a line for agents), and
//! the agents' copy adds the transfer comments, which the visitor's never
//! has. The PDF itself is drawn by the `transcript` crate; the email's
//! text by [`plain_text`].

use super::lifecycle::TransferTarget;
use super::{Meta, Reader};
use shared::frame::{ConversationStatus, ErrorCode, Message, MessageKind, Side};

/// Who a transcript is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    /// An agent's download ("Export as PDF").
    Agents,
    /// Sent to the visitor ("Send via email").
    Visitor,
}

/// Why there is no transcript.
pub fn refuse_open(meta: &Meta) -> Result<(), super::Refusal> {
    if meta.view.status == ConversationStatus::Closed {
        Ok(())
    } else {
        Err(super::refusal(
            ErrorCode::ConversationClosed,
            "a transcript is made once the conversation is closed; this one is still open",
        ))
    }
}

/// The messages a transcript carries: what the visitor could read, in
/// order, whoever the copy is for.
pub fn lines(messages: impl IntoIterator<Item = Message>) -> Vec<Message> {
    messages
        .into_iter()
        .filter(|m| Reader::Visitor.may_read(m))
        .filter(|m| matches!(m.kind, MessageKind::Text | MessageKind::System))
        .collect()
}

/// The transcript of a closed conversation; `department` and `workspace`
/// are names, `utc_offset_minutes` the department's clock,
/// `visitor_email` when the contact left one.
pub fn build(
    meta: &Meta,
    messages: impl IntoIterator<Item = Message>,
    copy: Copy,
    workspace: &str,
    department: &str,
    utc_offset_minutes: i32,
    visitor_email: Option<String>,
) -> Result<transcript::Transcript, super::Refusal> {
    refuse_open(meta)?;
    let lines = lines(messages);
    let mut agents: Vec<String> = Vec::new();
    for m in &lines {
        if m.author.side == Side::Agent && !agents.contains(&m.author.name) {
            agents.push(m.author.name.clone());
        }
    }
    if let Some(a) = &meta.view.assignee {
        if !agents.contains(&a.name) {
            agents.push(a.name.clone());
        }
    }
    let closing = meta.closing.as_ref();
    let transfers = match copy {
        Copy::Visitor => Vec::new(),
        Copy::Agents => meta
            .transfers
            .iter()
            .map(|t| transcript::Transfer {
                at: t.at,
                from: t.by.name.clone(),
                to: match &t.to {
                    TransferTarget::Agent { agent } => agent.name.clone(),
                    TransferTarget::Department { name, .. } => name.clone(),
                },
                comment: t.comment.clone(),
            })
            .collect(),
    };
    let messages = lines
        .into_iter()
        .map(|m| transcript::Message {
            seq: m.seq,
            author: if m.author.side == Side::System {
                String::new()
            } else {
                m.author.name
            },
            side: match m.author.side {
                Side::Visitor => transcript::Side::Visitor,
                Side::Agent => transcript::Side::Agent,
                Side::System => transcript::Side::System,
            },
            sent_at: m.sent_at,
            text: m.text,
            attachments: m
                .attachment
                .into_iter()
                .map(|a| transcript::Attachment {
                    name: a.name,
                    mime_type: a.mime,
                    size: a.size,
                    bytes: None,
                })
                .collect(),
        })
        .collect();
    Ok(transcript::Transcript {
        header: transcript::Header {
            title: format!("Conversation with {}", meta.view.visitor.name),
            conversation_id: meta.view.id.0.clone(),
            workspace: workspace.to_owned(),
            department: Some(department.to_owned()).filter(|d| !d.is_empty()),
            visitor_name: Some(meta.view.visitor.name.clone()),
            visitor_email,
            agents,
            created_at: if meta.created_at > 0 {
                meta.created_at
            } else {
                meta.queued_at
            },
            taken_at: meta.taken_at,
            closed_at: closing.map(|c| c.at),
            utc_offset_minutes,
            topic: Some(meta.topic.clone()).filter(|t| !t.is_empty()),
            tags: closing
                .map(|c| c.tags.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| meta.tags.clone()),
            disposition: closing.and_then(|c| c.disposition.clone()),
            closing_comment: closing.map(|c| c.comment.clone()),
            transfers,
        },
        messages,
    })
}

/// The transcript as the plain text of an email to the visitor.
pub fn plain_text(t: &transcript::Transcript) -> String {
    let mut out = format!("{}\n\n", t.header.title);
    for m in &t.messages {
        let time = clock(m.sent_at);
        if m.side == transcript::Side::System {
            out.push_str(&format!("[{time}] {}\n", m.text));
        } else {
            out.push_str(&format!("[{time}] {}: {}\n", m.author, m.text));
        }
    }
    out
}

/// `HH:MM` (UTC) of a time in ms since the epoch.
fn clock(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000);
    format!(
        "{:02}:{:02} UTC",
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

/// The images a transcript with attachments embeds: `(seq of the message,
/// file id)` of every PNG or JPEG it carries; other files are listed by
/// name and size only.
pub fn images(messages: &[Message]) -> Vec<(u64, String)> {
    lines(messages.iter().cloned())
        .into_iter()
        .filter_map(|m| {
            let a = m.attachment?;
            matches!(a.mime.as_str(), "image/png" | "image/jpeg").then_some((m.seq, a.id))
        })
        .collect()
}
