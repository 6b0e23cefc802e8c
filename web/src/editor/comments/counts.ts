// Open-thread counts per step for the canvas's badges. A node subscribes to its own step's count only, so a
// new comment re-renders the one node it is on, not the canvas (the counts are recomputed once per model
// revision by the comments provider).
import type { TreeID } from 'loro-crdt';

export class CommentCounts {
  private counts = new Map<TreeID, number>();
  private listeners = new Map<TreeID, Set<() => void>>();

  get(step: TreeID): number {
    return this.counts.get(step) ?? 0;
  }

  subscribe(step: TreeID, listener: () => void): () => void {
    let set = this.listeners.get(step);
    if (!set) this.listeners.set(step, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(step);
    };
  }

  /** Replaces the counts and tells only the steps whose count changed. */
  set(next: Map<TreeID, number>): void {
    const old = this.counts;
    this.counts = next;
    const changed = new Set<TreeID>();
    for (const [id, n] of next) if (old.get(id) !== n) changed.add(id);
    for (const [id] of old) if (!next.has(id)) changed.add(id);
    for (const id of changed) this.listeners.get(id)?.forEach((l) => l());
  }
}
