//! The limits' tests: the per-socket buckets and the keyed limits.

use super::*;
use shared::ids::ClientMsgId;

fn send(id: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: ClientMsgId(id.into()),
        text: "hi".into(),
        kind: Default::default(),
    }
}

fn typing(active: bool) -> ClientFrame {
    ClientFrame::Typing { active }
}

#[track_caller]
fn check_bucket(rate: Rate, takes: &[(i64, Result<(), i64>)]) {
    let mut b = Bucket::default();
    for (i, (now, expected)) in takes.iter().enumerate() {
        assert_eq!(b.take(*now, rate), *expected, "take {i} at {now}");
    }
}

#[test]
fn a_bucket_gives_its_burst_then_one_per_period() {
    let rate = Rate {
        burst: 3,
        every_ms: 1000,
    };
    check_bucket(
        rate,
        &[
            (0, Ok(())),
            (0, Ok(())),
            (0, Ok(())),
            (0, Err(1000)),
            (400, Err(600)),
            (1000, Ok(())),
            (1000, Err(1000)),
            // A quiet spell refills it, never beyond its burst.
            (10_000, Ok(())),
            (10_000, Ok(())),
            (10_000, Ok(())),
            (10_000, Err(1000)),
        ],
    );
}

#[test]
fn a_bucket_of_one_is_a_plain_interval() {
    let rate = Rate {
        burst: 1,
        every_ms: 500,
    };
    check_bucket(
        rate,
        &[(0, Ok(())), (100, Err(400)), (500, Ok(())), (999, Err(1))],
    );
}

#[test]
fn messages_over_the_limit_are_refused_with_their_client_id() {
    let limits = Limits::standard();
    let mut budget = SocketBudget::default();
    for i in 0..20 {
        let frame = send(&format!("m{i}"));
        assert_eq!(budget.admit(0, &limits, Some(&frame)), Verdict::Pass);
    }
    let Verdict::Refuse(refusal) = budget.admit(0, &limits, Some(&send("m20"))) else {
        panic!("the 21st message at once passed");
    };
    let ServerFrame::Error {
        code,
        message,
        client_id,
    } = *refusal
    else {
        panic!("a refusal is an error frame");
    };
    assert_eq!(code, ErrorCode::TooManyRequests);
    assert_eq!(client_id, Some(ClientMsgId("m20".into())));
    assert!(message.contains("try again in 1 second"), "{message}");
    // A second later, one more passes.
    assert_eq!(
        budget.admit(1000, &limits, Some(&send("m21"))),
        Verdict::Pass
    );
}

#[test]
fn typing_over_the_limit_is_dropped_but_its_end_passes_once() {
    let limits = Limits::standard();
    let mut budget = SocketBudget::default();
    for _ in 0..10 {
        assert_eq!(budget.admit(0, &limits, Some(&typing(true))), Verdict::Pass);
    }
    assert_eq!(budget.admit(0, &limits, Some(&typing(true))), Verdict::Drop);
    assert_eq!(
        budget.admit(0, &limits, Some(&typing(false))),
        Verdict::Pass
    );
    assert_eq!(
        budget.admit(0, &limits, Some(&typing(false))),
        Verdict::Drop
    );
    // Typing does not spend the messages' budget.
    assert_eq!(budget.admit(0, &limits, Some(&send("m"))), Verdict::Pass);
}

#[test]
fn every_frame_counts_against_the_frames_limit() {
    let limits = Limits::standard();
    let mut budget = SocketBudget::default();
    let ping = ClientFrame::Ping { nonce: 1 };
    for _ in 0..60 {
        assert_eq!(budget.admit(0, &limits, Some(&ping)), Verdict::Pass);
    }
    assert_eq!(budget.admit(0, &limits, Some(&ping)), Verdict::Drop);
    // An unreadable frame too; a send is refused by the frames' limit.
    assert_eq!(budget.admit(0, &limits, None), Verdict::Drop);
    assert!(matches!(
        budget.admit(0, &limits, Some(&send("x"))),
        Verdict::Refuse(_)
    ));
    assert_eq!(budget.admit(50, &limits, Some(&ping)), Verdict::Pass);
}

#[test]
fn a_socket_that_keeps_sending_into_refusals_is_closed() {
    let limits = Limits::standard();
    let mut budget = SocketBudget::default();
    let mut verdicts = (0..200).map(|i| budget.admit(0, &limits, Some(&send(&format!("m{i}")))));
    let passed = verdicts
        .by_ref()
        .take(20)
        .filter(|v| *v == Verdict::Pass)
        .count();
    assert_eq!(passed, 20);
    let refused = verdicts
        .by_ref()
        .take_while(|v| matches!(v, Verdict::Refuse(_)))
        .count();
    assert_eq!(refused, 50);
    // One that passes starts the count again.
    let mut budget = SocketBudget::default();
    for i in 0..20 {
        budget.admit(0, &limits, Some(&send(&format!("a{i}"))));
    }
    for i in 0..50 {
        assert!(matches!(
            budget.admit(0, &limits, Some(&send(&format!("b{i}")))),
            Verdict::Refuse(_)
        ));
    }
    assert_eq!(budget.admit(1000, &limits, Some(&send("c"))), Verdict::Pass);
    assert!(matches!(
        budget.admit(1000, &limits, Some(&send("d"))),
        Verdict::Refuse(_)
    ));
}

#[test]
fn a_refusal_is_held_a_second_at_most_and_never_past_its_retry_after() {
    let standard = Limits::standard();
    assert_eq!(standard.hold_ms(Some(60)), 1_000);
    assert_eq!(standard.hold_ms(Some(1)), 1_000);
    assert_eq!(standard.hold_ms(Some(0)), 0);
    assert_eq!(standard.hold_ms(None), 0);
    assert_eq!(standard.hold_ms(Some(u64::MAX)), 1_000);
    assert_eq!(Limits::off().hold_ms(Some(60)), 0);
    let short = Limits::from_setting(Some(r#"{"refusal_hold_ms": 250}"#)).unwrap();
    assert_eq!(short.hold_ms(Some(60)), 250);
    let none = Limits::from_setting(Some(r#"{"refusal_hold_ms": null}"#)).unwrap();
    assert_eq!(none.hold_ms(Some(60)), 0);
    let odd = Limits::from_setting(Some(r#"{"refusal_hold_ms": -5}"#)).unwrap();
    assert_eq!(odd.hold_ms(Some(60)), 0);
}

#[test]
fn a_participant_paused_after_a_flood_may_connect_once_the_pause_is_over() {
    assert!(reopen(1_000, None).is_ok());
    let wait = reopen(1_000, Some(61_000)).unwrap_err();
    assert_eq!(wait.refusal.code, ErrorCode::TooManyRequests);
    assert_eq!(wait.retry_after_ms, 60_000);
    assert_eq!(wait.retry_after_secs(), 60);
    assert!(wait.refusal.message.contains("connect again in 60 seconds"));
    assert!(reopen(61_000, Some(61_000)).is_ok());
    assert_eq!(Limits::standard().pause_after_close_ms, Some(60_000));
    assert_eq!(Limits::off().pause_after_close_ms, None);
}

#[test]
fn no_limits_pass_everything() {
    let limits = Limits::off();
    let mut budget = SocketBudget::default();
    for i in 0..10_000 {
        assert_eq!(
            budget.admit(0, &limits, Some(&send(&format!("m{i}")))),
            Verdict::Pass
        );
    }
    assert_eq!(visitor_socket(1_000, &limits), Ok(()));
    assert!(queue_room(1_000_000, &limits).is_ok());
}

#[test]
fn sockets_per_visitor() {
    let limits = Limits::standard();
    assert_eq!(visitor_socket(9, &limits), Ok(()));
    let refused = visitor_socket(10, &limits).unwrap_err();
    assert!(refused.contains("at most 10"), "{refused}");
}

#[test]
fn the_queue_refuses_new_conversations_at_its_cap() {
    let limits = Limits::standard();
    assert!(queue_room(499, &limits).is_ok());
    let full = queue_room(500, &limits).unwrap_err();
    assert_eq!(full.refusal.code, ErrorCode::QueueFull);
    assert_eq!(full.retry_after_secs(), 60);
}

#[test]
fn sign_in_waits_grow_after_the_free_tries() {
    let p = SignInPolicy::standard();
    let delays: Vec<i64> = (0..8).map(|n| p.delay(n)).collect();
    assert_eq!(delays, [0, 0, 0, 1000, 2000, 4000, 8000, 16_000]);
    assert_eq!(p.delay(30), 15 * 60_000);
    assert_eq!(p.delay(u32::MAX), 15 * 60_000);
}

#[test]
fn a_failed_sign_in_delays_the_next_attempt() {
    let p = SignInPolicy::standard();
    let mut f = SignInFailures::default();
    for t in 0..3 {
        assert!(f.check(t, &p).is_ok(), "free try {t}");
        f = f.failed(t, &p);
    }
    // The third failure at t=2 costs 1 s.
    let refused = f.check(500, &p).unwrap_err();
    assert_eq!(refused.retry_after_ms, 502);
    assert_eq!(refused.refusal.code, ErrorCode::TooManyRequests);
    assert!(f.check(1_002, &p).is_ok());
    f = f.failed(1_002, &p);
    assert_eq!(f.check(2_002, &p).unwrap_err().retry_after_ms, 1_000);
    assert!(f.check(3_002, &p).is_ok());
    // A day later the failures are forgotten.
    let later = 1_002 + p.forget_ms + 1;
    assert!(f.check(later, &p).is_ok());
    assert_eq!(f.failed(later, &p).count, 1);
}

#[test]
fn limits_from_the_setting() {
    assert_eq!(Limits::from_setting(None), Ok(Limits::standard()));
    assert_eq!(Limits::from_setting(Some(" off ")), Ok(Limits::off()));
    let mut expected = Limits::standard();
    expected.messages = Some(Rate {
        burst: 2,
        every_ms: 100,
    });
    expected.queue = None;
    assert_eq!(
        Limits::from_setting(Some(
            r#"{"messages": {"burst": 2, "every_ms": 100}, "queue": null}"#
        )),
        Ok(expected)
    );
    assert!(Limits::from_setting(Some(r#"{"mesages": null}"#)).is_err());
}

#[test]
fn keyed_limits_name_their_binding_and_key() {
    assert_eq!(
        Keyed::SignInPerAccount.key(" Ann@Demo.test "),
        "sign-in:ann@demo.test"
    );
    assert_eq!(Keyed::SessionsPerSite.refusal().retry_after_secs(), 10);
    let r = Keyed::SessionsPerIp.refusal();
    assert_eq!(r.retry_after_secs(), 60);
    assert!(r.refusal.message.contains("try again in 60 seconds"));
    let names: std::collections::BTreeSet<_> = Keyed::ALL.iter().map(|k| k.binding()).collect();
    assert_eq!(names.len(), Keyed::ALL.len());
}
