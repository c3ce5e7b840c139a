//! What a closed conversation files elsewhere: itself with its contact,
//! its fact with the workspace's reports.

use super::{stored_meta, turns, write, Body, Room, Value};
use crate::error::{Error, Result};
use crate::http;
use chat_core::conversation::Meta;

/// How long a close waits to file itself with its contact again after a
/// failure.
const CONTACT_RETRY_MS: i64 = 10_000;

/// The close hook: the one call this object makes to the workspace's
/// contacts store, once, when the conversation has closed. It files the
/// conversation with its contact, with the text its visitor could read
/// (never an internal line), for the chat history's search.
impl Room {
    /// The conversation's row: as kept while the core is loaded (see
    /// `stored`), else read.
    fn row(&self) -> Result<Option<Meta>> {
        if self.core.borrow().is_some() {
            return Ok(self.stored.borrow().clone());
        }
        stored_meta(&self.sql())
    }

    /// Files a closed conversation with its contact unless it was: a
    /// failure is retried by the alarm.
    pub(super) async fn file_with_contact(&self) {
        let filed = async {
            let sql = self.sql();
            let meta = self.row()?;
            let Some(meta) =
                meta.filter(|m| m.view.status == shared::frame::ConversationStatus::Closed)
            else {
                return Ok(());
            };
            let done = sql
                .exec("SELECT value FROM kv WHERE key = 'contact_filed'", None)?
                .to_array::<Value>()?;
            if !done.is_empty() {
                return Ok(());
            }
            let lines: Vec<shared::frame::Message> = sql
                .exec(
                    "SELECT body FROM messages WHERE internal = 0 ORDER BY seq",
                    None,
                )?
                .to_array::<Body>()?
                .into_iter()
                .filter_map(|b| serde_json::from_str(&b.body).ok())
                .filter(|m: &shared::frame::Message| m.kind == shared::frame::MessageKind::Text)
                .collect();
            let closed = chat_core::contacts::Closed {
                summary: shared::inbox::ConversationSummary {
                    id: meta.view.id,
                    status: meta.view.status,
                    department: meta.view.department,
                    visitor: meta.view.visitor,
                    assignee: meta.view.assignee,
                    members: meta.view.members,
                    preview: meta.preview,
                    queued_at: meta.queued_at,
                    priority: Default::default(),
                },
                at: meta.closing.map_or_else(http::now, |c| c.at),
                text: chat_core::contacts::searchable_text(lines.iter().map(|m| m.text.as_str())),
            };
            let stub = self
                .env
                .durable_object("CONTACTS")?
                .get_by_name(&self.workspace()?)?;
            let _: serde_json::Value = http::ask(&stub, "/closed", &closed).await?;
            write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('contact_filed', '1')",
                None,
            )?;
            Ok::<_, Error>(())
        };
        if let Err(e) = filed.await {
            worker::console_error!("filing with the contact failed: {e}");
            self.arm(http::now() + CONTACT_RETRY_MS, "contact retry alarm")
                .await;
        }
    }
}

/// The report hook: a closed conversation files its fact with its
/// workspace's reports store, and files it again when its visitor rates
/// it; a failure is retried by the alarm, like the contact's filing.
impl Room {
    /// Files the fact unless this version of it was filed.
    pub(super) async fn file_report(&self) {
        let filed = async {
            let sql = self.sql();
            let Some(meta) = self.row()?.filter(chat_core::reports::Fact::due) else {
                return Ok(());
            };
            let Some(fact) = chat_core::reports::Fact::of(&meta, &turns(&sql)?) else {
                return Ok(());
            };
            let done = sql
                .exec("SELECT value FROM kv WHERE key = 'report_filed'", None)?
                .to_array::<Value>()?;
            if done
                .first()
                .and_then(|v| v.value.parse::<i64>().ok())
                .is_some_and(|v| v >= fact.version())
            {
                return Ok(());
            }
            crate::reports::file(&self.env, &self.workspace()?, &fact).await?;
            write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('report_filed', ?)",
                vec![fact.version().to_string().into()],
            )?;
            Ok::<_, Error>(())
        };
        if let Err(e) = filed.await {
            worker::console_error!("filing the report failed: {e}");
            self.arm(http::now() + CONTACT_RETRY_MS, "report retry alarm")
                .await;
        }
    }
}
