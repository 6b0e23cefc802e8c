// Splits a Loro update that is larger than the server takes in one frame (8 MiB, docs/protocol.md) into
// several updates, each under the limit, that the server imports one after another: many offline edits merged
// into one export, or a restored replica, or one large change. The update's operations are cut along Loro's
// changes and, within a change, along operation counters (`updates-in-range` export), and ordered by Lamport
// time, so each part only depends on operations of earlier parts or ones the server already has. One single
// operation over the limit (say, one 9 MiB string value) cannot be cut: its part is over the limit, and the
// server refuses it.
import { decodeImportBlobMeta, type LoroDoc, type PeerID } from 'loro-crdt';

interface Span {
  peer: PeerID;
  counter: number;
  len: number;
}

interface Piece extends Span {
  /** Bytes of this span exported alone. */
  size: number;
}

/** `bytes` (an update of `doc`, every operation of which `doc` holds) as updates of at most `limit` bytes. */
export function splitUpdate(doc: LoroDoc, bytes: Uint8Array, limit: number): Uint8Array[] {
  if (bytes.length <= limit) return [bytes];
  let meta: ReturnType<typeof decodeImportBlobMeta>;
  try {
    meta = decodeImportBlobMeta(bytes, false);
  } catch {
    return [bytes];
  }
  const start = meta.partialStartVersionVector;
  const spans: (Span & { lamport: number })[] = [];
  for (const [peer, end] of meta.partialEndVersionVector.toJSON()) {
    let counter = start.get(peer) ?? 0;
    while (counter < end) {
      const change = doc.getChangeAt({ peer, counter });
      const to = Math.min(end, change.counter + change.length);
      spans.push({ peer, counter, len: to - counter, lamport: change.lamport + (counter - change.counter) });
      counter = to;
    }
  }
  // Causal order: whatever an operation depends on has a smaller Lamport time.
  spans.sort((a, b) => a.lamport - b.lamport || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));

  const exportSpans = (s: Span[]) =>
    doc.export({ mode: 'updates-in-range', spans: s.map((x) => ({ id: { peer: x.peer, counter: x.counter }, len: x.len })) });

  // Each span in pieces that fit alone (halving by counter).
  const pieces: Piece[] = [];
  const fit = (s: Span) => {
    const size = exportSpans([s]).length;
    if (size <= limit || s.len === 1) return void pieces.push({ ...s, size });
    const half = Math.floor(s.len / 2);
    fit({ peer: s.peer, counter: s.counter, len: half });
    fit({ peer: s.peer, counter: s.counter + half, len: s.len - half });
  };
  for (const s of spans) fit(s);

  // Consecutive pieces packed while their sizes add up to the limit; a group whose export is still over it
  // (the sum is an estimate) is halved.
  const out: Uint8Array[] = [];
  const emit = (group: Piece[]) => {
    const b = exportSpans(group);
    if (b.length <= limit || group.length === 1) return void out.push(b);
    const half = Math.ceil(group.length / 2);
    emit(group.slice(0, half));
    emit(group.slice(half));
  };
  let group: Piece[] = [];
  let size = 0;
  for (const p of pieces) {
    if (group.length && size + p.size > limit) {
      emit(group);
      group = [];
      size = 0;
    }
    group.push(p);
    size += p.size;
  }
  if (group.length) emit(group);
  return out;
}
