//! The socket's `Link`: which close codes are final, and how long a lost
//! connection waits before the next attempt.

use chat_client::link::{backoff, CloseReason, Connection, Link};
use chat_client::machine::Millis;

#[track_caller]
fn check_code(code: u16, expected: Option<CloseReason>) {
    assert_eq!(CloseReason::from_code(code), expected, "{code}");
}

#[test]
fn close_codes() {
    check_code(1000, None);
    check_code(1001, None);
    check_code(1006, None);
    check_code(1011, None);
    check_code(4000, None);
    check_code(4400, Some(CloseReason::Refused(4400)));
    check_code(4401, Some(CloseReason::Unauthorized));
    check_code(4403, Some(CloseReason::Forbidden));
    check_code(4404, Some(CloseReason::NotFound));
    check_code(4426, Some(CloseReason::UnsupportedVersion));
    check_code(4499, Some(CloseReason::Refused(4499)));
    check_code(4500, None);
}

#[track_caller]
fn check_backoff(failures: u32, expected: Millis) {
    assert_eq!(backoff(failures), expected, "{failures}");
}

#[test]
fn backoff_doubles_up_to_ten_seconds() {
    check_backoff(0, 500);
    check_backoff(1, 1_000);
    check_backoff(2, 2_000);
    check_backoff(3, 4_000);
    check_backoff(4, 8_000);
    check_backoff(5, 10_000);
    check_backoff(40, 10_000);
    check_backoff(u32::MAX, 10_000);
}

/// The waits of `closes` lost connections in a row, each reconnect greeted
/// or not, as `(jitter, greeted before the next loss)`.
#[track_caller]
fn check_waits(closes: &[(f64, bool)], expected: &[Millis]) {
    let mut c = Connection::new();
    let mut now = 1_000;
    let mut waits = Vec::new();
    for &(jitter, greeted) in closes {
        if greeted {
            c.greeted();
        }
        assert_eq!(c.closed(now, 1006, jitter), None);
        let Link::Reconnecting { at } = c.link() else {
            panic!("a lost connection waits to reconnect: {:?}", c.link());
        };
        assert_eq!(c.poll_timeout(), Some(at));
        assert!(!c.timeout(at - 1), "not before its time");
        assert!(c.timeout(at));
        assert_eq!(c.link(), Link::Connecting);
        waits.push(at - now);
        now = at + 10;
    }
    assert_eq!(waits, expected);
}

#[test]
fn waits_grow_and_start_again_once_greeted() {
    check_waits(&[(0.0, false)], &[500]);
    check_waits(
        &[
            (0.0, false),
            (0.0, false),
            (0.0, false),
            (0.0, false),
            (0.0, false),
            (0.0, false),
            (0.0, false),
        ],
        &[500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
    );
    check_waits(
        &[(0.0, false), (0.0, false), (0.0, true), (0.0, false)],
        &[500, 1_000, 500, 1_000],
    );
    // Jitter adds up to 30 %; an out-of-range number is clamped.
    check_waits(&[(1.0, false), (0.5, false)], &[650, 1_150]);
    check_waits(
        &[(7.0, false), (-3.0, false), (f64::NAN, false)],
        &[650, 1_000, 2_000],
    );
}

#[test]
fn a_refusal_is_final_and_a_stop_ignores_late_closes() {
    let mut c = Connection::new();
    c.greeted();
    assert!(c.is_open());
    assert_eq!(c.closed(5, 4401, 0.0), Some(CloseReason::Unauthorized));
    assert_eq!(c.link(), Link::Closed(CloseReason::Unauthorized));
    assert_eq!(c.poll_timeout(), None);
    assert!(!c.timeout(1_000_000));
    assert_eq!(c.closed(6, 1006, 0.0), None);
    assert_eq!(c.link(), Link::Closed(CloseReason::Unauthorized));

    let mut c = Connection::new();
    assert!(c.stop(), "the opening socket is closed");
    assert_eq!(c.closed(5, 1000, 0.0), None);
    assert_eq!(c.link(), Link::Closed(CloseReason::Stopped));
    let mut c = Connection::new();
    c.closed(5, 1006, 0.0);
    assert!(!c.stop(), "no socket while waiting to reconnect");
    assert_eq!(c.poll_timeout(), None);
}
