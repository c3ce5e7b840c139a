//! The Webhooks screen: a webhook's form (name, URL, events as
//! checkboxes, active) and the words of events and delivery statuses.

use shared::admin::{DeliveryStatus, Webhook, WebhookEvent, WebhookRequest};
use std::collections::BTreeSet;

/// Every event, in the form's order, with its words.
pub const EVENTS: [(WebhookEvent, &str); 8] = [
    (WebhookEvent::ChatQueued, "Chat queued"),
    (WebhookEvent::ChatTaken, "Chat taken"),
    (WebhookEvent::VisitorMessage, "Visitor message"),
    (WebhookEvent::AgentMessage, "Agent message"),
    (WebhookEvent::ChatTransferred, "Chat forwarded"),
    (WebhookEvent::ChatOnHold, "Chat on hold"),
    (WebhookEvent::ChatClosed, "Chat closed"),
    (WebhookEvent::OfflineMessage, "Offline message"),
];

/// An event's words.
pub fn event_word(e: WebhookEvent) -> &'static str {
    EVENTS
        .iter()
        .find(|(x, _)| *x == e)
        .map_or("Unknown event", |(_, w)| w)
}

/// A delivery status's words.
pub fn status_word(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Pending => "Pending",
        DeliveryStatus::Delivered => "Delivered",
        DeliveryStatus::Failed => "Failed",
        DeliveryStatus::Unknown => "Unknown",
    }
}

/// The form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDraft {
    /// What it is for.
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Its events.
    pub events: BTreeSet<WebhookEvent>,
    /// Whether deliveries are made.
    pub active: bool,
}

impl Default for WebhookDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            url: String::new(),
            events: BTreeSet::new(),
            active: true,
        }
    }
}

impl WebhookDraft {
    /// The form filled with `hook`.
    pub fn of(hook: &Webhook) -> Self {
        Self {
            name: hook.name.clone(),
            url: hook.url.clone(),
            events: hook.events.iter().copied().collect(),
            active: hook.active,
        }
    }

    /// What "Save" sends, or the hint that stops it.
    pub fn request(&self) -> Result<WebhookRequest, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("A webhook needs a name.".into());
        }
        let url = self.url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if !rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace)) {
            return Err("A webhook's URL starts with https://.".into());
        }
        if self.events.is_empty() {
            return Err("Choose at least one event.".into());
        }
        Ok(WebhookRequest {
            name: name.to_string(),
            url: url.to_string(),
            events: EVENTS
                .iter()
                .map(|(e, _)| *e)
                .filter(|e| self.events.contains(e))
                .collect(),
            active: self.active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_webhook_sends_its_events_in_order() {
        let draft = WebhookDraft {
            name: " CRM ".into(),
            url: "https://crm.example/hook".into(),
            events: [WebhookEvent::ChatClosed, WebhookEvent::ChatQueued].into(),
            active: false,
        };
        assert_eq!(
            serde_json::to_value(draft.request().unwrap()).unwrap(),
            json!({ "name": "CRM", "url": "https://crm.example/hook",
                    "events": ["chat_queued", "chat_closed"], "active": false })
        );
    }

    #[test]
    fn hints() {
        let mut draft = WebhookDraft::default();
        assert_eq!(draft.request().unwrap_err(), "A webhook needs a name.");
        draft.name = "CRM".into();
        draft.url = "crm.example".into();
        assert_eq!(
            draft.request().unwrap_err(),
            "A webhook's URL starts with https://."
        );
        draft.url = "http://127.0.0.1:9000/in".into();
        assert_eq!(draft.request().unwrap_err(), "Choose at least one event.");
        draft.events.insert(WebhookEvent::OfflineMessage);
        assert!(draft.request().is_ok());
    }

    #[test]
    fn words() {
        assert_eq!(event_word(WebhookEvent::ChatTransferred), "Chat forwarded");
        assert_eq!(event_word(WebhookEvent::Unknown), "Unknown event");
        assert_eq!(status_word(DeliveryStatus::Failed), "Failed");
    }
}
