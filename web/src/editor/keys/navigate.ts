// Moving the selection with the arrow keys: previous/next step in execution order, out to the enclosing loop,
// into a loop's first step. Pure functions of the model and the selection.
import type { TreeID } from 'loro-crdt';
import type { Model, StepNode } from '../../doc/pipeline';

export type Direction = 'previous' | 'next' | 'parent' | 'child';

/** The step to select, or null to keep the selection. */
export function stepToward(m: Model, selection: TreeID[], dir: Direction): TreeID | null {
  if (!m.all.length) return null;
  const selected = selection.map((id) => m.byId.get(id)).filter((s): s is StepNode => !!s);
  if (!selected.length) return dir === 'previous' ? m.all[m.all.length - 1].id : m.all[0].id;
  // From several selected steps, move from the last one in the direction (the first one going up).
  const sorted = [...selected].sort((a, b) => a.order - b.order);
  const from = dir === 'previous' ? sorted[0] : sorted[sorted.length - 1];
  switch (dir) {
    case 'previous':
      return m.all[from.order - 1]?.id ?? null;
    case 'next':
      return m.all[from.order + 1]?.id ?? null;
    case 'parent':
      return from.parent;
    case 'child':
      return (from.slots['/steps']?.[0] ?? from.slots['/pipeline/steps']?.[0])?.id ?? null;
  }
}
