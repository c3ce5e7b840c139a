//! A conversation driven through the core, and the report fact its stored
//! row and messages give: answered with its response times and rating,
//! missed once an agent opened it while it waited, abandoned otherwise.

use crate::sim::{agent, visitor, Sim};
use chat_core::conversation::lifecycle::Action;
use chat_core::reports::{Fact, Outcome};
use chat_core::Input;
use shared::frame::{Audience, Side};
use shared::site::RatingRequest;

/// The stored row's fact, with the turns the shell reads from the store.
fn fact(sim: &Sim) -> Option<Fact> {
    let turns: Vec<(Side, i64)> = sim
        .messages
        .values()
        .filter(|m| m.client_id.is_some() && m.kind.audience() == Audience::Everyone)
        .map(|m| (m.author.side, m.sent_at))
        .collect();
    let meta = sim.meta.as_ref().expect("stored");
    let fact = Fact::of(meta, &turns);
    // What a shell asks before it reads the turns agrees.
    assert_eq!(Fact::due(meta), fact.is_some());
    fact
}

fn ends(sim: &mut Sim, conn: u64) {
    sim.send_json(conn, serde_json::json!({ "type": "end" }));
}

#[test]
fn an_answered_chat_and_its_rating() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello"); // t = 40
    assert_eq!(fact(&sim), None, "open: nothing to file");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    }); // 50
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.now += 1_000;
    sim.say(2, "a-1", "hi"); // 1,080: 1,040 after the question
    sim.input(Input::Lifecycle(Action::Close {
        by: agent("a1", "Anna"),
        comment: "Done".into(),
        tags: vec![],
        disposition: None,
    }));
    let f = fact(&sim).expect("closed");
    assert_eq!(f.outcome, Outcome::Answered);
    assert_eq!(f.agent.as_deref(), Some("a1"));
    assert_eq!(f.first_response_ms, Some(1_040));
    assert_eq!((f.response_sum_ms, f.response_count), (1_040, 1));
    assert_eq!((f.visitor_messages, f.agent_messages), (1, 1));
    assert_eq!(f.queue_ms(), Some(10));
    assert_eq!((f.rating, f.version()), (None, 0));
    sim.input(Input::Rate {
        who: visitor(),
        rating: RatingRequest {
            score: 4,
            comment: None,
        },
    });
    let rated = fact(&sim).expect("closed");
    assert_eq!(rated.rating, Some(4));
    assert!(rated.version() > f.version(), "a rating files again");
}

#[test]
fn an_agent_who_opened_it_and_did_not_take_it_missed_it() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    // An agent's preview while it waits is kept, once.
    sim.connect(2, agent("a1", "Anna"));
    let seen = sim.meta.as_ref().and_then(|m| m.seen_queued_at);
    assert!(seen.is_some());
    sim.connect(3, agent("a2", "Ben"));
    assert_eq!(sim.meta.as_ref().and_then(|m| m.seen_queued_at), seen);
    ends(&mut sim, 1);
    let f = fact(&sim).expect("closed");
    assert_eq!(
        (f.outcome, f.agent.as_deref(), f.queue_ms()),
        (Outcome::Missed, None, None)
    );
}

#[test]
fn a_visitor_who_left_before_anyone_looked_abandoned_it() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    // The visitor's own second socket is no agent's look.
    sim.connect(4, visitor());
    assert_eq!(sim.meta.as_ref().and_then(|m| m.seen_queued_at), None);
    ends(&mut sim, 1);
    assert_eq!(fact(&sim).expect("closed").outcome, Outcome::Abandoned);
}

#[test]
fn a_chat_whose_visitor_never_wrote_is_not_counted() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    ends(&mut sim, 1);
    assert_eq!(fact(&sim), None);
}
