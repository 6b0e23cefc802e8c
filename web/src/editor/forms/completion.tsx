// Text fields with `{{…}}` completion: typing `{{` offers the template forms pipeline_ex resolves here
// (format reference §4.2): earlier steps' results (`steps.NAME`), variables set by earlier set_variable steps
// (`state.NAME`) and `workflow.global_vars` (`global_vars.NAME`). `{{loop.X}}` is not offered: pipeline_ex
// blanks it before a loop runs, so it always renders empty.
import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Model, StepNode } from '../../doc/pipeline';
import { siblingsOf } from '../commands';
import { isObject } from './schema';

export interface Completion {
  /** The text between the braces. */
  insert: string;
  detail: string;
}

/** The steps whose results `step` can read: earlier siblings of it and of each enclosing loop. */
export function stepsInScope(model: Model, step: StepNode | undefined): StepNode[] {
  const out: StepNode[] = [];
  for (let cur = step; cur; cur = cur.parent ? model.byId.get(cur.parent) : undefined) {
    const sibs = siblingsOf(model, cur);
    out.unshift(...sibs.slice(0, sibs.indexOf(cur)));
  }
  return out;
}

export function templateCompletions(model: Model, step: StepNode | undefined): Completion[] {
  const out: Completion[] = [];
  const seen = new Set<string>();
  const add = (insert: string, detail: string) => {
    if (seen.has(insert)) return;
    seen.add(insert);
    out.push({ insert, detail });
  };
  const scope = stepsInScope(model, step);
  for (const s of [...scope].reverse()) {
    const name = s.fields?.name;
    if (typeof name === 'string' && name) add(`steps.${name}`, `result of ${String(s.fields?.type ?? 'step')} step`);
  }
  for (const s of scope) {
    if (s.fields?.type === 'set_variable' && isObject(s.fields.variables)) {
      for (const v of Object.keys(s.fields.variables)) add(`state.${v}`, `variable set by ${String(s.fields.name)}`);
    }
  }
  const root = model.root;
  const globals = isObject(root) && isObject(root.workflow) ? root.workflow.global_vars : null;
  if (isObject(globals)) for (const g of Object.keys(globals)) add(`global_vars.${g}`, 'workflow global variable');
  return out;
}

/** Names of the steps a previous_response item of `step` may name (the same scope). */
export function earlierStepNames(model: Model, step: StepNode | undefined): string[] {
  const names = stepsInScope(model, step).map((s) => s.fields?.name).filter((n): n is string => typeof n === 'string');
  return [...new Set(names)];
}

const TRIGGER = /\{\{\s*([\w.-]*)$/;

interface TemplateTextProps {
  id?: string;
  value: string;
  multiline: boolean;
  readOnly: boolean;
  completions: Completion[];
  onChange(v: string): void;
  label?: string;
  describedBy?: string;
  invalid?: boolean;
  /** Id of a <datalist> of suggested values. */
  list?: string;
}

/**
 * A text input or textarea. While focused it shows its own draft (so the cursor does not jump when the model
 * round-trips); unfocused it shows the model's value, remote changes included.
 */
export function TemplateText(p: TemplateTextProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [popup, setPopup] = useState<{ start: number; end: number; items: Completion[]; active: number } | null>(null);
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const caret = useRef<number | null>(null);
  const listId = useId();
  const text = draft ?? p.value;

  useLayoutEffect(() => {
    if (caret.current !== null && ref.current) {
      ref.current.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
  });

  const update = (v: string, at: number) => {
    setDraft(v);
    p.onChange(v);
    const m = TRIGGER.exec(v.slice(0, at));
    if (!m || !p.completions.length) return setPopup(null);
    const q = m[1].toLowerCase();
    const items = p.completions
      .filter((c) => c.insert.toLowerCase().includes(q))
      .sort((a, b) => Number(!a.insert.toLowerCase().startsWith(q)) - Number(!b.insert.toLowerCase().startsWith(q)))
      .slice(0, 8);
    setPopup(items.length ? { start: at - m[1].length, end: at, items, active: 0 } : null);
  };

  const accept = (c: Completion) => {
    if (!popup) return;
    const rest = text.slice(popup.end);
    const close = rest.trimStart().startsWith('}}') ? '' : '}}';
    const v = text.slice(0, popup.start) + c.insert + close + rest;
    caret.current = popup.start + c.insert.length + close.length;
    setPopup(null);
    setDraft(v);
    p.onChange(v);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!popup) return;
    const n = popup.items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setPopup({ ...popup, active: (popup.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n });
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      accept(popup.items[popup.active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setPopup(null);
    }
  };

  const common = {
    id: p.id,
    ref,
    value: text,
    readOnly: p.readOnly,
    'aria-label': p.label,
    'aria-describedby': p.describedBy,
    'aria-invalid': p.invalid || undefined,
    'aria-autocomplete': 'list' as const,
    'aria-controls': popup ? listId : undefined,
    'aria-expanded': popup ? true : undefined,
    'aria-activedescendant': popup ? `${listId}-${popup.active}` : undefined,
    spellCheck: false,
    list: p.multiline ? undefined : p.list,
    onFocus: () => setDraft(p.value),
    onBlur: () => {
      setDraft(null);
      setPopup(null);
    },
    onKeyDown,
    onChange: (e: { target: HTMLInputElement | HTMLTextAreaElement }) => update(e.target.value, e.target.selectionStart ?? e.target.value.length),
  };

  return (
    <div className="pf-template">
      {p.multiline ? <textarea rows={Math.min(8, Math.max(2, text.split('\n').length))} {...common} /> : <input {...common} />}
      {popup && (
        <ul className="pf-popup" role="listbox" id={listId} aria-label="Template completions">
          {popup.items.map((c, i) => (
            <li
              key={c.insert}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === popup.active}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(c);
              }}
            >
              <code>{c.insert}</code>
              <span className="muted">{c.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
