// Auto-layout: steps top to bottom in execution order, loop bodies and inline child pipelines inside their
// step's box. ELK (layered, downwards) runs in a Web Worker; its result is cached by the model's structure
// (ids, nesting, order), so editing a step's fields never relayouts. Until ELK answers, a plain stacked
// layout with the same spacing is shown, so a pipeline appears at once.
import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { useEffect, useMemo, useState } from 'react';
import type { LoroDoc, TreeID } from 'loro-crdt';
import type { Model, StepNode } from '../../doc/pipeline';

export const STEP_W = 260;
export const STEP_H = 78;
export const GAP = 36;
/** Room for a container's header above its body, and its padding. */
export const HEAD = 72;
export const PAD = 20;
const EMPTY_BODY = 64;
const MIN_CONTAINER_W = STEP_W + 2 * PAD;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
/** Positions relative to the parent step's box (React Flow's parentId convention). */
export type Layout = Map<TreeID, Box>;

export const isContainer = (s: StepNode): boolean =>
  s.fields?.type === 'for_loop' || s.fields?.type === 'while_loop' || Object.keys(s.slots).length > 0;

/** The child steps shown inside a container (a loop body, or an inline pipeline's steps). */
export const bodyOf = (s: StepNode): StepNode[] => [...(s.slots['/steps'] ?? []), ...(s.slots['/pipeline/steps'] ?? [])];

/** Identity of the model's structure: what a layout depends on. */
export function structureKey(m: Model): string {
  let key = '';
  for (const s of m.all) key += `${s.id}<${s.parent ?? ''}${s.slot}${isContainer(s) ? '#' : ''};`;
  return key;
}

/** The stacked layout: each list a centred column. Synchronous and linear. */
export function stackLayout(m: Model): Layout {
  const out: Layout = new Map();
  const place = (list: StepNode[], top: number): { w: number; h: number } => {
    const sizes = list.map((s) => (isContainer(s) ? container(s) : { w: STEP_W, h: STEP_H }));
    const w = Math.max(0, ...sizes.map((z) => z.w));
    let y = top;
    list.forEach((s, i) => {
      out.set(s.id, { x: (w - sizes[i].w) / 2, y, w: sizes[i].w, h: sizes[i].h });
      y += sizes[i].h + GAP;
    });
    return { w, h: list.length ? y - GAP - top : 0 };
  };
  const container = (s: StepNode): { w: number; h: number } => {
    const body = bodyOf(s);
    if (!body.length) return { w: MIN_CONTAINER_W, h: HEAD + EMPTY_BODY + PAD };
    const inner = place(body, HEAD);
    // Children were placed in a column of the body's width; shift them by the padding.
    for (const c of body) out.get(c.id)!.x += PAD;
    return { w: Math.max(MIN_CONTAINER_W, inner.w + 2 * PAD), h: HEAD + inner.h + PAD };
  };
  place(m.steps, 0);
  return out;
}

let elk: InstanceType<typeof ELK> | null = null;
const elkInstance = () => (elk ??= new ELK({ workerUrl: elkWorkerUrl }));

const LAYERED = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.spacing.nodeNode': String(GAP),
  'elk.layered.spacing.nodeNodeBetweenLayers': String(GAP),
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};

function elkGraph(m: Model): ElkNode {
  const nodes = (list: StepNode[]): { children: ElkNode[]; edges: ElkExtendedEdge[] } => ({
    children: list.map((s) => {
      if (!isContainer(s)) return { id: s.id, width: STEP_W, height: STEP_H };
      const body = bodyOf(s);
      return {
        id: s.id,
        ...nodes(body),
        layoutOptions: {
          ...LAYERED,
          'elk.padding': `[top=${HEAD},left=${PAD},bottom=${PAD},right=${PAD}]`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
          'elk.nodeSize.minimum': `(${MIN_CONTAINER_W}, ${HEAD + EMPTY_BODY + PAD})`,
        },
      };
    }),
    edges: list.slice(1).map((s, i) => ({ id: `${list[i].id}>${s.id}`, sources: [list[i].id], targets: [s.id] })),
  });
  // No padding around the whole graph, so it lines up with the stacked layout shown meanwhile.
  return { id: 'root', layoutOptions: { ...LAYERED, 'elk.padding': '[top=0,left=0,bottom=0,right=0]' }, ...nodes(m.steps) };
}

async function elkLayout(m: Model): Promise<Layout> {
  const out: Layout = new Map();
  const root = await elkInstance().layout(elkGraph(m));
  const visit = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      out.set(c.id as TreeID, { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? STEP_W, h: c.height ?? STEP_H });
      visit(c);
    }
  };
  visit(root);
  return out;
}

// A few recent layouts by structure, so undo/redo of a structural change does not wait for ELK again.
const cache = new Map<string, Layout>();
function remember(key: string, l: Layout): void {
  cache.delete(key);
  cache.set(key, l);
  if (cache.size > 8) cache.delete(cache.keys().next().value as string);
}

/** The auto-layout of the model: the cached ELK result for its structure, else the stacked one meanwhile. */
export function useAutoLayout(model: Model): Layout {
  const key = useMemo(() => structureKey(model), [model]);
  // The model is read only when the structure changes (hence `[key]`): field edits do not move anything.
  const fallback = useMemo(() => cache.get(key) ?? stackLayout(model), [key]);
  const [done, setDone] = useState<{ key: string; layout: Layout } | null>(null);
  useEffect(() => {
    if (cache.has(key)) return;
    let live = true;
    // When the page is idle: starting ELK's worker and posting it the graph took ~7 ms of a 1000-step
    // editor's first effects, before its first frame took input; the stacked layout shows meanwhile.
    const start = () =>
      elkLayout(model)
        .then((l) => {
          remember(key, l);
          if (live) setDone({ key, layout: l });
        })
        .catch(() => {
          // ELK failing (a worker that cannot start) leaves the stacked layout, which is always valid.
        });
    const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback(start, { timeout: 500 }) : null;
    const timer = idle === null ? setTimeout(start, 50) : null;
    return () => {
      live = false;
      if (idle !== null) cancelIdleCallback(idle);
      if (timer !== null) clearTimeout(timer);
    };
  }, [key]);
  return done?.key === key ? done.layout : fallback;
}

/** Forgets the stored canvas positions of `ids` (so auto-layout places them again), in one commit. */
export function clearPositions(doc: LoroDoc, ids: TreeID[]): void {
  const layout = doc.getMap('layout');
  let any = false;
  for (const id of ids) {
    if (layout.get(id) !== undefined) {
      layout.delete(id);
      any = true;
    }
  }
  if (!any) return;
  doc.setNextCommitMessage('tidy up');
  doc.commit();
}

/**
 * Final boxes: stored positions win over the auto-layout, and a container grows to hold children that were
 * moved past its edge.
 */
export function placeNodes(m: Model, auto: Layout, stored: Map<TreeID, { x: number; y: number }>): Layout {
  const out: Layout = new Map();
  for (const s of m.all) {
    const a = auto.get(s.id) ?? { x: 0, y: 0, w: isContainer(s) ? MIN_CONTAINER_W : STEP_W, h: STEP_H };
    const p = stored.get(s.id);
    out.set(s.id, p ? { ...a, x: p.x, y: p.y } : a);
  }
  // Children come after their parent in `all`: walking backwards sizes the innermost containers first.
  for (let i = m.all.length - 1; i >= 0; i--) {
    const s = m.all[i];
    if (!isContainer(s)) continue;
    const box = out.get(s.id)!;
    let w = box.w;
    let h = box.h;
    for (const c of bodyOf(s)) {
      const b = out.get(c.id)!;
      w = Math.max(w, b.x + b.w + PAD);
      h = Math.max(h, b.y + b.h + PAD);
    }
    if (w !== box.w || h !== box.h) out.set(s.id, { ...box, w, h });
  }
  return out;
}
