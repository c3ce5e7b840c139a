//! A conversation's call as the agent app words it: pure, natively tested.
//! What the call's state means ([`chat_client::call::CallClient`] decides
//! the phase) is turned here into whether "Start call" shows ([`start`]),
//! the lines of the call area and the labels of its toggles. The media
//! (microphone, camera, peer connection) is `call_media.rs`; the screen is
//! `components/call_panel.rs`.

use chat_client::call::Phase;
use shared::call::{CallKind, CallStatus, MediaState};
use shared::frame::ConversationStatus;

/// Whether "Start call" shows, and may be pressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// Not this agent's conversation: nothing to show.
    Hidden,
    /// Shown, but not now, and why.
    Disabled(&'static str),
    /// Pressing it offers "Audio call" and "Video call".
    Ready,
}

/// "Start call" for a conversation whose status is `owned` when it is
/// assigned to this agent (`None` otherwise), with the call at `phase`;
/// `opening` while the browser is asked for the microphone and camera.
pub fn start(owned: Option<ConversationStatus>, phase: &Phase, opening: bool) -> Start {
    match owned {
        None => Start::Hidden,
        Some(ConversationStatus::Active) => match phase {
            _ if opening => Start::Disabled("Waiting for the microphone and camera."),
            Phase::Idle | Phase::Ended(_) => Start::Ready,
            _ => Start::Disabled("A call is already under way."),
        },
        Some(ConversationStatus::OnHold) => Start::Disabled("Resume the chat to start a call."),
        Some(_) => Start::Hidden,
    }
}

/// "audio call" or "video call".
pub fn kind_word(kind: Option<CallKind>) -> &'static str {
    match kind {
        Some(CallKind::Video) => "video call",
        _ => "audio call",
    }
}

/// A running call's length: "0:05", "12:34", "1:02:03".
pub fn timer(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// What the ringing call says: "Calling Vera…".
pub fn ringing(visitor: &str) -> String {
    format!("Calling {visitor}…")
}

/// The visitor's microphone (and camera) as they say:
/// "Vera: microphone on, camera off".
pub fn their_media(name: &str, kind: Option<CallKind>, media: MediaState) -> String {
    let mic = if media.audio { "on" } else { "muted" };
    if kind == Some(CallKind::Video) {
        let camera = if media.video { "on" } else { "off" };
        format!("{name}: microphone {mic}, camera {camera}")
    } else {
        format!("{name}: microphone {mic}")
    }
}

/// What someone outside the call (a supervisor) reads: "Call in progress:
/// video call since 14:05", or "…, ringing since 14:05"; `at` is the
/// clock time of `since`.
pub fn watching(kind: Option<CallKind>, status: Option<CallStatus>, at: Option<&str>) -> String {
    let kind = kind_word(kind);
    match (status, at) {
        (Some(CallStatus::Ringing), Some(at)) => {
            format!("Call in progress: {kind}, ringing since {at}")
        }
        (_, Some(at)) => format!("Call in progress: {kind} since {at}"),
        (_, None) => format!("Call in progress: {kind}"),
    }
}

/// The short notice left when a call is over (the chat has the full line).
pub fn ended(status: CallStatus, duration_ms: i64) -> String {
    match status {
        CallStatus::Declined => "Call declined.".into(),
        CallStatus::Missed => "Call not answered.".into(),
        _ if duration_ms >= 1000 => format!("Call ended after {}.", timer(duration_ms)),
        _ => "Call ended.".into(),
    }
}

/// The microphone's toggle, for what this side sends now.
pub fn mic_label(media: MediaState) -> &'static str {
    if media.audio {
        "Mute microphone"
    } else {
        "Unmute microphone"
    }
}

/// The camera's toggle, for what this side sends now.
pub fn camera_label(media: MediaState) -> &'static str {
    if media.video {
        "Turn camera off"
    } else {
        "Turn camera on"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallStatus::*;
    use ConversationStatus::*;

    #[track_caller]
    fn check_start(owned: Option<ConversationStatus>, phase: Phase, opening: bool, want: Start) {
        assert_eq!(start(owned, &phase, opening), want);
    }

    #[test]
    fn start_call_only_in_ones_own_chat_in_progress_without_a_live_call() {
        check_start(Some(Active), Phase::Idle, false, Start::Ready);
        check_start(Some(Active), Phase::Ended(Declined), false, Start::Ready);
        check_start(None, Phase::Idle, false, Start::Hidden);
        check_start(None, Phase::Watching, false, Start::Hidden);
        check_start(Some(Closed), Phase::Idle, false, Start::Hidden);
        check_start(Some(Queued), Phase::Idle, false, Start::Hidden);
        let busy = Start::Disabled("A call is already under way.");
        for phase in [
            Phase::Starting,
            Phase::Outgoing,
            Phase::Connected,
            Phase::Watching,
        ] {
            check_start(Some(Active), phase, false, busy.clone());
        }
        check_start(
            Some(OnHold),
            Phase::Idle,
            false,
            Start::Disabled("Resume the chat to start a call."),
        );
        check_start(
            Some(Active),
            Phase::Idle,
            true,
            Start::Disabled("Waiting for the microphone and camera."),
        );
    }

    #[test]
    fn timers() {
        for (ms, want) in [
            (-5, "0:00"),
            (0, "0:00"),
            (999, "0:00"),
            (5_000, "0:05"),
            (65_000, "1:05"),
            (754_000, "12:34"),
            (3_723_000, "1:02:03"),
        ] {
            assert_eq!(timer(ms), want, "{ms}");
        }
    }

    #[test]
    fn lines() {
        assert_eq!(ringing("Vera"), "Calling Vera…");
        let on = MediaState::of(CallKind::Video);
        let muted = MediaState {
            audio: false,
            video: true,
        };
        let dark = MediaState {
            audio: true,
            video: false,
        };
        assert_eq!(
            their_media("Vera", Some(CallKind::Video), on),
            "Vera: microphone on, camera on"
        );
        assert_eq!(
            their_media("Vera", Some(CallKind::Video), dark),
            "Vera: microphone on, camera off"
        );
        assert_eq!(
            their_media("Vera", Some(CallKind::Audio), muted),
            "Vera: microphone muted"
        );
        assert_eq!(
            watching(Some(CallKind::Video), Some(Connected), Some("14:05")),
            "Call in progress: video call since 14:05"
        );
        assert_eq!(
            watching(Some(CallKind::Audio), Some(Ringing), Some("09:30")),
            "Call in progress: audio call, ringing since 09:30"
        );
        assert_eq!(watching(None, None, None), "Call in progress: audio call");
        assert_eq!(ended(Declined, 0), "Call declined.");
        assert_eq!(ended(Missed, 0), "Call not answered.");
        assert_eq!(ended(Ended, 0), "Call ended.");
        assert_eq!(ended(Ended, 65_400), "Call ended after 1:05.");
    }

    #[test]
    fn toggles_name_what_a_press_does() {
        let on = MediaState::of(CallKind::Video);
        let off = MediaState {
            audio: false,
            video: false,
        };
        assert_eq!(mic_label(on), "Mute microphone");
        assert_eq!(mic_label(off), "Unmute microphone");
        assert_eq!(camera_label(on), "Turn camera off");
        assert_eq!(camera_label(off), "Turn camera on");
    }
}
