// Parts of the editor that the first view does not need (the side panels) are mounted after the
// canvas's first commit, as a transition: React renders them in slices that input interrupts, so the steps
// show and take input sooner and these fill in a moment later.
import { startTransition, useEffect, useState } from 'react';

/** False until `ready` has been true for one commit, then true for good. */
export function useAfterFirstPaint(ready: boolean): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (ready && !shown) startTransition(() => setShown(true));
  }, [ready, shown]);
  return shown;
}
