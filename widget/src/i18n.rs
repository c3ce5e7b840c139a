//! Every word the widget shows, in English and Spanish: one [`Texts`] per
//! language, so a missing key is a compile error, and the few sentences
//! built around a value (a name, a number). The language comes from the
//! loader's `lc:config` (`setLanguage`) or else `navigator.language`.
//! Sentences are put together by pushing pieces, never with `format!`,
//! whose machinery would weigh on the Wasm.

/// A language the widget speaks.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Lang {
    /// English, the default.
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// The language for a tag like `es-MX` or `en`: Spanish for any `es`
    /// tag, English otherwise.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.as_bytes();
        if tag.len() >= 2
            && tag[..2].eq_ignore_ascii_case(b"es")
            && tag.get(2).is_none_or(|c| *c == b'-' || *c == b'_')
        {
            Lang::Es
        } else {
            Lang::En
        }
    }

    /// The tag for `<html lang>` and the API's `language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The words of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

/// The words of one language. Fields named after what they are for.
#[cfg_attr(test, derive(Debug))]
pub struct Texts {
    pub title: &'static str,
    pub greeting: &'static str,
    pub close_chat: &'static str,
    pub end_chat: &'static str,
    pub end_question: &'static str,
    pub confirm: &'static str,
    pub cancel: &'static str,
    pub pop_out: &'static str,
    pub mute: &'static str,
    pub messages: &'static str,
    pub waiting: &'static str,
    pub message: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub emoji: &'static str,
    pub attach: &'static str,
    pub you: &'static str,
    pub retry: &'static str,
    pub dismiss: &'static str,
    pub sending_file: &'static str,
    pub check_sending: &'static str,
    pub check_failed: &'static str,
    pub check_sent: &'static str,
    pub check_delivered: &'static str,
    pub check_read: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub ended: &'static str,
    pub try_again: &'static str,
    pub new_chat: &'static str,
    pub reload: &'static str,
    pub no_site_key: &'static str,
    pub no_longer: &'static str,
    pub updated: &'static str,
    pub could_not_connect: &'static str,
    pub network: &'static str,
    pub not_here: &'static str,
    pub too_many: &'static str,
    pub queue_full: &'static str,
    pub could_not_start: &'static str,
    pub could_not_send: &'static str,
    pub try_again_after: &'static str,
    pub error_word: &'static str,
    pub draft_empty: &'static str,
    pub draft_too_long: &'static str,
    pub draft_no_id: &'static str,
    pub is_typing: &'static str,
    pub are_typing: &'static str,
    pub and: &'static str,
    pub several_typing: &'static str,
    pub queue_number: &'static str,
    pub queue_in: &'static str,
    pub under_a_minute: &'static str,
    pub about: &'static str,
    pub minutes: &'static str,
    pub offline_title: &'static str,
    pub offline_hint: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub thanks: &'static str,
    pub enter_name: &'static str,
    pub name_too_long: &'static str,
    pub enter_email: &'static str,
    pub bad_email: &'static str,
    pub write_message: &'static str,
    pub message_too_long: &'static str,
    pub unreachable: &'static str,
    /// The call module did not load (the call is declined).
    pub call_failed: &'static str,
    pub prechat_title: &'static str,
    pub prechat_hint: &'static str,
    pub department: &'static str,
    pub choose: &'static str,
    pub choose_department: &'static str,
    pub optional: &'static str,
    pub fill_in: &'static str,
    pub start_chat: &'static str,
    pub skip: &'static str,
    pub rate: &'static str,
    pub star: &'static str,
    pub stars: &'static str,
    pub thumbs_up: &'static str,
    pub thumbs_down: &'static str,
    pub comment: &'static str,
    pub pick_score: &'static str,
    pub comment_too_long: &'static str,
    pub rated: &'static str,
    pub transcript: &'static str,
    pub transcript_sent: &'static str,
    pub upload_network: &'static str,
    pub upload_bad_answer: &'static str,
    pub upload_refused: &'static str,
}

/// English.
pub static EN: Texts = Texts {
    title: "Chat with us",
    greeting: "Hi! Ask us anything. We'll answer right here.",
    close_chat: "Close chat",
    end_chat: "End chat",
    end_question: "End this chat?",
    confirm: "Confirm",
    cancel: "Cancel",
    pop_out: "Pop out",
    mute: "Mute sounds",
    messages: "Messages",
    waiting: "Waiting for an agent…",
    message: "Message",
    placeholder: "Write a message…",
    send: "Send",
    emoji: "Emoji",
    attach: "Attach a file",
    you: "You: ",
    retry: "Retry",
    dismiss: "Dismiss",
    sending_file: "Sending…",
    check_sending: "Sending",
    check_failed: "Not sent",
    check_sent: "Sent",
    check_delivered: "Delivered",
    check_read: "Read",
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    ended: "This chat has ended.",
    try_again: "Try again",
    new_chat: "Start a new chat",
    reload: "Reload",
    no_site_key: "This chat is not set up correctly: the site key is missing.",
    no_longer: "This chat is no longer available.",
    updated: "This chat was updated. Reload it to continue.",
    could_not_connect: "The chat could not connect",
    network: "We couldn't reach the chat. Check your connection and try again.",
    not_here: "This chat is not available on this site.",
    too_many: "Too many attempts. Please wait a moment and try again.",
    queue_full:
        "All our agents are busy and many people are waiting. Please try again in a few minutes.",
    could_not_start: "The chat could not start",
    could_not_send: "This could not be sent",
    try_again_after: " Please try again.",
    error_word: "error ",
    draft_empty: "Write a message first.",
    draft_too_long: "This message is too long. Please shorten it.",
    draft_no_id: "This browser cannot send messages here.",
    is_typing: " is typing…",
    are_typing: " are typing…",
    and: " and ",
    several_typing: "Several people are typing…",
    queue_number: "You are number ",
    queue_in: " in the queue · ",
    under_a_minute: "less than a minute",
    about: "about ",
    minutes: " min",
    offline_title: "We are offline",
    offline_hint: "Nobody can answer right now. Leave a message and we will reply by email.",
    name: "Name",
    email: "Email",
    thanks: "Thanks! We will reply by email.",
    enter_name: "Please enter your name.",
    name_too_long: "This name is too long.",
    enter_email: "Please enter your email.",
    bad_email: "Please enter a valid email, like name@example.com.",
    write_message: "Please write a message.",
    message_too_long: "This message is too long. Please shorten it.",
    unreachable: "We couldn't reach the server. Check your connection and try again.",
    call_failed: "The call could not open: part of the chat did not load. The call was declined; the chat goes on.",
    prechat_title: "Before we start",
    prechat_hint: "Tell us a little about yourself so we can help you faster.",
    department: "Department",
    choose: "Choose…",
    choose_department: "Please choose a department.",
    optional: " (optional)",
    fill_in: "Please fill in this field.",
    start_chat: "Start the chat",
    skip: "Skip",
    rate: "Rate this chat",
    star: " star",
    stars: " stars",
    thumbs_up: "Good",
    thumbs_down: "Bad",
    comment: "Comment (optional)",
    pick_score: "Please choose a rating.",
    comment_too_long: "This comment is too long.",
    rated: "Thanks for your rating!",
    transcript: "Send me the transcript",
    transcript_sent: "The transcript is on its way to your inbox.",
    upload_network: "The file could not be sent: check the connection and retry.",
    upload_bad_answer: "The server's answer was not understood; retry.",
    upload_refused: "The file was refused.",
};

/// Spanish.
pub static ES: Texts = Texts {
    title: "Chatea con nosotros",
    greeting: "¡Hola! Pregúntanos lo que quieras. Te responderemos aquí.",
    close_chat: "Cerrar chat",
    end_chat: "Finalizar chat",
    end_question: "¿Finalizar este chat?",
    confirm: "Confirmar",
    cancel: "Cancelar",
    pop_out: "Abrir en una ventana",
    mute: "Silenciar sonidos",
    messages: "Mensajes",
    waiting: "Esperando a un agente…",
    message: "Mensaje",
    placeholder: "Escribe un mensaje…",
    send: "Enviar",
    emoji: "Emoji",
    attach: "Adjuntar un archivo",
    you: "Tú: ",
    retry: "Reintentar",
    dismiss: "Descartar",
    sending_file: "Enviando…",
    check_sending: "Enviando",
    check_failed: "No enviado",
    check_sent: "Enviado",
    check_delivered: "Entregado",
    check_read: "Leído",
    connecting: "Conectando…",
    reconnecting: "Conexión perdida. Reconectando…",
    ended: "Este chat ha finalizado.",
    try_again: "Intentar de nuevo",
    new_chat: "Iniciar un chat nuevo",
    reload: "Recargar",
    no_site_key: "Este chat no está bien configurado: falta la clave del sitio.",
    no_longer: "Este chat ya no está disponible.",
    updated: "Este chat se ha actualizado. Recárgalo para continuar.",
    could_not_connect: "El chat no pudo conectarse",
    network: "No pudimos conectar con el chat. Revisa tu conexión e inténtalo de nuevo.",
    not_here: "Este chat no está disponible en este sitio.",
    too_many: "Demasiados intentos. Espera un momento e inténtalo de nuevo.",
    queue_full: "Todos nuestros agentes están ocupados y hay mucha gente esperando. Inténtalo de nuevo en unos minutos.",
    could_not_start: "El chat no pudo empezar",
    could_not_send: "No se pudo enviar",
    try_again_after: " Inténtalo de nuevo.",
    error_word: "error ",
    draft_empty: "Escribe un mensaje primero.",
    draft_too_long: "Este mensaje es demasiado largo. Acórtalo, por favor.",
    draft_no_id: "Este navegador no puede enviar mensajes aquí.",
    is_typing: " está escribiendo…",
    are_typing: " están escribiendo…",
    and: " y ",
    several_typing: "Varias personas están escribiendo…",
    queue_number: "Eres el número ",
    queue_in: " en la cola · ",
    under_a_minute: "menos de un minuto",
    about: "unos ",
    minutes: " min",
    offline_title: "Estamos desconectados",
    offline_hint: "Ahora nadie puede responder. Déjanos un mensaje y te responderemos por correo.",
    name: "Nombre",
    email: "Correo electrónico",
    thanks: "¡Gracias! Te responderemos por correo.",
    enter_name: "Escribe tu nombre.",
    name_too_long: "Este nombre es demasiado largo.",
    enter_email: "Escribe tu correo electrónico.",
    bad_email: "Escribe un correo válido, como nombre@ejemplo.com.",
    write_message: "Escribe un mensaje.",
    message_too_long: "Este mensaje es demasiado largo. Acórtalo, por favor.",
    unreachable: "No pudimos conectar con el servidor. Revisa tu conexión e inténtalo de nuevo.",
    call_failed: "No se pudo abrir la llamada: una parte del chat no se cargó. La llamada se rechazó; el chat sigue.",
    prechat_title: "Antes de empezar",
    prechat_hint: "Cuéntanos un poco sobre ti para ayudarte más rápido.",
    department: "Departamento",
    choose: "Elige…",
    choose_department: "Elige un departamento.",
    optional: " (opcional)",
    fill_in: "Rellena este campo.",
    start_chat: "Empezar el chat",
    skip: "Omitir",
    rate: "Valorar este chat",
    star: " estrella",
    stars: " estrellas",
    thumbs_up: "Bien",
    thumbs_down: "Mal",
    comment: "Comentario (opcional)",
    pick_score: "Elige una valoración.",
    comment_too_long: "Este comentario es demasiado largo.",
    rated: "¡Gracias por tu valoración!",
    transcript: "Enviarme la transcripción",
    transcript_sent: "La transcripción va de camino a tu correo.",
    upload_network: "No se pudo enviar el archivo: revisa la conexión y reinténtalo.",
    upload_bad_answer: "No se entendió la respuesta del servidor; reinténtalo.",
    upload_refused: "El archivo fue rechazado.",
};

/// Appends `n` in decimal.
pub fn push_num(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[at..] {
        out.push(char::from(*d));
    }
}

/// `n` in decimal.
pub fn num(n: u64) -> String {
    let mut out = String::new();
    push_num(&mut out, n);
    out
}

/// The pieces, one after the other.
pub fn join(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// "Anna is typing…", "Anna and Ben are typing…", or several.
pub fn typing(t: &Texts, names: &[&str]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(join(&[one, t.is_typing])),
        [a, b] => Some(join(&[a, t.and, b, t.are_typing])),
        _ => Some(t.several_typing.to_owned()),
    }
}

/// "You are number 2 in the queue · about 3 min" (minutes rounded to the
/// nearest; under one minute says so).
pub fn queue(t: &Texts, position: usize, wait_ms: i64) -> String {
    let mut out = join(&[t.queue_number]);
    push_num(&mut out, position as u64);
    out.push_str(t.queue_in);
    if wait_ms < 60_000 {
        out.push_str(t.under_a_minute);
    } else {
        out.push_str(t.about);
        push_num(&mut out, (wait_ms.saturating_add(30_000) / 60_000) as u64);
        out.push_str(t.minutes);
    }
    out
}

/// "4 stars", "1 star".
pub fn stars(t: &Texts, n: u8) -> String {
    let mut out = num(u64::from(n));
    out.push_str(if n == 1 { t.star } else { t.stars });
    out
}

/// "`lead` (error 502)." or "`lead`: `why`" when the server said why.
pub fn failure(t: &Texts, lead: &str, status: Option<u16>, why: Option<&str>) -> String {
    match (why, status) {
        (Some(why), _) => join(&[lead, ": ", why]),
        (None, Some(status)) => {
            let mut out = join(&[lead, " (", t.error_word]);
            push_num(&mut out, u64::from(status));
            out.push_str(").");
            out.push_str(t.try_again_after);
            out
        }
        (None, None) => join(&[lead, ".", t.try_again_after]),
    }
}

/// Why an upload failed: the server's sentence (capitalised, with a full
/// stop), or ours.
pub fn upload_failed(t: &Texts, status: Option<u16>, message: Option<&str>) -> String {
    match (status, message) {
        (Some(_), Some(m)) if !m.is_empty() => {
            let mut out = String::with_capacity(m.len() + 1);
            let mut chars = m.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
            }
            out.push_str(chars.as_str());
            out.push('.');
            out
        }
        (Some(0), _) => t.upload_bad_answer.to_owned(),
        (Some(_), _) => t.upload_refused.to_owned(),
        (None, _) => t.upload_network.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a [`Texts`], by reading its debug form: a key left
    /// empty in one language fails here.
    fn values(t: &Texts) -> Vec<String> {
        let debug = format!("{t:#?}");
        debug
            .lines()
            .filter_map(|l| {
                l.split_once(": ")
                    .map(|(_, v)| v.trim_end_matches(',').to_owned())
            })
            .collect()
    }

    #[test]
    fn every_key_in_both_languages() {
        let (en, es) = (values(&EN), values(&ES));
        assert_eq!(en.len(), es.len());
        assert!(en.len() > 80, "{}", en.len());
        for (e, s) in en.iter().zip(&es) {
            assert!(e != "\"\"" && s != "\"\"", "an empty text: {e} / {s}");
        }
    }

    #[test]
    fn accessible_names_as_the_product_lists_them() {
        let names = |t: &Texts| {
            [
                t.close_chat,
                t.message,
                t.send,
                t.end_chat,
                t.attach,
                t.rate,
                t.transcript,
                t.pop_out,
            ]
        };
        assert_eq!(
            names(&EN),
            [
                "Close chat",
                "Message",
                "Send",
                "End chat",
                "Attach a file",
                "Rate this chat",
                "Send me the transcript",
                "Pop out"
            ]
        );
        assert_eq!(
            names(&ES),
            [
                "Cerrar chat",
                "Mensaje",
                "Enviar",
                "Finalizar chat",
                "Adjuntar un archivo",
                "Valorar este chat",
                "Enviarme la transcripción",
                "Abrir en una ventana"
            ]
        );
    }

    #[test]
    fn languages_from_tags() {
        for (tag, lang) in [
            ("es", Lang::Es),
            ("es-MX", Lang::Es),
            ("ES_es", Lang::Es),
            ("en-US", Lang::En),
            ("", Lang::En),
            ("est", Lang::En),
            ("fr", Lang::En),
        ] {
            assert_eq!(Lang::from_tag(tag), lang, "{tag}");
        }
    }

    #[test]
    fn upload_failures() {
        assert_eq!(
            upload_failed(
                &EN,
                Some(415),
                Some("the file's content is not a PNG image: it does not start like one")
            ),
            "The file's content is not a PNG image: it does not start like one."
        );
        assert_eq!(upload_failed(&EN, Some(413), None), EN.upload_refused);
        assert_eq!(upload_failed(&EN, None, None), EN.upload_network);
        assert_eq!(upload_failed(&ES, Some(0), None), ES.upload_bad_answer);
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 1234, u64::MAX] {
            assert_eq!(num(n), n.to_string());
        }
    }

    #[track_caller]
    fn check_queue(t: &Texts, position: usize, wait_ms: i64, expected: &str) {
        assert_eq!(
            queue(t, position, wait_ms),
            expected,
            "{position} {wait_ms}"
        );
    }

    #[test]
    fn queue_sentences() {
        check_queue(
            &EN,
            1,
            0,
            "You are number 1 in the queue · less than a minute",
        );
        check_queue(
            &EN,
            1,
            -5,
            "You are number 1 in the queue · less than a minute",
        );
        check_queue(
            &EN,
            2,
            59_999,
            "You are number 2 in the queue · less than a minute",
        );
        check_queue(
            &EN,
            2,
            60_000,
            "You are number 2 in the queue · about 1 min",
        );
        check_queue(
            &EN,
            3,
            149_000,
            "You are number 3 in the queue · about 2 min",
        );
        check_queue(
            &EN,
            3,
            150_000,
            "You are number 3 in the queue · about 3 min",
        );
        check_queue(
            &EN,
            3,
            i64::MAX,
            "You are number 3 in the queue · about 153722867280912 min",
        );
        check_queue(&ES, 2, 120_000, "Eres el número 2 en la cola · unos 2 min");
    }

    #[test]
    fn sentences_around_values() {
        assert_eq!(typing(&EN, &[]), None);
        assert_eq!(typing(&EN, &["Anna"]).as_deref(), Some("Anna is typing…"));
        assert_eq!(
            typing(&ES, &["Ana", "Bea"]).as_deref(),
            Some("Ana y Bea están escribiendo…")
        );
        assert_eq!(
            typing(&EN, &["a", "b", "c"]).as_deref(),
            Some("Several people are typing…")
        );
        assert_eq!(stars(&EN, 1), "1 star");
        assert_eq!(stars(&ES, 4), "4 estrellas");
        assert_eq!(
            failure(&EN, EN.could_not_start, Some(502), None),
            "The chat could not start (error 502). Please try again."
        );
        assert_eq!(
            failure(&EN, EN.could_not_start, Some(400), Some("No.")),
            "The chat could not start: No."
        );
        assert_eq!(
            failure(&EN, EN.could_not_connect, None, None),
            "The chat could not connect. Please try again."
        );
    }
}
