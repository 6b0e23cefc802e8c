// The leaf widgets: number, checkbox, select and the YAML fallback for shapes the form has no widget for.
import { useEffect, useState } from 'react';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Json } from '../../doc/pipeline';

interface Common {
  id?: string;
  readOnly: boolean;
  label?: string;
  describedBy?: string;
  invalid?: boolean;
}

const aria = (p: Common) => ({
  id: p.id,
  'aria-label': p.label,
  'aria-describedby': p.describedBy,
  'aria-invalid': p.invalid || undefined,
});

/** Writes only parseable numbers; keeps the typed text (`1.`, `-`) while focused. */
export function NumberField(p: Common & { value: number | undefined; integer: boolean; min?: number; max?: number; onChange(v: number): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      {...aria(p)}
      type="number"
      inputMode={p.integer ? 'numeric' : 'decimal'}
      step={p.integer ? 1 : 'any'}
      min={p.min}
      max={p.max}
      readOnly={p.readOnly}
      value={draft ?? (p.value === undefined ? '' : String(p.value))}
      onFocus={() => setDraft(p.value === undefined ? '' : String(p.value))}
      onBlur={() => setDraft(null)}
      onChange={(e) => {
        setDraft(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(n) && (!p.integer || Number.isInteger(n))) p.onChange(n);
      }}
    />
  );
}

/**
 * The value a control just wrote, shown until the model catches up (the model is re-read once per frame; a
 * controlled checkbox or select would otherwise flick back for that frame).
 */
function usePending<T>(value: T): [T, (v: T) => void] {
  const [pending, setPending] = useState<{ v: T } | null>(null);
  useEffect(() => setPending(null), [value]);
  return [pending ? pending.v : value, (v: T) => setPending({ v })];
}

export function CheckField(p: Common & { value: boolean; onChange(v: boolean): void }) {
  const [checked, setChecked] = usePending(p.value);
  return (
    <input
      {...aria(p)}
      type="checkbox"
      className="pf-check"
      checked={checked}
      disabled={p.readOnly}
      onChange={(e) => {
        setChecked(e.target.checked);
        p.onChange(e.target.checked);
      }}
    />
  );
}

/** A select of fixed choices; a current value outside them stays visible (marked) rather than being lost. */
export function SelectField(p: Common & { value: Json | undefined; options: string[]; onChange(v: string): void }) {
  const [cur, setCur] = usePending(p.value === undefined || p.value === null ? '' : String(p.value));
  const known = p.options.includes(cur);
  return (
    <select
      {...aria(p)}
      value={cur}
      disabled={p.readOnly}
      onChange={(e) => {
        setCur(e.target.value);
        p.onChange(e.target.value);
      }}
    >
      {!known && <option value={cur}>{cur === '' ? '(choose)' : `${cur} (not allowed)`}</option>}
      {p.options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

const toYaml = (v: Json | undefined) => (v === undefined ? '' : stringifyYaml(v, { lineWidth: 0 }).replace(/\n$/, ''));

/** Any value as a small YAML text, written when the field loses focus (half-typed YAML is never written). */
export function RawField(p: Common & { value: Json | undefined; onChange(v: Json): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const text = draft ?? toYaml(p.value);
  const commit = () => {
    if (draft === null) return;
    try {
      const v = (parseYaml(draft) ?? null) as Json;
      setError(null);
      if (JSON.stringify(v) !== JSON.stringify(p.value ?? null)) p.onChange(v);
    } catch (e) {
      setError(e instanceof Error ? e.message.split('\n')[0] : 'not YAML');
      return;
    }
    setDraft(null);
  };
  return (
    <>
      <textarea
        {...aria(p)}
        className="pf-raw"
        rows={Math.min(10, Math.max(2, text.split('\n').length))}
        readOnly={p.readOnly}
        spellCheck={false}
        value={text}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) commit();
        }}
      />
      {error && <p className="pf-msg error">Not valid YAML: {error}</p>}
    </>
  );
}
