// A popup (menu, details panel) under an anchor closes on a press outside the anchor or on Escape; Escape also
// gives the focus back to the anchor's button, so the keyboard user is where they were.
import { useEffect, type RefObject } from 'react';

export function useDismiss(open: boolean, close: () => void, anchor: RefObject<HTMLElement | null>, buttonSelector: string): void {
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!anchor.current?.contains(e.target as Node)) close();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        close();
        anchor.current?.querySelector<HTMLButtonElement>(buttonSelector)?.focus();
      }
    };
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', key);
    };
  }, [open, close, anchor, buttonSelector]);
}
