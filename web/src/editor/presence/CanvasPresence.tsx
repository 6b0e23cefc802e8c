// Others on the canvas, drawn in React Flow's viewport layer (flow coordinates, so pan and zoom move them
// with the steps): their cursors, eased between updates by a CSS transition, and their selections outlined
// in their colour. It also publishes our cursor and viewport, and makes ours track the followed user's.
// Rendered inside <ReactFlow>; it re-renders on presence changes only, never the canvas itself.
import { ViewportPortal, useInternalNode, useReactFlow, useStore, useStoreApi, type ReactFlowState } from '@xyflow/react';
import { memo, useEffect } from 'react';
import { useFollowing, useLive, usePeers, usePresence } from './hooks';
import type { FlowViewport, Live, Peer, Presence } from './presence';

const zoomOf = (s: ReactFlowState) => s.transform[2];
const domOf = (s: ReactFlowState) => s.domNode;
const round = (n: number) => Math.round(n * 10) / 10;

export function CanvasPresence() {
  const presence = usePresence();
  usePublishCursor(presence);
  usePublishViewport(presence);
  useFollowViewport(presence);
  return (
    <ViewportPortal>
      <div className="peer-layer">
        <Outlines presence={presence} />
        <Cursors presence={presence} />
      </div>
    </ViewportPortal>
  );
}

function usePublishCursor(presence: Presence) {
  const dom = useStore(domOf);
  const rf = useReactFlow();
  useEffect(() => {
    if (!dom) return;
    const move = (e: PointerEvent) => {
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }, { snapToGrid: false });
      presence.update({ cursor: { x: round(p.x), y: round(p.y) } });
    };
    const leave = () => presence.update({ cursor: null });
    dom.addEventListener('pointermove', move, { passive: true });
    dom.addEventListener('pointerleave', leave);
    return () => {
      dom.removeEventListener('pointermove', move);
      dom.removeEventListener('pointerleave', leave);
      presence.update({ cursor: null });
    };
  }, [dom, rf, presence]);
}

/** The flow point at the canvas's centre and the zoom: what a follower needs to show the same place. */
function viewportOf(s: ReactFlowState): FlowViewport {
  const [x, y, zoom] = s.transform;
  return { cx: round((s.width / 2 - x) / zoom), cy: round((s.height / 2 - y) / zoom), zoom: Math.round(zoom * 1000) / 1000 };
}

function usePublishViewport(presence: Presence) {
  const store = useStoreApi();
  useEffect(() => {
    const publish = (s: ReactFlowState) => {
      if (s.width && s.height) presence.update({ viewport: viewportOf(s) });
    };
    publish(store.getState());
    const unsub = store.subscribe((s, prev) => {
      if (s.transform !== prev.transform || s.width !== prev.width || s.height !== prev.height) publish(s);
    });
    return () => {
      unsub();
      presence.update({ viewport: null });
    };
  }, [store, presence]);
}

/**
 * While following, the followed user's viewport is applied to ours; any other change of ours (a pan, a
 * zoom, the zoom buttons) stops following.
 */
function useFollowViewport(presence: Presence) {
  const following = useFollowing(presence);
  const store = useStoreApi();
  const rf = useReactFlow();
  useEffect(() => {
    if (!following) return;
    let applied = store.getState().transform;
    // Only a change of theirs is applied (any presence change calls this, our own included).
    let seen: FlowViewport | null = null;
    const apply = () => {
      const leader = presence.live().find((l) => l.key === following);
      const v = leader?.viewport;
      const s = store.getState();
      if (!v || !s.width || !s.height) return;
      if (seen && seen.cx === v.cx && seen.cy === v.cy && seen.zoom === v.zoom) return;
      seen = v;
      const zoom = Math.min(s.maxZoom, Math.max(s.minZoom, v.zoom));
      const next = { x: s.width / 2 - v.cx * zoom, y: s.height / 2 - v.cy * zoom, zoom };
      const [x, y, z] = s.transform;
      if (Math.abs(x - next.x) < 0.5 && Math.abs(y - next.y) < 0.5 && Math.abs(z - zoom) < 1e-3) return;
      applied = [next.x, next.y, next.zoom];
      void rf.setViewport(next, { duration: 0 });
    };
    const unsubStore = store.subscribe((s, prev) => {
      if (s.transform === prev.transform) return;
      const [x, y, z] = s.transform;
      const moved = Math.abs(x - applied[0]) > 0.5 || Math.abs(y - applied[1]) > 0.5 || Math.abs(z - applied[2]) > 1e-3;
      if (moved) presence.follow(null);
    });
    const unsubLive = presence.subscribeLive(apply);
    apply();
    return () => {
      unsubStore();
      unsubLive();
    };
  }, [following, presence, store, rf]);
}

const Cursors = memo(function Cursors({ presence }: { presence: Presence }) {
  const live = useLive(presence);
  const zoom = useStore(zoomOf);
  return (
    <>
      {live.map((l) => (l.cursor ? <Cursor key={l.key} l={l} zoom={zoom} /> : null))}
    </>
  );
});

function Cursor({ l, zoom }: { l: Live; zoom: number }) {
  return (
    <div
      className="peer-cursor"
      data-key={l.key}
      style={{ transform: `translate(${l.cursor!.x}px, ${l.cursor!.y}px) scale(${1 / zoom})`, '--peer': l.colour } as React.CSSProperties}
      aria-hidden="true"
    >
      <svg width="16" height="20" viewBox="0 0 16 20" className="tip">
        <path d="M1 1 L1 17 L5.5 12.5 L8.5 19 L11 18 L8 11.5 L14 11.5 Z" />
      </svg>
      <span className="peer-name">{l.name}</span>
    </div>
  );
}

const Outlines = memo(function Outlines({ presence }: { presence: Presence }) {
  const peers = usePeers(presence);
  return (
    <>
      {peers.flatMap((p) => p.selection.map((id, i) => <Outline key={`${p.key} ${id}`} id={id} peer={p} labelled={i === 0} />))}
    </>
  );
});

function Outline({ id, peer, labelled }: { id: string; peer: Peer; labelled: boolean }) {
  const node = useInternalNode(id);
  if (!node) return null;
  const { x, y } = node.internals.positionAbsolute;
  const w = node.measured.width ?? node.width ?? 0;
  const h = node.measured.height ?? node.height ?? 0;
  return (
    <div
      className={`peer-outline${peer.idle ? ' idle' : ''}`}
      data-key={peer.key}
      data-step={id}
      // A ring 4 px outside the node's box.
      style={{ transform: `translate(${x - 4}px, ${y - 4}px)`, width: w + 8, height: h + 8, '--peer': peer.colour } as React.CSSProperties}
      title={`Selected by ${peer.name}`}
    >
      {labelled && <span className="peer-name">{peer.name}</span>}
    </div>
  );
}
