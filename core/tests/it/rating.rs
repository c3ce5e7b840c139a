//! A visitor's rating and transcript requests: only their own conversation,
//! once closed; a score of 1 to 5; at most three transcripts.

use crate::sim::{agent, visitor, Sim};
use chat_core::conversation::lifecycle::Action;
use chat_core::Input;
use shared::frame::{ErrorCode, Participant};
use shared::site::RatingRequest;

fn closed() -> Sim {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.input(Input::Lifecycle(Action::Close {
        by: agent("a1", "Anna"),
        comment: "Done".into(),
        tags: vec![],
        disposition: None,
    }));
    sim.replies.clear();
    sim
}

fn rate(
    sim: &mut Sim,
    who: Participant,
    score: u8,
    comment: Option<&str>,
) -> Result<(), ErrorCode> {
    sim.replies.clear();
    sim.input(Input::Rate {
        who,
        rating: RatingRequest {
            score,
            comment: comment.map(str::to_owned),
        },
    });
    match sim.replies.pop().expect("a reply") {
        Ok(_) => Ok(()),
        Err(r) => Err(r.code),
    }
}

fn stranger() -> Participant {
    Participant {
        id: "v2".into(),
        ..visitor()
    }
}

#[test]
fn only_its_visitor_rates_a_closed_conversation() {
    let mut open = Sim::new();
    assert_eq!(
        rate(&mut open, visitor(), 5, None),
        Err(ErrorCode::ConversationOpen)
    );
    let mut sim = closed();
    assert_eq!(
        rate(&mut sim, stranger(), 5, None),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        rate(&mut sim, agent("a1", "Anna"), 5, None),
        Err(ErrorCode::Forbidden)
    );
    for bad in [0, 6, 255] {
        assert_eq!(
            rate(&mut sim, visitor(), bad, None),
            Err(ErrorCode::BadRequest)
        );
    }
    let long = "x".repeat(1_001);
    assert_eq!(
        rate(&mut sim, visitor(), 4, Some(&long)),
        Err(ErrorCode::BadRequest)
    );
    assert!(
        sim.meta.as_ref().and_then(|m| m.rating.clone()).is_none(),
        "nothing stored"
    );
    assert_eq!(
        rate(&mut sim, visitor(), 4, Some(&"é".repeat(1_000))),
        Ok(())
    );
    assert_eq!(rate(&mut sim, visitor(), 2, Some("  Slow  ")), Ok(()));
    let rating = sim
        .meta
        .as_ref()
        .and_then(|m| m.rating.clone())
        .expect("stored");
    assert_eq!((rating.score, rating.comment.as_deref()), (2, Some("Slow")));
    // Stored (survives an eviction) and in room information.
    sim.evict();
    let info = chat_core::conversation::room::room_info(
        sim.meta.as_ref().expect("meta"),
        Default::default(),
        &[],
    );
    assert_eq!(info.rating.map(|r| r.score), Some(2));
}

#[test]
fn a_visitor_asks_for_the_transcript_three_times_at_most() {
    let ask = |sim: &mut Sim, who: Participant| {
        sim.replies.clear();
        sim.input(Input::VisitorTranscript { who });
        sim.replies
            .pop()
            .expect("a reply")
            .map(|_| ())
            .map_err(|r| r.code)
    };
    let mut open = Sim::new();
    assert_eq!(ask(&mut open, visitor()), Err(ErrorCode::ConversationOpen));
    let mut sim = closed();
    assert_eq!(ask(&mut sim, stranger()), Err(ErrorCode::Forbidden));
    for _ in 0..3 {
        assert_eq!(ask(&mut sim, visitor()), Ok(()));
    }
    sim.evict();
    assert_eq!(ask(&mut sim, visitor()), Err(ErrorCode::TooManyRequests));
}
