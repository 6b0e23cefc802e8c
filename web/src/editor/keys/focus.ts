// Where a key press comes from: shortcuts stay out of the way of text entry and of dialogs.

const TEXT_INPUTS = new Set(['text', 'search', 'email', 'number', 'password', 'tel', 'url', 'date', 'time', 'datetime-local', 'month', 'week']);

/** Where the event really started: inside a shadow root (the YAML editor's), `target` is only the host. */
const origin = (e: Event): EventTarget | null => e.composedPath()[0] ?? e.target;

/** From an input, textarea, select, contenteditable (CodeMirror) or anything inside one. */
export function fromTextField(e: Event): boolean {
  const t = origin(e);
  if (!(t instanceof Element)) return false;
  if (t instanceof HTMLInputElement) return TEXT_INPUTS.has(t.type);
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return !!t.closest('[contenteditable=""], [contenteditable="true"], .cm-editor');
}

export function fromDialog(e: Event): boolean {
  const t = origin(e);
  return t instanceof Element && !!t.closest('[role="dialog"], [role="alertdialog"]');
}

/** From inside the canvas (React Flow). */
export function fromCanvas(e: Event): boolean {
  const t = origin(e);
  return t instanceof Element && !!t.closest('.react-flow');
}

/** From inside the YAML editor. */
export function fromCodeMirror(e: Event): boolean {
  const t = origin(e);
  return t instanceof Element && !!t.closest('.cm-editor');
}

/** The page has selected text (the browser's own copy should win over copying steps). */
export function hasTextSelection(): boolean {
  const s = window.getSelection();
  return !!s && !s.isCollapsed && s.toString().length > 0;
}
