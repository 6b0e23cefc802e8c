//! Splitting a catch-up into updates that each fit in a frame (docs/protocol.md, "Large updates").
//!
//! A server refuses a client frame over [`super::protocol::MAX_FRAME_BYTES`], and refuses an update whose
//! dependencies it lacks. So what a client sends after being apart — everything the server lacks — goes as
//! several updates, each small enough and each importable after the ones before it:
//!
//! - the operations the server lacks (per peer, from its version vector to ours) are cut at change boundaries
//!   into pieces, ordered by Lamport timestamp: every operation's dependencies have a smaller Lamport
//!   timestamp, so any prefix of that order is causally complete;
//! - that order is cut into consecutive chunks of operations (a large change is sliced by counter range, which
//!   Loro exports and imports like a whole one), each exported with `ExportMode::updates_in_range`; a chunk
//!   whose bytes exceed the limit is halved until it fits.
//!
//! A single operation larger than the limit (one value of many megabytes) cannot be split: that is an error.

use pipeline_doc::loro::{ExportMode, ID, IdSpan, LoroDoc, VersionVector};

/// One update of a split catch-up: its bytes and what the receiver holds once it has imported it (and every
/// one before it).
#[derive(Debug, Clone)]
pub struct Chunk {
    pub update: Vec<u8>,
    pub version: VersionVector,
}

#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// One operation alone is over the limit.
    #[error("one change ({peer}:{counter}) alone is {bytes} bytes, over the {limit}-byte limit of an update")]
    OperationTooLarge { peer: u64, counter: i32, bytes: usize, limit: usize },
    #[error("cannot export the changes: {0}")]
    Export(String),
    /// The document lacks a change its version vector promises (cannot happen with a consistent document).
    #[error("the change {peer}:{counter} is missing from the document")]
    Missing { peer: u64, counter: i32 },
}

/// Consecutive operations of one peer inside one change.
#[derive(Debug, Clone, Copy)]
struct Piece {
    lamport: u32,
    peer: u64,
    start: i32,
    end: i32,
}

/// What `from` lacks of `doc` (up to `to`, a version of `doc`), as updates of at most `limit` bytes each, to
/// be imported in order. One update when it fits; none when there is nothing to send.
pub fn split_updates(
    doc: &LoroDoc,
    from: &VersionVector,
    to: &VersionVector,
    limit: usize,
) -> Result<Vec<Chunk>, SplitError> {
    if from.includes_vv(to) {
        return Ok(Vec::new());
    }
    // The usual case, one update, exported the usual way (it may hold changes committed after `to` was read:
    // harmless, they are sent again later).
    let whole = doc.export(ExportMode::updates(from)).map_err(|e| SplitError::Export(e.to_string()))?;
    if whole.len() <= limit {
        let mut version = from.clone();
        version.merge(to);
        return Ok(vec![Chunk { update: whole, version }]);
    }
    let pieces = pieces(doc, from, to)?;
    let total: u64 = pieces.iter().map(|p| u64::try_from(p.end - p.start).unwrap_or(0)).sum();
    // A first guess from the average size of an operation, with room to spare; halved while a chunk is too big.
    let per_op = (whole.len() as u64).div_ceil(total.max(1));
    let mut budget = (limit as u64 * 3 / 4 / per_op.max(1)).max(1);
    let mut version = from.clone();
    let mut chunks = Vec::new();
    let mut rest: &[Piece] = &pieces;
    let mut cut: Option<Piece> = None; // the part of a piece left over by the previous chunk
    while cut.is_some() || !rest.is_empty() {
        let (taken, next_cut, used) = take(cut, rest, budget);
        let update = export(doc, &spans(&taken))?;
        if update.len() > limit {
            if budget == 1 {
                let first = taken[0];
                return Err(SplitError::OperationTooLarge {
                    peer: first.peer,
                    counter: first.start,
                    bytes: update.len(),
                    limit,
                });
            }
            budget = (budget / 2).max(1);
            continue;
        }
        for p in &taken {
            let have = version.get(&p.peer).copied().unwrap_or(0);
            version.insert(p.peer, have.max(p.end));
        }
        chunks.push(Chunk { update, version: version.clone() });
        rest = &rest[used..];
        cut = next_cut;
    }
    Ok(chunks)
}

/// The operations in `from..to`, cut at change boundaries, in Lamport order.
fn pieces(doc: &LoroDoc, from: &VersionVector, to: &VersionVector) -> Result<Vec<Piece>, SplitError> {
    let mut out = Vec::new();
    for (&peer, &end) in to.iter() {
        let mut at = from.get(&peer).copied().unwrap_or(0);
        while at < end {
            let change = doc.get_change(ID::new(peer, at)).ok_or(SplitError::Missing { peer, counter: at })?;
            let change_end = change.id.counter + i32::try_from(change.len).unwrap_or(i32::MAX);
            if change_end <= at {
                return Err(SplitError::Missing { peer, counter: at });
            }
            let piece_end = change_end.min(end);
            let lamport = change.lamport + u32::try_from(at - change.id.counter).unwrap_or(0);
            out.push(Piece { lamport, peer, start: at, end: piece_end });
            at = piece_end;
        }
    }
    out.sort_unstable_by_key(|p| (p.lamport, p.peer));
    Ok(out)
}

/// Up to `budget` operations from the start of `cut` then `rest`: the pieces taken, what is left of the last
/// one (if it was sliced) and how many of `rest` were consumed (wholly or sliced).
fn take(cut: Option<Piece>, rest: &[Piece], budget: u64) -> (Vec<Piece>, Option<Piece>, usize) {
    let mut left = budget;
    let mut taken = Vec::new();
    let mut used = 0;
    let mut next = cut.into_iter().chain(rest.iter().copied());
    let from_cut = usize::from(cut.is_some());
    let mut index = 0usize;
    let mut remainder = None;
    while left > 0 {
        let Some(p) = next.next() else { break };
        let len = u64::try_from(p.end - p.start).unwrap_or(0);
        if index >= from_cut {
            used += 1;
        }
        index += 1;
        if len <= left {
            taken.push(p);
            left -= len;
        } else {
            let mid = p.start + i32::try_from(left).unwrap_or(i32::MAX);
            taken.push(Piece { end: mid, ..p });
            let lamport = p.lamport + u32::try_from(left).unwrap_or(0);
            remainder = Some(Piece { lamport, start: mid, ..p });
            left = 0;
        }
    }
    (taken, remainder, used)
}

fn spans(pieces: &[Piece]) -> Vec<IdSpan> {
    pieces.iter().map(|p| IdSpan::new(p.peer, p.start, p.end)).collect()
}

fn export(doc: &LoroDoc, spans: &[IdSpan]) -> Result<Vec<u8>, SplitError> {
    doc.export(ExportMode::updates_in_range(spans.to_vec())).map_err(|e| SplitError::Export(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_doc::loro::LoroValue;

    /// Imports the chunks in order into a copy of `base`, each with nothing left pending, and returns it.
    fn replay(base: &LoroDoc, chunks: &[Chunk], limit: usize) -> LoroDoc {
        let doc = LoroDoc::new();
        let snapshot = base.export(ExportMode::Snapshot).expect("snapshot");
        doc.import(&snapshot).expect("base");
        for (i, c) in chunks.iter().enumerate() {
            assert!(c.update.len() <= limit, "chunk {i} is {} bytes", c.update.len());
            let status = doc.import(&c.update).expect("import");
            assert!(status.pending.is_none(), "chunk {i} depends on a later one: {:?}", status.pending);
            assert_eq!(doc.oplog_vv(), c.version, "chunk {i}'s version");
        }
        doc
    }

    fn big(n: usize, seed: u64) -> String {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..n).map(|_| rng.alphanumeric()).collect()
    }

    #[test]
    fn a_small_catch_up_is_one_update() {
        let a = LoroDoc::new();
        a.get_map("m").insert("k", 1).expect("insert");
        a.commit();
        let chunks = split_updates(&a, &VersionVector::default(), &a.oplog_vv(), 1024).expect("split");
        assert_eq!(chunks.len(), 1);
        assert!(split_updates(&a, &a.oplog_vv(), &a.oplog_vv(), 1024).expect("split").is_empty());
    }

    #[test]
    fn one_large_change_is_sliced_and_imports_in_order() {
        let a = LoroDoc::new();
        a.set_peer_id(1).expect("peer");
        let base = a.fork();
        let map = a.get_map("m");
        // One commit: one change of 40 operations of ~4 KiB each.
        for i in 0..40 {
            map.insert(&format!("k{i}"), big(4000, i)).expect("insert");
        }
        a.commit();
        assert_eq!(a.oplog_vv().get(&1).copied(), Some(40));
        let limit = 32 * 1024;
        let chunks = split_updates(&a, &base.oplog_vv(), &a.oplog_vv(), limit).expect("split");
        assert!(chunks.len() >= 5, "{} chunks", chunks.len());
        let b = replay(&base, &chunks, limit);
        assert_eq!(b.get_deep_value(), a.get_deep_value());
    }

    #[test]
    fn concurrent_peers_and_a_partial_start_split_in_causal_order() {
        let a = LoroDoc::new();
        a.set_peer_id(1).expect("peer");
        let b = LoroDoc::new();
        b.set_peer_id(2).expect("peer");
        let list = a.get_list("l");
        list.push("start").expect("push");
        a.commit();
        // What the receiver already has: the start of a's history.
        let receiver = a.fork();
        // Interleaved histories: each side builds on the other's latest, with text of various sizes.
        for round in 0..12u64 {
            let (w, other) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
            w.import(&other.export(ExportMode::all_updates()).expect("export")).expect("import");
            let l = w.get_list("l");
            for j in 0..(3 + round as usize) {
                l.push(big(500 + 300 * j, round * 100 + j as u64)).expect("push");
            }
            w.get_map("m").insert("last", round as i64).expect("insert");
            w.commit();
        }
        a.import(&b.export(ExportMode::all_updates()).expect("export")).expect("import");
        let limit = 6 * 1024;
        let chunks = split_updates(&a, &receiver.oplog_vv(), &a.oplog_vv(), limit).expect("split");
        assert!(chunks.len() > 3, "{} chunks", chunks.len());
        let got = replay(&receiver, &chunks, limit);
        assert_eq!(got.get_deep_value(), a.get_deep_value());
        assert_eq!(got.get_map("m").get("last").and_then(|v| v.into_value().ok()), Some(LoroValue::from(11i64)));
    }

    #[test]
    fn a_receiver_holding_part_of_a_change_gets_the_rest() {
        let a = LoroDoc::new();
        a.set_peer_id(7).expect("peer");
        let map = a.get_map("m");
        for i in 0..30 {
            map.insert(&format!("k{i}"), big(3000, i)).expect("insert");
        }
        a.commit();
        // The receiver holds the first 12 operations of the one change.
        let receiver = LoroDoc::new();
        let head = a.export(ExportMode::updates_in_range(vec![IdSpan::new(7, 0, 12)])).expect("export");
        receiver.import(&head).expect("import");
        assert_eq!(receiver.oplog_vv().get(&7).copied(), Some(12));
        let limit = 16 * 1024;
        let chunks = split_updates(&a, &receiver.oplog_vv(), &a.oplog_vv(), limit).expect("split");
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        let got = replay(&receiver, &chunks, limit);
        assert_eq!(got.get_deep_value(), a.get_deep_value());
    }

    #[test]
    fn an_operation_over_the_limit_is_an_error() {
        let a = LoroDoc::new();
        a.get_map("m").insert("k", big(10_000, 1)).expect("insert");
        a.commit();
        let err = split_updates(&a, &VersionVector::default(), &a.oplog_vv(), 4096).expect_err("too large");
        assert!(matches!(err, SplitError::OperationTooLarge { limit: 4096, .. }), "{err}");
    }
}
