//! The call screen's words in English and Spanish, and what it shows,
//! pure: the invitation's sentence, the call's clock, the controls'
//! names as the microphone and camera stand, and why the media did not
//! start. The widget keeps the one sentence it needs of calls (for a
//! call module that did not load) in its own `i18n.rs`.

use shared::call::{CallKind, MediaState};

/// A language the call screen speaks (the widget's, given as a tag).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    /// English, the default.
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// Spanish for any `es` tag (`es`, `es-MX`), English otherwise.
    pub fn from_tag(tag: &str) -> Lang {
        let mut parts = tag.split(['-', '_']);
        if parts.next().is_some_and(|l| l.eq_ignore_ascii_case("es")) {
            Lang::Es
        } else {
            Lang::En
        }
    }
}

/// The words of one language.
#[derive(Debug)]
pub struct Words {
    /// After the agent's name: "Anna is calling you".
    pub calling: &'static str,
    pub video_call: &'static str,
    pub audio_call: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub mute: &'static str,
    pub unmute: &'static str,
    pub camera_off: &'static str,
    pub camera_on: &'static str,
    pub end_call: &'static str,
    /// The call's area, for screen readers.
    pub call: &'static str,
    /// Before the other side's media arrives.
    pub connecting: &'static str,
    /// The visitor's own preview.
    pub you: &'static str,
    pub denied: &'static str,
    pub no_device: &'static str,
    pub failed: &'static str,
}

const EN: Words = Words {
    calling: " is calling you",
    video_call: "Video call",
    audio_call: "Audio call",
    accept: "Accept",
    decline: "Decline",
    mute: "Mute microphone",
    unmute: "Unmute microphone",
    camera_off: "Turn camera off",
    camera_on: "Turn camera on",
    end_call: "End call",
    call: "Call",
    connecting: "Connecting…",
    you: "You",
    denied: "Your browser did not allow the microphone or camera, so the call ended. \
        Allow them for this site to take calls; the chat goes on.",
    no_device: "No microphone or camera was found, so the call ended; the chat goes on.",
    failed: "The microphone or camera could not start, so the call ended; the chat goes on.",
};

const ES: Words = Words {
    calling: " te está llamando",
    video_call: "Videollamada",
    audio_call: "Llamada de voz",
    accept: "Aceptar",
    decline: "Rechazar",
    mute: "Silenciar micrófono",
    unmute: "Activar micrófono",
    camera_off: "Apagar cámara",
    camera_on: "Encender cámara",
    end_call: "Colgar",
    call: "Llamada",
    connecting: "Conectando…",
    you: "Tú",
    denied: "Tu navegador no permitió el micrófono o la cámara, así que la llamada terminó. \
        Permítelos para este sitio para recibir llamadas; el chat sigue.",
    no_device: "No se encontró micrófono ni cámara, así que la llamada terminó; el chat sigue.",
    failed:
        "El micrófono o la cámara no pudieron iniciarse, así que la llamada terminó; el chat sigue.",
};

/// The words of `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

/// "Anna is calling you".
pub fn calling(w: &Words, agent: &str) -> String {
    [agent, w.calling].concat()
}

/// "Video call" or "Audio call".
pub fn kind(w: &Words, kind: CallKind) -> &'static str {
    if kind == CallKind::Video {
        w.video_call
    } else {
        w.audio_call
    }
}

/// The call's clock: "0:05", "12:34", "1:02:03".
pub fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The microphone's and the camera's buttons, as `media` stands: what a
/// press does next (`None` for the camera of an audio call).
pub fn controls(
    w: &Words,
    kind: CallKind,
    media: MediaState,
) -> (&'static str, Option<&'static str>) {
    let mic = if media.audio { w.mute } else { w.unmute };
    let camera = (kind == CallKind::Video).then_some(if media.video {
        w.camera_off
    } else {
        w.camera_on
    });
    (mic, camera)
}

/// Why this side has no media.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NoMedia {
    /// The person or the browser refused.
    Denied,
    /// No microphone or camera.
    NoDevice,
    /// Anything else.
    Failed,
}

/// What the visitor reads when their media did not start.
pub fn no_media(w: &Words, why: NoMedia) -> &'static str {
    match why {
        NoMedia::Denied => w.denied,
        NoMedia::NoDevice => w.no_device,
        NoMedia::Failed => w.failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_clock(ms: i64, expected: &str) {
        assert_eq!(clock(ms), expected);
    }

    #[test]
    fn the_clock_reads_like_a_call_timer() {
        check_clock(-5, "0:00");
        check_clock(0, "0:00");
        check_clock(999, "0:00");
        check_clock(5_000, "0:05");
        check_clock(65_000, "1:05");
        check_clock(754_000, "12:34");
        check_clock(3_723_000, "1:02:03");
        check_clock(36_000_000, "10:00:00");
    }

    #[test]
    fn the_invitation_names_the_agent_and_the_kind() {
        let en = words(Lang::En);
        assert_eq!(calling(en, "Anna"), "Anna is calling you");
        assert_eq!(kind(en, CallKind::Video), "Video call");
        assert_eq!(kind(en, CallKind::Audio), "Audio call");
        assert_eq!(kind(en, CallKind::Unknown), "Audio call");
        assert_eq!(calling(words(Lang::Es), "Anna"), "Anna te está llamando");
    }

    #[test]
    fn controls_say_what_a_press_does() {
        let w = words(Lang::En);
        let on = MediaState {
            audio: true,
            video: true,
        };
        let off = MediaState {
            audio: false,
            video: false,
        };
        assert_eq!(
            controls(w, CallKind::Video, on),
            ("Mute microphone", Some("Turn camera off"))
        );
        assert_eq!(
            controls(w, CallKind::Video, off),
            ("Unmute microphone", Some("Turn camera on"))
        );
        assert_eq!(controls(w, CallKind::Audio, on), ("Mute microphone", None));
        assert_eq!(
            controls(w, CallKind::Audio, off),
            ("Unmute microphone", None)
        );
    }

    #[test]
    fn the_language_follows_the_tag() {
        for (tag, lang) in [
            ("es", Lang::Es),
            ("es-MX", Lang::Es),
            ("ES_es", Lang::Es),
            ("en", Lang::En),
            ("en-US", Lang::En),
            ("est", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::from_tag(tag), lang, "{tag}");
        }
    }

    #[test]
    fn every_refusal_has_its_sentence() {
        for lang in [Lang::En, Lang::Es] {
            let w = words(lang);
            let said: Vec<_> = [NoMedia::Denied, NoMedia::NoDevice, NoMedia::Failed]
                .into_iter()
                .map(|why| no_media(w, why))
                .collect();
            assert!(said.iter().all(|s| !s.is_empty()));
            assert_ne!(said[0], said[1]);
            assert_ne!(said[1], said[2]);
        }
        assert!(no_media(words(Lang::En), NoMedia::Denied)
            .starts_with("Your browser did not allow the microphone or camera"));
    }
}
