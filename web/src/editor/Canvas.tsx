// The canvas: the pipeline's steps as React Flow nodes, top to bottom in execution order, loops and inline
// child pipelines as containers holding their body, sequence edges down the column and data edges for the
// references between steps. Edits go through the document's commands (one commit each): drag stop stores a
// position, a connection appends a `previous_response` prompt item, a drop from the step library inserts a
// step. Node and edge objects of unchanged steps are reused between renders (React Flow then skips them),
// and a drag moves React Flow's own node state only, writing to the document when it stops.
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  MarkerType,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
} from '@xyflow/react';
import type { TreeID } from 'loro-crdt';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { deepEqual, insertStep, setPosition, setStepField, type Model, type StepNode } from '../doc/pipeline';
import { familyOf, infoOf } from './catalog';
import { STEP_DRAG_TYPE } from './Library';
import { newStep, stepNames } from './commands';
import { connectionProblem, withReference, withoutItem } from './canvas/connect';
import { RemoveEdgeContext, edgeTypes, type DataEdgeData, type DataFlowEdge } from './canvas/DataEdge';
import { deriveDataEdges, deriveSequenceEdges, stepRefs, type StepRef } from './canvas/edges';
import { HEAD, PAD, STEP_H, STEP_W, bodyOf, clearPositions, isContainer, placeNodes, useAutoLayout, type Box } from './canvas/layout';
import { basename, usePipelineFiles } from './canvas/links';
import { Minimap } from './canvas/Minimap';
import { handleBoxes, nodeTypes, type StepData, type StepFlowNode } from './canvas/nodes';
import { diagnosticCounts, stepSummary, type Counts } from './canvas/summary';
import { CanvasPresence } from './presence/CanvasPresence';
import { useEditor } from './state';
import './canvas/canvas.css';

/** Width kept free right of the steps when fitting the view: the data edges bulge out there. */
const EDGE_ROOM = 110;
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
/** From this many steps on, React Flow is given only the steps near the view (`windowOf`). */
const WINDOW_FROM = 200;
/** The zoom a large pipeline opens at (its top, readable). */
const TOP_ZOOM = 0.85;
const NO_COUNTS: Counts = { errors: 0, warnings: 0 };
const takesPrompt = (type: unknown): boolean => {
  const rule = infoOf(type)?.prompt;
  return rule === 'required' || rule === 'prompt_or_tasks';
};

type FlowEdge = Edge | DataFlowEdge;

export function Canvas() {
  return (
    <ReactFlowProvider>
      <CanvasFlow />
    </ReactFlowProvider>
  );
}

const nameOf = (s: StepNode | undefined): string => (typeof s?.fields?.name === 'string' ? s.fields.name : '');

function nodeData(s: StepNode, counts: Counts, files: Map<string, string> | null, readOnly: boolean): StepData {
  const f = s.fields;
  const type = typeof f?.type === 'string' ? f.type : '';
  const fam = familyOf(type);
  const file = f?.type === 'pipeline' && typeof f.pipeline_file === 'string' && f.pipeline_file.trim() ? f.pipeline_file.trim() : null;
  return {
    name: nameOf(s),
    type,
    typeLabel: infoOf(type)?.label ?? (type || 'no type'),
    icon: fam?.icon ?? '?',
    colour: fam?.colour ?? 'var(--muted)',
    summary: stepSummary(f),
    errors: counts.errors,
    warnings: counts.warnings,
    // Until the list has loaded the link is left out, rather than flagged missing.
    link: file && files ? { file: basename(file), id: files.get(basename(file)) ?? null } : undefined,
    empty: isContainer(s) && bodyOf(s).length === 0,
    readOnly,
  };
}

function sameData(a: StepData, b: StepData): boolean {
  for (const k of Object.keys(b) as (keyof StepData)[]) {
    if (k === 'link') continue;
    if (a[k] !== b[k]) return false;
  }
  return a.link?.file === b.link?.file && a.link?.id === b.link?.id;
}

/**
 * Node data by step object, valid while the inputs other than the model are unchanged: a selection change
 * (the model stays the same object) then costs no summaries.
 */
interface DataCache {
  counts: Map<TreeID, Counts>;
  files: Map<string, string> | null;
  readOnly: boolean;
  byStep: WeakMap<StepNode, StepData>;
}

/** React Flow nodes for the model, reusing the previous object of every step whose node did not change. */
function buildNodes(
  model: Model,
  boxes: Map<TreeID, Box>,
  counts: Map<TreeID, Counts>,
  files: Map<string, string> | null,
  selected: Set<TreeID>,
  readOnly: boolean,
  prev: Map<string, StepFlowNode>,
  cache: DataCache,
  /** For a large pipeline, the steps React Flow is given (windowOf): only their nodes are made. */
  only: Set<string> | null,
): StepFlowNode[] {
  if (cache.counts !== counts || cache.files !== files || cache.readOnly !== readOnly) {
    Object.assign(cache, { counts, files, readOnly, byStep: new WeakMap() });
  }
  return (only ? model.all.filter((s) => only.has(s.id)) : model.all).map((s) => {
    const old = prev.get(s.id);
    let data = cache.byStep.get(s);
    if (!data) {
      data = nodeData(s, counts.get(s.id) ?? NO_COUNTS, files, readOnly);
      if (old && sameData(old.data, data)) data = old.data;
      cache.byStep.set(s, data);
    }
    const b = boxes.get(s.id)!;
    const type = isContainer(s) ? 'container' : 'step';
    const sel = selected.has(s.id);
    if (
      old && old.data === data && old.type === type && old.selected === sel && old.parentId === (s.parent ?? undefined) &&
      old.position.x === b.x && old.position.y === b.y && old.width === b.w && old.height === b.h
    ) {
      return old;
    }
    return {
      id: s.id,
      type,
      data,
      position: { x: b.x, y: b.y },
      width: b.w,
      height: b.h,
      // Sizes are fixed by the layout: giving them (and the handles) up front spares React Flow measuring.
      measured: { width: b.w, height: b.h },
      handles: handleBoxes(b.w, b.h),
      parentId: s.parent ?? undefined,
      extent: s.parent ? 'parent' : undefined,
      expandParent: !!s.parent,
      selected: sel,
      deletable: false,
      draggable: !readOnly,
      connectable: !readOnly,
      ariaLabel: `Step ${data.name || 'unnamed'} (${data.type || 'no type'})`,
    };
  });
}

const inside = (b: Box, p: { x: number; y: number }) => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Every step's box in flow coordinates (the layout's boxes are relative to their container). */
function absoluteBoxes(model: Model, boxes: Map<TreeID, Box>): Map<TreeID, Box> {
  const out = new Map<TreeID, Box>();
  // `all` is depth first: a container comes before its body.
  for (const s of model.all) {
    const b = boxes.get(s.id);
    if (!b) continue;
    const p = s.parent ? out.get(s.parent) : undefined;
    out.set(s.id, p ? { ...b, x: p.x + b.x, y: p.y + b.y } : b);
  }
  return out;
}

/** The area (flow coordinates) the view shows, from React Flow's transform and size. */
function viewArea(transform: [number, number, number], width: number, height: number): Box {
  const [tx, ty, zoom] = transform;
  // Before React Flow has measured its pane, the window's size is a safe bound.
  const w = width || window.innerWidth;
  const h = height || window.innerHeight;
  return { x: -tx / zoom, y: -ty / zoom, w: w / zoom, h: h / zoom };
}

/** `area` grown by `k` times its size on every side. */
const grown = (a: Box, k: number): Box => ({ x: a.x - a.w * k, y: a.y - a.h * k, w: a.w * (1 + 2 * k), h: a.h * (1 + 2 * k) });

/**
 * The steps React Flow is given for a large pipeline: those in `area` (the view and one more view on each
 * side), the selected ones (a drag moves them all), the containers holding any of these, and both ends of
 * every edge passing through the area. React Flow's work on each change (adopting nodes, edge lookups,
 * culling) grows with the nodes it holds even when it renders only the visible ones; this keeps it to the few
 * dozen near the view, whatever the pipeline's size.
 */
function windowOf(model: Model, abs: Map<TreeID, Box>, area: Box, selection: TreeID[], edges: FlowEdge[]): Set<string> {
  const ids = new Set<string>();
  const add = (id: TreeID) => {
    for (let cur: TreeID | null = id; cur && !ids.has(cur); cur = model.byId.get(cur)?.parent ?? null) ids.add(cur);
  };
  for (const [id, b] of abs) if (overlaps(b, area)) add(id);
  for (const id of selection) if (model.byId.has(id)) add(id);
  for (const e of edges) {
    if (ids.has(e.source) && ids.has(e.target)) continue;
    const a = abs.get(e.source as TreeID);
    const b = abs.get(e.target as TreeID);
    if (!a || !b) continue;
    const x = Math.min(a.x, b.x);
    const y = Math.min(a.y, b.y);
    // Data edges bulge out to the right of the steps.
    const span = { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x + EDGE_ROOM, h: Math.max(a.y + a.h, b.y + b.h) - y };
    if (overlaps(span, area)) {
      add(e.source as TreeID);
      add(e.target as TreeID);
    }
  }
  return ids;
}

function CanvasFlow() {
  const { doc, model, positions, view, selection, setSelection, readOnly, pipelineId } = useEditor();
  const rf = useReactFlow();
  const store = useStoreApi();
  const [message, setMessage] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<TreeID | 'root' | null>(null);
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(() => new Set());

  // Latest values for the event handlers (which React Flow may call several times between renders).
  const modelRef = useRef(model);
  modelRef.current = model;
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  /** The last selection made on the canvas itself. */
  const ownSelection = useRef<TreeID[]>([]);

  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(null), 6000);
    return () => clearTimeout(t);
  }, [message]);

  // ---- nodes ----
  const auto = useAutoLayout(model);
  const boxes = useMemo(() => placeNodes(model, auto, positions), [model, auto, positions]);
  const boxesRef = useRef(boxes);
  boxesRef.current = boxes;
  const abs = useMemo(() => absoluteBoxes(model, boxes), [model, boxes]);
  const absRef = useRef(abs);
  absRef.current = abs;
  const counts = useMemo(() => diagnosticCounts(model, view?.diagnostics), [model, view]);
  const wantsFiles = useMemo(() => model.all.some((s) => s.fields?.type === 'pipeline' && typeof s.fields.pipeline_file === 'string'), [model]);
  const files = usePipelineFiles(pipelineId, wantsFiles);
  const selectedSet = useMemo(() => new Set(selection), [selection]);
  // ---- edges ----
  // Each step's references are re-read only when its fields changed.
  const refCache = useRef(new Map<TreeID, { fields: StepNode['fields']; refs: StepRef[] }>());
  const edgeCache = useRef(new Map<string, FlowEdge>());
  const baseEdges = useMemo(() => {
    const prevRefs = refCache.current;
    const nextRefs = new Map<TreeID, { fields: StepNode['fields']; refs: StepRef[] }>();
    const refsOf = (s: StepNode): StepRef[] => {
      const old = prevRefs.get(s.id);
      const entry = old && deepEqual(old.fields, s.fields) ? old : { fields: s.fields, refs: stepRefs(s.fields) };
      nextRefs.set(s.id, entry);
      return entry.refs;
    };
    const data = deriveDataEdges(model, refsOf);
    refCache.current = nextRefs;
    const prev = edgeCache.current;
    const out: FlowEdge[] = [];
    for (const e of deriveSequenceEdges(model)) {
      out.push(prev.get(e.id) ?? { id: e.id, source: e.source, target: e.target, sourceHandle: 'out', targetHandle: 'in', selectable: false, focusable: false, className: 'pc-seq-edge' });
    }
    for (const e of data) {
      const d: DataEdgeData = {
        kind: e.kind,
        field: e.field,
        index: e.index,
        forward: e.forward,
        sourceName: nameOf(model.byId.get(e.source)),
        targetName: nameOf(model.byId.get(e.target)),
        removable: e.kind === 'prompt' && e.index !== undefined && !readOnly,
        emphasised: selectedSet.has(e.source) || selectedSet.has(e.target),
      };
      const sel = selectedEdges.has(e.id);
      const old = prev.get(e.id) as DataFlowEdge | undefined;
      if (old && old.source === e.source && old.target === e.target && old.selected === sel && old.data && deepEqual(old.data, d)) {
        out.push(old);
        continue;
      }
      out.push({
        id: e.id,
        type: 'data',
        source: e.source,
        target: e.target,
        sourceHandle: 'ref-out',
        targetHandle: 'ref-in',
        data: d,
        selected: sel,
        zIndex: 1000,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: e.forward ? 'var(--danger)' : `var(--pc-edge-${e.kind})` },
        ariaLabel: `${d.targetName} reads ${d.sourceName} (${e.field})`,
      });
    }
    edgeCache.current = new Map(out.map((e) => [e.id, e]));
    return out;
  }, [model, selectedEdges, selectedSet, readOnly]);

  // ---- what React Flow is given: everything, or for a large pipeline the window around the view ----
  const windowed = model.all.length >= WINDOW_FROM;
  // Around the first view `fit` will give a large pipeline (its top at TOP_ZOOM), so the first render already
  // holds the steps in view, and the fit moves the view within this area (no second build of the nodes).
  const [area, setArea] = useState<Box>(() => grown(viewArea([24, 24, TOP_ZOOM], 0, 0), 1));
  const areaRef = useRef(area);
  areaRef.current = area;
  useEffect(() => {
    if (!windowed) return;
    let last: unknown = null;
    const check = (st: ReturnType<typeof store.getState>) => {
      if (st.transform === last) return;
      last = st.transform;
      const view = viewArea(st.transform, st.width, st.height);
      // A new area only when the view comes within half a view of the current area's edge (or outgrows it).
      const a = areaRef.current;
      const safe = { x: a.x + view.w / 2, y: a.y + view.h / 2, w: a.w - view.w, h: a.h - view.h };
      const within = safe.w > 0 && safe.h > 0 && view.x >= safe.x && view.y >= safe.y && view.x + view.w <= safe.x + safe.w && view.y + view.h <= safe.y + safe.h;
      if (!within) setArea(grown(view, 1));
    };
    check(store.getState());
    return store.subscribe(check);
  }, [windowed, store]);
  const included = useMemo(() => (windowed ? windowOf(model, abs, area, selection, baseEdges) : null), [windowed, model, abs, area, selection, baseEdges]);
  const flowEdges = useMemo(
    () => (included ? baseEdges.filter((e) => included.has(e.source) && included.has(e.target)) : baseEdges),
    [baseEdges, included],
  );

  const nodeCache = useRef(new Map<string, StepFlowNode>());
  const dataCache = useRef<DataCache>({ counts: new Map(), files: null, readOnly: false, byStep: new WeakMap() });
  const baseNodes = useMemo(() => {
    const list = buildNodes(model, boxes, counts, files, selectedSet, readOnly, nodeCache.current, dataCache.current, included);
    nodeCache.current = new Map(list.map((n) => [n.id, n]));
    return list;
  }, [model, boxes, counts, files, selectedSet, readOnly, included]);

  // React Flow's node state: the model's nodes, plus what a drag in progress has moved. A drag changes only
  // this (applyNodeChanges touches only the dragged nodes); the document hears of it when the drag stops.
  const [nodes, setNodes] = useState(baseNodes);
  const [synced, setSynced] = useState(baseNodes);
  const dragging = useRef(false);
  if (synced !== baseNodes) {
    setSynced(baseNodes);
    setNodes((cur) => {
      if (!dragging.current) return baseNodes;
      const moved = new Map(cur.filter((n) => n.dragging).map((n) => [n.id, n]));
      return baseNodes.map((n) => moved.get(n.id) ?? n);
    });
  }

  // The container a library drag is over is highlighted (one node object replaced while dragging).
  const flowNodes = useMemo(
    () => (dropTarget && dropTarget !== 'root' ? nodes.map((n) => (n.id === dropTarget ? { ...n, className: 'drop-target' } : n)) : nodes),
    [nodes, dropTarget],
  );

  // React Flow takes its nodes from props in an effect, so its first render has none and the steps appear
  // only in a second pass after the first paint. Its store is given them now, before React Flow renders
  // (no component reads the store yet), with the window's size as the pane's until React Flow measures it.
  const seeded = useRef(false);
  if (!seeded.current) {
    seeded.current = true;
    const st = store.getState();
    st.setNodes(flowNodes);
    st.setEdges(flowEdges);
    if (!st.width) store.setState({ width: window.innerWidth, height: window.innerHeight });
  }

  const storePositions = useCallback(
    (moved: { id: string; position: { x: number; y: number } }[]) => {
      const changed = moved.filter((n) => {
        const b = boxes.get(n.id as TreeID);
        return modelRef.current.byId.has(n.id as TreeID) && (!b || Math.round(b.x) !== Math.round(n.position.x) || Math.round(b.y) !== Math.round(n.position.y));
      });
      changed.forEach((n, i) => setPosition(doc, n.id as TreeID, n.position.x, n.position.y, i === changed.length - 1));
    },
    [doc, boxes],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<StepFlowNode>[]) => {
      const selects = changes.filter((c) => c.type === 'select');
      if (selects.length) {
        const next = new Set(selectionRef.current);
        for (const c of selects) {
          if (c.selected) next.add(c.id as TreeID);
          else next.delete(c.id as TreeID);
        }
        const ids = [...next];
        selectionRef.current = ids;
        ownSelection.current = ids;
        setSelection(ids);
      }
      const rest = changes.filter((c) => c.type === 'position' || c.type === 'dimensions');
      if (rest.length) setNodes((cur) => applyNodeChanges(rest, cur));
      // Arrow keys move selected nodes without a drag: store those moves at once.
      const keyMoves = rest.filter((c) => c.type === 'position' && !c.dragging && c.position && !dragging.current);
      if (keyMoves.length) storePositions(keyMoves.map((c) => ({ id: c.id, position: (c as { position: { x: number; y: number } }).position })));
    },
    [setSelection, storePositions],
  );

  const onDragStart = useCallback(() => {
    dragging.current = true;
  }, []);
  const onDragStop = useCallback(
    (_: unknown, _node: unknown, moved: StepFlowNode[]) => {
      dragging.current = false;
      storePositions(moved);
    },
    [storePositions],
  );
  const onSelectionDragStop = useCallback(
    (_: unknown, moved: StepFlowNode[]) => {
      dragging.current = false;
      storePositions(moved);
    },
    [storePositions],
  );

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    const selects = changes.filter((c) => c.type === 'select');
    if (!selects.length) return;
    setSelectedEdges((cur) => {
      const next = new Set(cur);
      for (const c of selects) {
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      }
      return next;
    });
  }, []);

  const removeEdges = useCallback(
    (ids: string[]) => {
      const m = modelRef.current;
      const byTarget = new Map<TreeID, number[]>();
      for (const id of ids) {
        const e = edgeCache.current.get(id) as DataFlowEdge | undefined;
        if (!e?.data) continue;
        if (!e.data.removable || e.data.index === undefined) {
          setMessage(`“${e.data.targetName}” reads “${e.data.sourceName}” in its ${e.data.field} text; edit that field in the properties panel to remove it.`);
          continue;
        }
        byTarget.set(e.target as TreeID, [...(byTarget.get(e.target as TreeID) ?? []), e.data.index]);
      }
      for (const [target, indexes] of byTarget) {
        let prompt = m.byId.get(target)?.fields?.prompt;
        // Highest index first, so earlier indexes stay valid.
        for (const i of indexes.sort((a, b) => b - a)) prompt = withoutItem(prompt, i) ?? prompt;
        if (prompt !== undefined) setStepField(doc, target, 'prompt', prompt);
      }
      setSelectedEdges(new Set());
    },
    [doc],
  );
  const removeEdge = useCallback((id: string) => removeEdges([id]), [removeEdges]);

  // ---- connections ----
  const connect = useCallback(
    (source: string, target: string) => {
      const m = modelRef.current;
      const problem = connectionProblem(m, source, target, takesPrompt);
      if (problem) {
        setMessage(problem);
        return;
      }
      const t = m.byId.get(target as TreeID)!;
      setStepField(doc, t.id, 'prompt', withReference(t.fields?.prompt, nameOf(m.byId.get(source as TreeID))));
      setMessage(null);
    },
    [doc],
  );
  const onConnect = useCallback((c: Connection) => connect(c.source, c.target), [connect]);
  // A connection dropped on a node's body rather than on a handle still means that node.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      const el = document.elementFromPoint(point.clientX, point.clientY)?.closest('.react-flow__node');
      const other = el?.getAttribute('data-id');
      if (!other) return;
      if (state.fromHandle?.type === 'target') connect(other, state.fromNode.id);
      else connect(state.fromNode.id, other);
    },
    [connect],
  );

  // ---- drops from the step library ----
  /** The innermost container under a flow point, or null for the top level. */
  const containerAt = useCallback(
    (p: { x: number; y: number }): StepNode | null => {
      let best: StepNode | null = null;
      for (const s of modelRef.current.all) {
        if (!isContainer(s) || (best && s.depth <= best.depth)) continue;
        const b = absRef.current.get(s.id);
        if (b && inside(b, p)) best = s;
      }
      return best;
    },
    [],
  );

  const onDragOver = useCallback(
    (e: DragEvent) => {
      if (readOnly || !e.dataTransfer.types.includes(STEP_DRAG_TYPE)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      const target = containerAt(rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
      setDropTarget(target?.id ?? 'root');
    },
    [readOnly, containerAt, rf],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      setDropTarget(null);
      const type = e.dataTransfer.getData(STEP_DRAG_TYPE);
      if (!type || readOnly) return;
      e.preventDefault();
      const m = modelRef.current;
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const parent = containerAt(p);
      const slot = parent ? (parent.fields?.type === 'pipeline' ? '/pipeline/steps' : '/steps') : '';
      if (parent && slot === '/steps' && !infoOf(type)?.allowed_in_loop) {
        setMessage(`${infoOf(type)?.label ?? type} steps cannot run inside a loop (“${nameOf(parent)}”).`);
        return;
      }
      const list = parent ? (parent.slots[slot as '/steps' | '/pipeline/steps'] ?? []) : m.steps;
      // After the last step of the list whose middle is above the drop point.
      const index = list.filter((s) => {
        const b = absRef.current.get(s.id);
        return b ? b.y + b.h / 2 < p.y : false;
      }).length;
      const id = insertStep(doc, { parent: parent?.id ?? null, slot, index }, newStep(type, stepNames(m)));
      const origin = parent ? (absRef.current.get(parent.id) ?? null) : null;
      const x = p.x - STEP_W / 2 - (origin?.x ?? 0);
      const y = p.y - STEP_H / 2 - (origin?.y ?? 0);
      setPosition(doc, id, origin ? Math.max(PAD, x) : x, origin ? Math.max(HEAD, y) : y);
      ownSelection.current = [id];
      setSelection([id]);
      setMessage(null);
    },
    [readOnly, rf, containerAt, doc, setSelection],
  );

  // ---- keyboard: Delete/Backspace removes the selected data edges (steps are deleted by Shortcuts) ----
  // Listened for on the window, in the capture phase, while edges are selected: an edge rarely holds the
  // focus, and the step shortcuts must not see this key press.
  useEffect(() => {
    if (readOnly || !selectedEdges.size) return;
    const on = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Delete' && e.key !== 'Backspace') return;
      const t = e.target as HTMLElement | null;
      if (t?.closest?.('input, textarea, select, [contenteditable="true"]')) return;
      // Edges removed meanwhile (by another user) may still be in the set.
      const ids = [...selectedEdges].filter((id) => edgeCache.current.has(id));
      if (!ids.length) return;
      e.preventDefault();
      e.stopPropagation();
      removeEdges(ids);
    };
    window.addEventListener('keydown', on, true);
    return () => window.removeEventListener('keydown', on, true);
  }, [readOnly, selectedEdges, removeEdges]);

  // ---- first view: fit a small pipeline; show the top of a large one at a readable zoom ----
  const fitted = useRef(false);
  const fit = useCallback(
    (duration = 0) => {
      const { width, height } = store.getState();
      let w = 0;
      let h = 0;
      for (const s of modelRef.current.steps) {
        const b = boxesRef.current.get(s.id);
        if (!b) continue;
        w = Math.max(w, b.x + b.w);
        h = Math.max(h, b.y + b.h);
      }
      // Room on the right for the data edges' curves and labels.
      const fullW = w + EDGE_ROOM;
      const zoom = Math.min(1, (width - 48) / fullW, (height - 48) / h);
      if (zoom >= 0.6) void rf.setViewport({ x: (width - fullW * zoom) / 2, y: (height - h * zoom) / 2, zoom }, { duration });
      else void rf.setViewport({ x: Math.max(24, (width - fullW * TOP_ZOOM) / 2), y: 24, zoom: TOP_ZOOM }, { duration });
    },
    [rf, store],
  );
  // The Fit control and its shortcut: every step in view, as far as the zoom range allows.
  const fitAll = useCallback(() => {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const b of absRef.current.values()) {
      x0 = Math.min(x0, b.x);
      y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.w);
      y1 = Math.max(y1, b.y + b.h);
    }
    if (x0 === Infinity) return;
    void rf.fitBounds({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, { padding: 0.1, duration: 200 });
  }, [rf]);
  useEffect(() => {
    if (fitted.current || !nodes.length) return;
    fitted.current = true;
    fit();
  }, [nodes.length, fit]);

  // A step selected elsewhere (YAML pane, search) is brought into view if it is off screen; one selected
  // on the canvas stays put.
  useEffect(() => {
    if (selection.length !== 1 || ownSelection.current.includes(selection[0])) return;
    const b = absRef.current.get(selection[0]);
    if (!b) return;
    const { transform, width, height } = store.getState();
    const [tx, ty, zoom] = transform;
    const left = b.x * zoom + tx;
    const top = b.y * zoom + ty;
    if (left >= 0 && top >= 0 && left + b.w * zoom <= width && top + b.h * zoom <= height) return;
    void rf.setCenter(b.x + b.w / 2, b.y + Math.min(b.h, STEP_H) / 2, { zoom, duration: 200 });
  }, [selection, store, rf]);

  const tidy = useCallback(() => {
    clearPositions(doc, modelRef.current.all.map((s) => s.id));
    // After the document change has come back as a model (next frame) and been laid out.
    setTimeout(() => fit(200), 100);
  }, [doc, fit]);

  return (
    <RemoveEdgeContext.Provider value={removeEdge}>
      <div
        className={`pc-canvas${readOnly ? ' readonly' : ''}${dropTarget ? ' dropping' : ''}`}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropTarget(null);
        }}
        data-drop-target={dropTarget ?? undefined}
        data-held={flowNodes.length}
      >
        <ReactFlow<StepFlowNode, FlowEdge>
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStart={onDragStart}
          onNodeDragStop={onDragStop}
          onSelectionDragStart={onDragStart}
          onSelectionDragStop={onSelectionDragStop}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          onDragOver={onDragOver}
          onDrop={onDrop}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          edgesReconnectable={false}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={MULTI_SELECT_KEYS}
          onlyRenderVisibleElements
          minZoom={0.1}
          maxZoom={2}
          colorMode="system"
          attributionPosition="bottom-center"
          aria-label="Pipeline canvas"
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
          <CanvasPresence />
          {/* Fit is ours: React Flow's would fit only the steps it holds, which for a large pipeline is the window. */}
          <Controls showInteractive={false} showFitView={false} position="bottom-left">
            <ControlButton className="react-flow__controls-fitview" onClick={fitAll} title="Fit View" aria-label="Fit View">
              <svg viewBox="0 0 16 16" aria-hidden="true">
                <path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4" fill="none" stroke="currentColor" strokeWidth="2" />
              </svg>
            </ControlButton>
          </Controls>
          <Panel position="bottom-right">
            <Minimap model={model} boxes={boxes} />
          </Panel>
          <Panel position="top-right" className="pc-toolbar">
            {!readOnly && (
              <button type="button" onClick={tidy} disabled={!model.all.some((s) => positions.has(s.id))} title="Lay the steps out again, forgetting where they were moved">
                Tidy up
              </button>
            )}
          </Panel>
          {message && (
            <Panel position="top-center" className="pc-message" role="alert">
              <span>{message}</span>
              <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setMessage(null)}>
                ×
              </button>
            </Panel>
          )}
          {model.all.length === 0 && (
            <Panel position="top-center" className="pc-empty-canvas">
              {readOnly ? (
                'This pipeline has no steps yet.'
              ) : (
                <div role="note" aria-label="How to start">
                  <strong>Drag a step here from the library to start.</strong>
                  <ul>
                    <li>Or press <kbd>/</kbd>, type a step type and press <kbd>Enter</kbd>: it is added after the selected step.</li>
                    <li>Fill in the step on the right; the YAML beside it changes as you type.</li>
                    <li>Drag from a step's lower handle to a later step to feed it that step's answer.</li>
                    <li>Press <kbd>?</kbd> for every shortcut.</li>
                  </ul>
                </div>
              )}
            </Panel>
          )}
        </ReactFlow>
      </div>
    </RemoveEdgeContext.Provider>
  );
}
