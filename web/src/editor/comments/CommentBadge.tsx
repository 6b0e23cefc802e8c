// The open-thread count on a canvas node; a click opens the step's comments. Subscribed to its own step's
// count only (see counts.ts).
import type { TreeID } from 'loro-crdt';
import { useCallback, useSyncExternalStore } from 'react';
import { useBadgeHooks } from '../collab';

export function CommentBadge({ step }: { step: TreeID }) {
  const hooks = useBadgeHooks();
  const subscribe = useCallback((l: () => void) => hooks?.counts.subscribe(step, l) ?? (() => {}), [hooks, step]);
  const n = useSyncExternalStore(subscribe, () => hooks?.counts.get(step) ?? 0);
  if (!hooks || !n) return null;
  const label = `${n} open comment thread${n === 1 ? '' : 's'}`;
  return (
    <button
      type="button"
      className="pc-badge comments nodrag nopan"
      title={label}
      aria-label={label}
      data-testid="comment-badge"
      onClick={(e) => {
        e.stopPropagation();
        hooks.openComments(step);
      }}
    >
      <svg width="11" height="11" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M2 2.5h12v8.5H7l-3.5 3v-3H2z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
      </svg>
      {n}
    </button>
  );
}
