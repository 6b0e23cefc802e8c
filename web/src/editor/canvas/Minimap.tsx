// The minimap: every step as a rectangle on one <canvas>, drawn again only when the layout changes, with the
// viewport as an outline on top (moved on pan and zoom without redrawing the steps). React Flow's own minimap
// keeps a store subscription and an SVG element per node, which cost most of every drag frame with a
// thousand steps. Press or drag on it to move the view there; the wheel zooms.
import { useReactFlow, useStore, type ReactFlowState } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { Model } from '../../doc/pipeline';
import { familyOf } from '../catalog';
import { isContainer, type Layout } from './layout';

const W = 150;
const H = 100;
/** Margin around the steps inside the minimap, in minimap pixels. */
const MARGIN = 4;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  /** CSS custom property of the family's colour, or null (no known type). */
  colour: string | null;
  container: boolean;
}

/** Absolute boxes (layout boxes are relative to their parent step), parents before children. */
function absoluteRects(model: Model, boxes: Layout): Rect[] {
  const abs = new Map<string, { x: number; y: number }>();
  const out: Rect[] = [];
  for (const s of model.all) {
    const b = boxes.get(s.id);
    if (!b) continue;
    const p = s.parent ? abs.get(s.parent) : undefined;
    const x = b.x + (p?.x ?? 0);
    const y = b.y + (p?.y ?? 0);
    abs.set(s.id, { x, y });
    const colour = familyOf(s.fields?.type)?.colour.match(/var\((--[\w-]+)\)/)?.[1] ?? null;
    out.push({ x, y, w: b.w, h: b.h, colour, container: isContainer(s) });
  }
  return out;
}

/** Flow coordinates → minimap pixels: the steps' bounds fitted into the minimap. */
function fitting(rects: Rect[]) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w);
    y1 = Math.max(y1, r.y + r.h);
  }
  if (!rects.length) [x0, y0, x1, y1] = [0, 0, W, H];
  const scale = Math.min((W - 2 * MARGIN) / Math.max(1, x1 - x0), (H - 2 * MARGIN) / Math.max(1, y1 - y0));
  // Centred in the minimap.
  const ox = MARGIN + ((W - 2 * MARGIN) - (x1 - x0) * scale) / 2 - x0 * scale;
  const oy = MARGIN + ((H - 2 * MARGIN) - (y1 - y0) * scale) / 2 - y0 * scale;
  return { scale, ox, oy };
}

const viewportOf = (s: ReactFlowState) => ({ tx: s.transform[0], ty: s.transform[1], zoom: s.transform[2], width: s.width, height: s.height });
const sameViewport = (a: ReturnType<typeof viewportOf>, b: ReturnType<typeof viewportOf>) =>
  a.tx === b.tx && a.ty === b.ty && a.zoom === b.zoom && a.width === b.width && a.height === b.height;

export function Minimap({ model, boxes }: { model: Model; boxes: Layout }) {
  const rf = useReactFlow();
  const canvas = useRef<HTMLCanvasElement>(null);
  const rects = useMemo(() => absoluteRects(model, boxes), [model, boxes]);
  const fit = useMemo(() => fitting(rects), [rects]);
  const vp = useStore(viewportOf, sameViewport);
  // Colours come from the theme's custom properties: drawn again when the system switches light/dark.
  const [scheme, setScheme] = useState(0);
  useEffect(() => {
    const q = matchMedia('(prefers-color-scheme: dark)');
    const on = () => setScheme((n) => n + 1);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(W * dpr);
    el.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const style = getComputedStyle(el);
    const colours = new Map<string | null, string>();
    const colourOf = (v: string | null) => {
      let c = colours.get(v);
      if (c === undefined) {
        c = (v && style.getPropertyValue(v).trim()) || style.getPropertyValue('--muted').trim() || '#888';
        colours.set(v, c);
      }
      return c;
    };
    const { scale, ox, oy } = fit;
    for (const r of rects) {
      ctx.globalAlpha = r.container ? 0.18 : 1;
      ctx.fillStyle = colourOf(r.colour);
      // At least a pixel, so a thousand-step pipeline still shows every step.
      ctx.fillRect(ox + r.x * scale, oy + r.y * scale, Math.max(1, r.w * scale), Math.max(1, r.h * scale));
    }
    ctx.globalAlpha = 1;
  }, [rects, fit, scheme]);

  const view = {
    left: fit.ox + (-vp.tx / vp.zoom) * fit.scale,
    top: fit.oy + (-vp.ty / vp.zoom) * fit.scale,
    width: (vp.width / vp.zoom) * fit.scale,
    height: (vp.height / vp.zoom) * fit.scale,
  };

  /** Centres the view on the flow point under the pointer. */
  const moveTo = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const fx = (e.clientX - r.left - fit.ox) / fit.scale;
    const fy = (e.clientY - r.top - fit.oy) / fit.scale;
    void rf.setViewport({ x: vp.width / 2 - fx * vp.zoom, y: vp.height / 2 - fy * vp.zoom, zoom: vp.zoom });
  };
  const onWheel = (e: WheelEvent<HTMLDivElement>) => {
    void rf.zoomTo(Math.min(2, Math.max(0.1, vp.zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2))));
  };

  return (
    <div
      className="pc-minimap"
      role="img"
      aria-label="Mini map"
      data-steps={rects.length}
      style={{ width: W, height: H }}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        moveTo(e);
      }}
      onPointerMove={(e) => {
        if (e.currentTarget.hasPointerCapture(e.pointerId)) moveTo(e);
      }}
      onWheel={onWheel}
    >
      <canvas ref={canvas} style={{ width: W, height: H }} />
      <div className="pc-minimap-view" style={view} />
    </div>
  );
}
