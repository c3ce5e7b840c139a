//! "Room information": what a conversation's stored row and the times of
//! its messages say about it (queue time, first and average response time).

use super::lifecycle::TransferTarget;
use super::Meta;
use shared::frame::Side;
use shared::room::{RoomInfo, TransferInfo};
use shared::routing::Priority;

/// The room information of a conversation, from its row, its priority
/// (the workspace keeps it) and `turns`: the author side and time of each
/// message the visitor can read, in order (system lines left out).
pub fn room_info(meta: &Meta, priority: Priority, turns: &[(Side, i64)]) -> RoomInfo {
    let (first, average) = response_times(turns);
    let queue_time_ms = match (meta.taken_at, meta.queued_at) {
        (Some(taken), queued) if queued > 0 => Some((taken - queued).max(0)),
        _ => None,
    };
    RoomInfo {
        conversation: meta.view.clone(),
        created_at: if meta.created_at > 0 {
            meta.created_at
        } else {
            meta.queued_at
        },
        queued_at: meta.queued_at,
        taken_at: meta.taken_at,
        queue_time_ms,
        first_response_ms: first,
        average_response_ms: average,
        priority,
        topic: meta.topic.clone(),
        tags: meta.tags.clone(),
        disposition: meta.closing.as_ref().and_then(|c| c.disposition.clone()),
        closing_comment: meta.closing.as_ref().map(|c| c.comment.clone()),
        closed_at: meta.closing.as_ref().map(|c| c.at),
        transfers: meta
            .transfers
            .iter()
            .map(|t| TransferInfo {
                at: t.at,
                by: t.by.clone(),
                to: match &t.to {
                    TransferTarget::Agent { agent } => agent.name.clone(),
                    TransferTarget::Department { name, .. } => name.clone(),
                },
                comment: t.comment.clone(),
            })
            .collect(),
        visitor: meta.details.clone(),
        rating: meta.rating.clone(),
        calls: meta.calls,
    }
}

/// `(first, average)` response times in milliseconds. A response is the
/// first agent message after one or more visitor messages; it took from the
/// first of those visitor messages. The first response is the first such.
pub fn response_times(turns: &[(Side, i64)]) -> (Option<i64>, Option<i64>) {
    let s = response_times_summed(turns);
    (s.first, (s.count > 0).then(|| s.sum / s.count))
}

/// Response times added up, so that reports can average over many
/// conversations' responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summed {
    /// The first response time.
    pub first: Option<i64>,
    /// Every response time, added.
    pub sum: i64,
    /// How many responses.
    pub count: i64,
}

/// The responses of [`response_times`], added up.
pub fn response_times_summed(turns: &[(Side, i64)]) -> Summed {
    let mut waiting_since: Option<i64> = None;
    let mut s = Summed::default();
    for &(side, at) in turns {
        match side {
            Side::Visitor => {
                waiting_since.get_or_insert(at);
            }
            Side::Agent => {
                if let Some(since) = waiting_since.take() {
                    let took = (at - since).max(0);
                    s.first.get_or_insert(took);
                    s.sum += took;
                    s.count += 1;
                }
            }
            Side::System => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_counts_from_the_first_unanswered_visitor_message() {
        let turns = [
            (Side::Visitor, 1_000),
            (Side::Visitor, 2_000),
            (Side::Agent, 5_000),
            (Side::Agent, 6_000),
            (Side::Visitor, 10_000),
            (Side::Agent, 11_000),
        ];
        // 4 s then 1 s: first 4 s, mean 2.5 s.
        assert_eq!(response_times(&turns), (Some(4_000), Some(2_500)));
    }

    #[test]
    fn no_answer_yet_means_no_figure() {
        assert_eq!(response_times(&[(Side::Visitor, 1)]), (None, None));
        assert_eq!(response_times(&[(Side::Agent, 1)]), (None, None));
    }
}
