// The frames of docs/protocol.md (version 1): binary messages carry Loro bytes, text messages JSON (their
// types are generated from the Rust definitions: src/gen/api.ts).
import type { DiagnosticBody, ServerText, WelcomeInfo } from '../gen/api';

export const HELLO = 0x01;
export const UPDATE = 0x02;
export const PRESENCE = 0x03;
export const WELCOME = 0x81;
export const ACK = 0x82;
export const S_UPDATE = 0x83;
export const S_PRESENCE = 0x84;
/** A compressed `welcome` (hello flag `deflate`): the raw DEFLATE of a whole `welcome` frame. */
export const WELCOME_DEFLATE = 0x85;

export const FLAG_VIEWS = 0x01;
/** With an empty version: the welcome's info carries the steps tree as JSON (the first model, read cheaply). */
export const FLAG_TREE = 0x04;
/** A large welcome may come compressed (`WELCOME_DEFLATE`, inflated by `inflateWelcome`). */
export const FLAG_DEFLATE = 0x08;

/** The largest client frame the server takes (`too_large` beyond: crates/pipeline-server/src/sync/protocol.rs). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** The largest update one `update` frame carries (type byte and sequence number aside). */
export const MAX_UPDATE_BYTES = MAX_FRAME_BYTES - 5;

export type { WelcomeInfo };
/** A located finding of the validator (the API's and the protocol's `DiagnosticBody`). */
export type Diagnostic = DiagnosticBody;
/** JSON messages from the server. */
export type TextMessage = ServerText;

export type ServerMessage =
  | { kind: 'welcome'; info: WelcomeInfo; version: Uint8Array; update: Uint8Array; tree?: unknown }
  | { kind: 'ack'; seq: number }
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'presence'; state: Uint8Array };

export function hello(flags: number, version: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + version.length);
  out[0] = HELLO;
  out[1] = flags;
  out.set(version, 2);
  return out;
}

export function update(seq: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = UPDATE;
  new DataView(out.buffer).setUint32(1, seq);
  out.set(bytes, 5);
  return out;
}

export function presence(state: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + state.length);
  out[0] = PRESENCE;
  out.set(state, 1);
  return out;
}

export class FrameError extends Error {}

/** Whether this browser can inflate a compressed welcome (`DecompressionStream` with raw DEFLATE). */
export function canInflate(): boolean {
  try {
    new DecompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

/** Whether a frame is a compressed welcome (to go through `inflateWelcome` before `decode`). */
export function isDeflatedWelcome(data: unknown): data is ArrayBuffer {
  return data instanceof ArrayBuffer && data.byteLength > 0 && new Uint8Array(data)[0] === WELCOME_DEFLATE;
}

/** The `welcome` frame inside a `WELCOME_DEFLATE` frame (the browser's own inflater, off the JavaScript heap). */
export async function inflateWelcome(frame: ArrayBuffer): Promise<ArrayBuffer> {
  const body = new Blob([new Uint8Array(frame, 1)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const out = await new Response(body).arrayBuffer();
  if (new Uint8Array(out)[0] !== WELCOME) throw new FrameError('a compressed frame that is not a welcome');
  return out;
}

export function decode(buf: ArrayBuffer): ServerMessage {
  const b = new Uint8Array(buf);
  const view = new DataView(buf);
  const need = (n: number) => {
    if (b.length < n) throw new FrameError(`truncated frame of type 0x${b[0]?.toString(16)}`);
  };
  need(1);
  switch (b[0]) {
    case WELCOME: {
      need(5);
      const infoLen = view.getUint32(1);
      need(9 + infoLen);
      // The tree (hello flag `tree`) is taken out: the info itself is kept (offline/persist.ts), the tree only until read.
      const { tree, ...info } = JSON.parse(new TextDecoder().decode(b.subarray(5, 5 + infoLen))) as WelcomeInfo;
      const vvLen = view.getUint32(5 + infoLen);
      need(9 + infoLen + vvLen);
      const version = b.slice(9 + infoLen, 9 + infoLen + vvLen);
      return { kind: 'welcome', info, version, update: b.slice(9 + infoLen + vvLen), tree };
    }
    case ACK:
      need(5);
      return { kind: 'ack', seq: view.getUint32(1) };
    case S_UPDATE:
      return { kind: 'update', update: b.slice(1) };
    case S_PRESENCE:
      return { kind: 'presence', state: b.slice(1) };
    case WELCOME_DEFLATE:
      throw new FrameError('a compressed welcome that could not be inflated');
    default:
      throw new FrameError(`unknown frame type 0x${b[0].toString(16)}`);
  }
}
