// Every keyboard shortcut, once: the handler matches key presses against it and the help overlay lists it.

export type ActionId =
  | 'save'
  | 'undo'
  | 'redo'
  | 'delete'
  | 'duplicate'
  | 'copy'
  | 'cut'
  | 'paste'
  | 'selectAll'
  | 'search'
  | 'zoomIn'
  | 'zoomOut'
  | 'fit'
  | 'toggleYaml'
  | 'previous'
  | 'next'
  | 'parent'
  | 'child'
  | 'clear'
  | 'help';

export interface Combo {
  /** `KeyboardEvent.key`, compared case-insensitively. */
  key?: string;
  /** `KeyboardEvent.code`, for keys whose `key` depends on the layout and Shift (Shift+1). */
  code?: string;
  /** Ctrl, or ⌘ on a Mac. */
  mod?: boolean;
  /** Required Shift state; unchecked when absent (symbols such as `?` or `+` need Shift on some layouts). */
  shift?: boolean;
  /** The Ctrl key itself, on every platform (Ctrl+Y). */
  ctrl?: boolean;
  /** How the overlay writes a key that is not its `key` (`Shift+1`). */
  label?: string;
}

export interface Shortcut {
  id: ActionId;
  label: string;
  group: 'Edit' | 'Select' | 'View' | 'Help';
  combos: Combo[];
  /** Also fires while typing in a field or the YAML editor. */
  inFields?: boolean;
  /** Changes the pipeline (not for read-only users). */
  edits?: boolean;
  /** Runs from the browser's clipboard event, not from the key press (so it also works headless and via menus). */
  clipboard?: boolean;
}

export const SHORTCUTS: Shortcut[] = [
  { id: 'save', label: 'Save a version', group: 'Edit', combos: [{ key: 's', mod: true }], inFields: true },
  { id: 'undo', label: 'Undo your last change', group: 'Edit', combos: [{ key: 'z', mod: true, shift: false }], edits: true },
  {
    id: 'redo',
    label: 'Redo',
    group: 'Edit',
    combos: [{ key: 'z', mod: true, shift: true }, { key: 'y', ctrl: true, shift: false }],
    edits: true,
  },
  { id: 'delete', label: 'Delete the selected steps', group: 'Edit', combos: [{ key: 'Delete' }, { key: 'Backspace' }], edits: true },
  { id: 'duplicate', label: 'Duplicate the selected steps', group: 'Edit', combos: [{ key: 'd', mod: true, shift: false }], edits: true },
  { id: 'copy', label: 'Copy the selected steps as YAML', group: 'Edit', combos: [{ key: 'c', mod: true }], clipboard: true },
  { id: 'cut', label: 'Cut the selected steps', group: 'Edit', combos: [{ key: 'x', mod: true }], clipboard: true, edits: true },
  { id: 'paste', label: 'Paste steps (YAML from anywhere)', group: 'Edit', combos: [{ key: 'v', mod: true }], clipboard: true, edits: true },
  { id: 'selectAll', label: 'Select all steps', group: 'Select', combos: [{ key: 'a', mod: true, shift: false }] },
  { id: 'previous', label: 'Previous step (execution order)', group: 'Select', combos: [{ key: 'ArrowUp' }] },
  { id: 'next', label: 'Next step (execution order)', group: 'Select', combos: [{ key: 'ArrowDown' }] },
  { id: 'parent', label: 'Enclosing loop', group: 'Select', combos: [{ key: 'ArrowLeft' }] },
  { id: 'child', label: "Loop's first step", group: 'Select', combos: [{ key: 'ArrowRight' }] },
  { id: 'clear', label: 'Clear the selection, close dialogs', group: 'Select', combos: [{ key: 'Escape' }], inFields: true },
  { id: 'search', label: 'Search the step library', group: 'View', combos: [{ key: '/', shift: false }] },
  { id: 'zoomIn', label: 'Zoom in', group: 'View', combos: [{ key: '+' }, { key: '=' }] },
  { id: 'zoomOut', label: 'Zoom out', group: 'View', combos: [{ key: '-' }] },
  { id: 'fit', label: 'Fit the pipeline in view', group: 'View', combos: [{ code: 'Digit1', shift: true, label: 'Shift+1' }, { key: 'f', shift: false }] },
  { id: 'toggleYaml', label: 'Switch view: visual, split, YAML', group: 'View', combos: [{ key: 'j', mod: true, shift: false }] },
  { id: 'help', label: 'Show these shortcuts', group: 'Help', combos: [{ key: '?' }] },
];

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export function matches(c: Combo, e: KeyboardEvent): boolean {
  const mod = e.ctrlKey || e.metaKey;
  if (c.ctrl ? !e.ctrlKey || e.metaKey : !!c.mod !== mod) return false;
  if (e.altKey) return false;
  if (c.shift !== undefined && c.shift !== e.shiftKey) return false;
  if (c.code) return e.code === c.code;
  return !!c.key && e.key.toLowerCase() === c.key.toLowerCase();
}

export function shortcutFor(e: KeyboardEvent): Shortcut | undefined {
  return SHORTCUTS.find((s) => s.combos.some((c) => matches(c, e)));
}

/** How a combo is written for people on this platform: `Ctrl+Shift+Z`, `⌘⇧Z`. */
export function comboLabel(c: Combo): string {
  const mac = isMac();
  const parts: string[] = [];
  if (c.ctrl) parts.push(mac ? '⌃' : 'Ctrl');
  if (c.mod) parts.push(mac ? '⌘' : 'Ctrl');
  if (c.shift && !c.label) parts.push(mac ? '⇧' : 'Shift');
  parts.push(c.label ?? KEY_NAMES[c.key ?? ''] ?? (c.key ?? '').toUpperCase());
  return parts.join(mac ? '' : '+');
}

const KEY_NAMES: Record<string, string> = {
  ArrowUp: '↑',
  ArrowDown: '↓',
  ArrowLeft: '←',
  ArrowRight: '→',
  Escape: 'Esc',
  Delete: 'Delete',
  Backspace: 'Backspace',
};
