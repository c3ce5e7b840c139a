//! Files in a conversation: an upload is a message like a sent text (the
//! same dedupe, permissions and audiences), and the files panel lists what
//! its reader may read.

use crate::sim::{agent, visitor, Sim};
use chat_core::conversation::{Attached, Reader, Upload};
use chat_core::files::list;
use chat_core::Input;
use shared::files::{Attachment, FileType};
use shared::frame::{
    ConversationStatus, ErrorCode, Message, MessageKind, Participant, SendKind, ServerFrame,
};
use shared::ids::ClientMsgId;

fn upload(who: Participant, client_id: &str, kind: SendKind) -> Upload {
    Upload {
        who,
        may_reply: true,
        may_monitor: false,
        client_id: ClientMsgId(client_id.into()),
        kind,
        text: String::new(),
    }
}

fn file(id: &str, name: &str, mime: &str) -> Attachment {
    Attachment {
        id: id.into(),
        name: name.into(),
        mime: mime.into(),
        size: 3,
    }
}

/// Checks the upload as the shell does before keeping the bytes, then
/// feeds it; answers what the conversation said.
fn attach(sim: &mut Sim, up: Upload, attachment: Attachment) -> Result<Attached, ErrorCode> {
    match sim.core.check_attach(&up) {
        Err(r) => return Err(r.code),
        Ok(Some(seq)) => return Ok(Attached::Again { seq }),
        Ok(None) => {}
    }
    sim.input(Input::Attach {
        upload: up,
        attachment,
    });
    sim.attached
        .pop()
        .expect("an attach is answered")
        .map_err(|r| r.code)
}

fn messages(frames: &[ServerFrame]) -> Vec<&Message> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Visitor on 1, Anna (working it) on 2, Sue (supervisor) on 3.
fn room() -> Sim {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.connect_monitor(3, agent("s1", "Sue"));
    sim.hello(3, 0);
    for c in 1..=3 {
        sim.take(c);
    }
    sim
}

#[test]
fn a_visitors_first_file_queues_the_chat_and_reaches_every_socket() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.take(1);
    let answer = attach(
        &mut sim,
        upload(visitor(), "f-1", SendKind::Text),
        file("f_1", "shot.png", "image/png"),
    );
    let Ok(Attached::New(stored)) = answer else {
        panic!("stored: {answer:?}")
    };
    let stored = *stored;
    assert_eq!(stored.seq, 1);
    assert_eq!(stored.attachment.as_ref().unwrap().name, "shot.png");
    assert_eq!(
        sim.messages.get(&1),
        Some(&stored),
        "stored before the answer"
    );
    let meta = sim.meta.clone().unwrap();
    assert_eq!(meta.view.status, ConversationStatus::Queued);
    assert_eq!(
        meta.preview, "shot.png",
        "a file without caption previews by its name"
    );
    // The uploading client answers over HTTP: its socket gets the message.
    assert_eq!(messages(&sim.take(1)), vec![&stored]);
    assert_eq!(sim.announced.len(), 1);
}

#[test]
fn a_retried_upload_is_stored_once() {
    let mut sim = room();
    let first = attach(
        &mut sim,
        upload(visitor(), "f-1", SendKind::Text),
        file("f_1", "a.pdf", "application/pdf"),
    );
    let Ok(Attached::New(m)) = first else {
        panic!("{first:?}")
    };
    // The shell's check finds it before keeping the bytes again.
    assert_eq!(
        sim.core
            .check_attach(&upload(visitor(), "f-1", SendKind::Text)),
        Ok(Some(m.seq))
    );
    // And the core answers the same if the input comes anyway (a race).
    sim.input(Input::Attach {
        upload: upload(visitor(), "f-1", SendKind::Text),
        attachment: file("f_2", "a.pdf", "application/pdf"),
    });
    assert_eq!(sim.attached.pop(), Some(Ok(Attached::Again { seq: m.seq })));
    let with_files = sim
        .messages
        .values()
        .filter(|m| m.attachment.is_some())
        .count();
    assert_eq!(with_files, 1);
    // A text with the same client id is a retry of the file, not a new line.
    sim.take(1);
    sim.say(1, "f-1", "again");
    assert!(matches!(sim.take(1)[..], [ServerFrame::Ack { seq, .. }] if seq == m.seq));
}

#[test]
fn uploads_follow_the_rules_of_sending() {
    let mut sim = room();
    let stranger = Participant {
        id: "v2".into(),
        ..visitor()
    };
    let f = || file("f", "a.txt", "text/plain");
    assert_eq!(
        attach(&mut sim, upload(stranger, "x", SendKind::Text), f()),
        Err(ErrorCode::Forbidden),
        "another visitor's token"
    );
    // A colleague who does not work the chat writes nothing in it.
    assert_eq!(
        attach(
            &mut sim,
            upload(agent("a2", "Bob"), "x", SendKind::Text),
            f()
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        attach(
            &mut sim,
            upload(agent("a2", "Bob"), "x", SendKind::Note),
            f()
        ),
        Err(ErrorCode::Forbidden)
    );
    // A role that may not reply.
    let reader = Upload {
        may_reply: false,
        ..upload(agent("a1", "Anna"), "x", SendKind::Text)
    };
    assert_eq!(attach(&mut sim, reader, f()), Err(ErrorCode::Forbidden));
    // Visitors write no notes.
    assert_eq!(
        attach(&mut sim, upload(visitor(), "x", SendKind::Note), f()),
        Err(ErrorCode::Forbidden)
    );
    // A caption is bounded like a text.
    let long = Upload {
        text: "a".repeat(shared::MAX_TEXT_CHARS + 1),
        ..upload(visitor(), "x", SendKind::Text)
    };
    assert_eq!(attach(&mut sim, long, f()), Err(ErrorCode::InvalidMessage));
    let before = sim.messages.len();
    // Closed: nothing more.
    sim.input(Input::Lifecycle(
        chat_core::conversation::lifecycle::Action::Close {
            by: agent("a1", "Anna"),
            comment: "solved".into(),
            tags: Vec::new(),
            disposition: None,
        },
    ));
    let after_close = sim.messages.len();
    assert!(after_close > before, "the close line");
    assert_eq!(
        attach(&mut sim, upload(visitor(), "y", SendKind::Text), f()),
        Err(ErrorCode::ConversationClosed)
    );
    assert_eq!(
        sim.messages.len(),
        after_close,
        "nothing refused was stored"
    );
}

#[test]
fn a_notes_file_never_reaches_the_visitor() {
    let mut sim = room();
    let note = Upload {
        text: "their invoice".into(),
        ..upload(agent("a1", "Anna"), "n-1", SendKind::Note)
    };
    let Ok(Attached::New(m)) = attach(
        &mut sim,
        note,
        file("f_n", "invoice.pdf", "application/pdf"),
    ) else {
        panic!("a note's file is stored")
    };
    assert_eq!(m.kind, MessageKind::Note);
    assert!(sim.take(1).is_empty(), "the visitor's socket gets nothing");
    assert_eq!(messages(&sim.take(3)).len(), 1, "the supervisor reads it");
    // Nor by replay.
    sim.connect(4, visitor());
    sim.hello(4, 0);
    assert!(messages(&sim.take(4))
        .iter()
        .all(|m| m.attachment.is_none()));
}

#[test]
fn the_files_panel_lists_what_its_reader_may_read() {
    let mut sim = room();
    attach(
        &mut sim,
        upload(visitor(), "v-f", SendKind::Text),
        file("f_1", "Screenshot.PNG", "image/png"),
    )
    .unwrap();
    attach(
        &mut sim,
        upload(agent("a1", "Anna"), "a-f", SendKind::Text),
        file("f_2", "offer.pdf", "application/pdf"),
    )
    .unwrap();
    attach(
        &mut sim,
        upload(agent("a1", "Anna"), "a-n", SendKind::Note),
        file("f_3", "notes.txt", "text/plain"),
    )
    .unwrap();
    let whisper = Upload {
        may_monitor: true,
        ..upload(agent("s1", "Sue"), "s-w", SendKind::Whisper)
    };
    attach(&mut sim, whisper, file("f_4", "tips.txt", "text/plain")).unwrap();
    let ids = |reader: &Reader, q: &str, kind: Option<FileType>| -> Vec<String> {
        list(sim.messages.values(), reader, q, kind)
            .into_iter()
            .map(|e| e.attachment.id)
            .collect()
    };
    let anna = Reader::Agent {
        id: "a1".into(),
        monitor: false,
    };
    let bob = Reader::Agent {
        id: "a2".into(),
        monitor: false,
    };
    let sue = Reader::Agent {
        id: "s1".into(),
        monitor: true,
    };
    assert_eq!(
        ids(&sue, "", None),
        ["f_4", "f_3", "f_2", "f_1"],
        "newest first"
    );
    assert_eq!(
        ids(&anna, "", None),
        ["f_4", "f_3", "f_2", "f_1"],
        "the whisper is to Anna"
    );
    assert_eq!(
        ids(&bob, "", None),
        ["f_3", "f_2", "f_1"],
        "not another agent's whisper"
    );
    assert_eq!(
        ids(&Reader::Visitor, "", None),
        ["f_2", "f_1"],
        "no note's file"
    );
    assert_eq!(ids(&sue, "screen", None), ["f_1"], "any case");
    assert_eq!(ids(&sue, "", Some(FileType::Pdf)), ["f_2"]);
    assert_eq!(ids(&sue, "", Some(FileType::Image)), ["f_1"]);
    assert_eq!(ids(&sue, "t", Some(FileType::Other)), ["f_4", "f_3"]);
    assert!(ids(&sue, "nothing", None).is_empty());
}

#[test]
fn a_workspace_keeps_its_file_policy_and_refuses_an_unsound_one() {
    use crate::wsim::{demo, WsSim};
    use shared::files::FilePolicy;
    let mut ws = WsSim::new();
    assert_eq!(ws.core.file_policy(), &FilePolicy::default());
    let policy = FilePolicy {
        max_bytes: 1024,
        types: vec!["image/png".into()],
    };
    let mut setup = demo();
    setup.files = policy.clone();
    ws.setup(setup.clone()).expect("a sound policy");
    assert_eq!(ws.core.file_policy(), &policy);
    ws.evict();
    assert_eq!(ws.core.file_policy(), &policy, "kept in storage");
    for bad in [
        FilePolicy {
            max_bytes: 25 * 1024 * 1024 + 1,
            ..FilePolicy::default()
        },
        FilePolicy {
            max_bytes: 10,
            types: vec!["text/html".into()],
        },
    ] {
        setup.files = bad;
        let why = chat_core::workspace::validate_setup(&setup).unwrap_err();
        assert!(why.starts_with("files:"), "{why}");
        assert!(ws.setup(setup.clone()).is_err());
        assert_eq!(
            ws.core.file_policy(),
            &policy,
            "a refused setup changes nothing"
        );
    }
}
