// Transport for the peer-sync harness (its README, "Adding a backend"): one client = one LoroDoc (loro-crdt, the
// version of the server's Rust `loro`) + one WebSocket speaking docs/protocol.md to `pipeline-editor serve`.
//
// A harness doc is one pipeline named after it, created over HTTP by the seeding client (POST /api/pipelines with
// 1000 steps); harness step i is the i-th root of the `steps` tree and field f is key f of that node's
// `fields` map (the pipeline-doc layout, crates/pipeline-doc/src/steps.rs). Env: PIPELINE_TOKEN (required),
// PEER_SYNC_HARNESS (the harness copy, for lib/pipeline.mjs), PEER_SYNC_LORO_LOG (optional error log).

import { appendFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import * as loro from 'loro-crdt';

const { LoroDoc, LoroMap } = loro;

export const info = { name: 'loro', packages: ['loro-crdt', 'ws'] };

// Reserve the WebAssembly heap up front (PEER_SYNC_LORO_RESERVE_MIB, default 2048; 0 = off). With hundreds of
// replicas in one process the heap grew a few KiB per import, and V8 ran a full mark-compact every ~30 ms
// ("external memory pressure": each `memory.grow` gives it a new buffer over the whole heap), 57 % of the load
// generator's CPU in a profile (import-cost.mjs shows the GC time with and without). One allocation freed at
// once makes the allocator grow the heap once; untouched pages cost no RSS.
const reserveMiB = Number(process.env.PEER_SYNC_LORO_RESERVE_MIB ?? 2048);
if (reserveMiB > 0 && loro.__wasm?.__wbindgen_malloc) {
  // In pieces: one allocation must stay under 2 GiB (wasm32's isize::MAX).
  const piece = 256 * 1024 * 1024;
  const ptrs = Array.from({ length: Math.ceil(reserveMiB / 256) }, () => loro.__wasm.__wbindgen_malloc(piece, 8));
  for (const ptr of ptrs) loro.__wasm.__wbindgen_free(ptr, piece, 8);
}

const TOKEN = process.env.PIPELINE_TOKEN;
// The harness's lib/pipeline.mjs: from PEER_SYNC_HARNESS, else next to the running load.mjs (or lib/worker.mjs).
const script = resolve(process.argv[1] || '.');
const harnessDir =
  process.env.PEER_SYNC_HARNESS || (script.endsWith(join('lib', 'worker.mjs')) ? dirname(dirname(script)) : dirname(script));
const { STEP_COUNT, FIELDS, stepKey, initialStep } = await import(
  pathToFileURL(join(harnessDir, 'lib', 'pipeline.mjs')).href
);

const HELLO = 0x01;
const UPDATE = 0x02;
const WELCOME = 0x81;
const ACK = 0x82;
const S_UPDATE = 0x83;
const PRESENCE = 0x84;

function log(line) {
  const f = process.env.PEER_SYNC_LORO_LOG;
  if (f) {
    try { appendFileSync(f, `${new Date().toISOString()} pid ${process.pid} ${line}\n`); } catch { /* best effort */ }
  }
}

const httpBase = (url) => url.replace(/^ws/, 'http').replace(/\/+$/, '');
const auth = () => {
  if (!TOKEN) throw new Error('PIPELINE_TOKEN is not set');
  return { authorization: `Bearer ${TOKEN}` };
};

/** YAML of the harness pipeline: every value double-quoted (JSON strings are valid YAML scalars). */
function pipelineYaml(name, steps = STEP_COUNT) {
  const q = (v) => JSON.stringify(String(v));
  const lines = ['workflow:', `  name: ${q(name)}`, '  steps:'];
  for (let i = 0; i < steps; i++) {
    const init = initialStep(i);
    lines.push(`    - name: ${q(stepKey(i))}`, '      type: claude');
    for (const f of FIELDS) if (f !== 'name') lines.push(`      ${f}: ${q(init[f])}`);
  }
  return lines.join('\n') + '\n';
}

// Pipeline ids by harness doc name, per process: one listing serves every client of the process.
const ids = new Map();
let listing = null;
async function refreshIds(base) {
  let cursor = null;
  do {
    const u = `${base}/api/pipelines?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(u, { headers: auth() });
    if (!res.ok) throw new Error(`GET ${u}: ${res.status} ${await res.text()}`);
    const page = await res.json();
    for (const p of page.items) ids.set(p.name, p.id);
    cursor = page.next_cursor;
  } while (cursor);
}
async function findId(base, docName, deadline) {
  for (;;) {
    if (ids.has(docName)) return ids.get(docName);
    listing ??= refreshIds(base).finally(() => { listing = null; });
    await listing;
    if (ids.has(docName)) return ids.get(docName);
    if (Date.now() > deadline) throw new Error(`no pipeline named ${docName}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function open({ url, docName, expectSteps, onRemoteValue, onError, timeoutMs = 60000 }) {
  const base = httpBase(url);
  const doc = new LoroDoc();
  const tree = doc.getTree('steps');
  // Harness step key -> tree node id (a string). Not the LoroMap handles themselves: those are wasm-bindgen
  // objects tracked by a FinalizationRegistry, and 1000 per client, 500 clients per load-generator process, made
  // every full GC of the load generator walk half a million of them.
  let nodeIds = null;
  let ws = null;
  let seq = 0;
  let acked = 0;
  let closing = false;
  let ready = false;
  const ackWaiters = [];

  const stepCount = () => {
    const roots = tree.roots();
    for (const n of roots) n.free?.();
    return roots.length;
  };
  const collectNodes = () => {
    nodeIds = new Map();
    tree.roots().forEach((node, i) => {
      nodeIds.set(stepKey(i), node.id);
      node.free?.();
    });
  };
  const fieldsOf = (key) => {
    const id = nodeIds?.get(key);
    const node = id && tree.getNodeByID(id);
    const fields = node?.data.get('fields');
    node?.free?.();
    return fields instanceof LoroMap ? fields : null;
  };

  // Connect and sync; resolves after `welcome` was imported (and the doc has expectSteps steps).
  const connect = (id, deadline) =>
    new Promise((resolveOpen, rejectOpen) => {
      const wsUrl = `${url.replace(/\/+$/, '')}/api/pipelines/${id}/sync?token=${encodeURIComponent(TOKEN)}`;
      ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      ws.binaryType = 'nodebuffer';
      const timer = setTimeout(() => fail(new Error(`open ${docName}: no welcome in ${timeoutMs} ms`)), Math.max(1, deadline - Date.now()));
      const fail = (err) => {
        clearTimeout(timer);
        if (!ready) { closing = true; try { ws.terminate(); } catch { /* closed */ } rejectOpen(err); }
      };
      ws.on('open', () => {
        // hello: no views, and an empty version ("I have nothing").
        ws.send(Buffer.from([HELLO, 0]));
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          let msg;
          try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { type: 'unreadable' }; }
          if (msg.type === 'error') {
            log(`${docName} error ${msg.code} seq=${msg.seq ?? '-'} sent=${seq} acked=${acked}: ${msg.message}`);
            if (ready) onError(`server-error-${msg.code}`); else fail(new Error(`server error ${msg.code}: ${msg.message}`));
          } else if (msg.type !== 'view') {
            log(`${docName} text ${data.toString('utf8').slice(0, 200)}`);
          }
          return;
        }
        const b = data;
        try {
          switch (b[0]) {
            case WELCOME: {
              const infoLen = b.readUInt32BE(1);
              const vvLen = b.readUInt32BE(5 + infoLen);
              const update = b.subarray(9 + infoLen + vvLen);
              if (update.length) doc.import(update);
              if (expectSteps > 0 && stepCount() < expectSteps) {
                fail(new Error(`open ${docName}: ${stepCount()} steps, expected ${expectSteps}`));
                return;
              }
              collectNodes();
              // Remote edits from here on: map diffs of a step's `fields` map.
              doc.subscribe((batch) => {
                if (batch.by !== 'import') return;
                for (const ev of batch.events) {
                  if (ev.diff.type !== 'map' || ev.path.length !== 3 || ev.path[2] !== 'fields') continue;
                  for (const v of Object.values(ev.diff.updated)) if (typeof v === 'string') onRemoteValue(v);
                }
              });
              ready = true;
              clearTimeout(timer);
              resolveOpen();
              break;
            }
            case ACK: {
              acked = b.readUInt32BE(1);
              while (ackWaiters.length && ackWaiters[0].seq <= acked) ackWaiters.shift().resolve();
              break;
            }
            case S_UPDATE:
              doc.import(b.subarray(1));
              break;
            case PRESENCE:
              break;
            default:
              throw new Error(`unknown frame type 0x${b[0].toString(16)}`);
          }
        } catch (err) {
          log(`${docName} protocol: ${err?.message || err}`);
          if (ready) onError('protocol'); else fail(err);
        }
      });
      ws.on('close', (code, reason) => {
        if (closing) return;
        log(`${docName} closed ${code} ${reason} sent=${seq} acked=${acked}`);
        if (ready) onError(code === 1005 || code === 1006 ? 'disconnect' : `disconnect-${code}`);
        else fail(new Error(`open ${docName}: closed ${code} ${reason}`));
      });
      ws.on('error', (err) => {
        log(`${docName} socket error ${err?.message || err}`);
        if (!ready) fail(err);
      });
    });

  const client = {
    doc,
    stepCount,
    /** Create the pipeline over HTTP (durable at the 201), then join it like every other client. */
    async seed() {
      const deadline = Date.now() + timeoutMs;
      const res = await fetch(`${base}/api/pipelines`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/yaml' },
        body: pipelineYaml(docName),
      });
      if (res.status !== 201) throw new Error(`POST /api/pipelines: ${res.status} ${await res.text()}`);
      const { id } = await res.json();
      ids.set(docName, id);
      await connect(id, deadline);
    },
    setField(key, field, value) {
      const map = fieldsOf(key);
      if (!map) throw new Error(`no step ${key} in the document`);
      const before = doc.oplogVersion();
      map.set(field, value);
      map.free?.();
      doc.commit();
      seq += 1;
      const update = doc.export({ mode: 'update', from: before });
      before.free?.();
      ws.send(Buffer.concat([Buffer.from([UPDATE]), u32(seq), update]));
    },
    /** Resolves when every update sent so far is durable (acked). */
    flushed() {
      if (acked >= seq) return Promise.resolve();
      return new Promise((resolve) => ackWaiters.push({ seq, resolve }));
    },
    async close() {
      closing = true;
      if (ws && ws.readyState === WebSocket.OPEN) {
        await new Promise((r) => { ws.once('close', r); ws.close(1000); setTimeout(r, 2000); });
      } else {
        try { ws?.terminate(); } catch { /* closed */ }
      }
      doc.free?.();
    },
  };

  // The seeding client (expectSteps 0) connects in seed(), after creating the pipeline.
  if (expectSteps === 0) return Promise.resolve(client);
  const deadline = Date.now() + timeoutMs;
  return findId(base, docName, deadline).then((id) => connect(id, deadline)).then(() => client);
}
