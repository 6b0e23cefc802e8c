// Forms generated from the JSON Schema: an object shows the fields it has (plus required ones still
// missing) and an "Add field" select for the rest, so forms stay short; every value gets a widget by its
// schema (see schema.ts `kindOf`), lists get add / remove / move, tagged unions (prompt items, data_transform
// operations) get a type select and add buttons per type. Diagnostics are shown at the deepest field that is
// rendered for their path.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { Json, JsonObject } from '../../doc/pipeline';
import type { Diagnostic } from '../../sync/protocol';
import { TemplateText } from './completion';
import { useForm } from './context';
import { below, firstSegment } from './diagnostics';
import { CheckField, NumberField, RawField, SelectField } from './fields';
import {
  choices,
  defaultValue,
  isObject,
  itemSchema,
  kindOf,
  localIssues,
  LONG_TEXT,
  normalize,
  suggestions,
  tagValue,
  taggedUnion,
  type LocalIssue,
  type Schema,
  type Tagged,
} from './schema';

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const humanize = (tag: string) => tag.replace(/_/g, ' ');

/** Diagnostics for a field at `path`: its own, and those below it that none of its rendered children takes. */
function diagnosticsAt(all: Diagnostic[], path: string, childShown?: (segment: string) => boolean): Diagnostic[] {
  return all.filter((d) => {
    const rest = below(d.path, path);
    if (rest === null) return false;
    if (rest === '' || !childShown) return true;
    return !childShown(firstSegment(rest));
  });
}

export function Messages({ diagnostics, local, id }: { diagnostics: Diagnostic[]; local?: LocalIssue[]; id?: string }) {
  if (!diagnostics.length && !local?.length) return null;
  return (
    <ul className="pf-msgs" id={id}>
      {diagnostics.map((d, i) => (
        <li key={`d${i}`} className={`pf-msg ${d.severity}`} data-code={d.code}>
          <span className="pf-msg-text">{d.message}</span>
          {d.hint && <span className="pf-hint">{d.hint}</span>}
        </li>
      ))}
      {local?.map((l, i) => (
        <li key={`l${i}`} className="pf-msg error" data-local="true">
          <span className="pf-msg-text">{l.message}</span>
          <span className="pf-hint">checked locally</span>
        </li>
      ))}
    </ul>
  );
}

export interface ValueProps {
  /** The field's key (or `#N` for a list item). */
  name: string;
  /** Path for diagnostics, relative to the form (`prompt[0].content`). */
  path: string;
  schema: Schema;
  value: Json | undefined;
  onChange(v: Json): void;
  /** Given for optional fields and list entries: shows a remove button. */
  onRemove?: () => void;
  required?: boolean;
  /** List items and map values label themselves through aria-label only. */
  bare?: boolean;
  local?: LocalIssue[];
  /** Extra buttons next to the label (list item moves). */
  actions?: ReactNode;
}

function RemoveButton({ name, onRemove }: { name: string; onRemove?: () => void }) {
  const { readOnly } = useForm();
  if (!onRemove || readOnly) return null;
  return (
    <button type="button" className="ghost small pf-remove" aria-label={`Remove ${name}`} title={`Remove ${name}`} onClick={onRemove}>
      ×
    </button>
  );
}

/** One field: a label row, the widget, help text and messages; containers render as collapsible groups. */
export function ValueEditor(p: ValueProps) {
  const ctx = useForm();
  const id = useId();
  const kind = kindOf(p.schema, p.value);
  const help = p.schema.description;
  const container = kind === 'object' || kind === 'map' || kind === 'array' || kind === 'tagged';

  if (container) {
    return (
      <details className="pf-group" open data-field={p.path}>
        <summary title={help}>
          <span className="pf-name">{p.name}</span>
          {p.required && <span className="pf-req" aria-label="required">*</span>}
          {p.schema.deprecated && <span className="badge">ignored</span>}
          <span className="spacer" />
          {p.actions}
          <RemoveButton name={p.name} onRemove={p.onRemove} />
        </summary>
        {help && !p.bare && <p className="pf-help">{help}</p>}
        <Container {...p} kind={kind} />
      </details>
    );
  }

  const diags = diagnosticsAt(ctx.diagnostics, p.path);
  const helpId = `${id}-help`;
  const listId = `${id}-list`;
  const invalid = diags.some((d) => d.severity === 'error') || !!p.local?.length;
  const common = { id, readOnly: ctx.readOnly, label: p.bare ? p.name : undefined, describedBy: help ? helpId : undefined, invalid };
  let widget: ReactNode;
  switch (kind) {
    case 'text': {
      const sugg = suggestions(p.schema);
      const multiline = LONG_TEXT.has(p.name) || (typeof p.value === 'string' && p.value.includes('\n'));
      widget = (
        <>
          <TemplateText {...common} multiline={multiline} value={typeof p.value === 'string' ? p.value : ''} completions={ctx.completions} onChange={p.onChange} list={sugg.length ? listId : undefined} />
          {sugg.length > 0 && (
            <datalist id={listId}>
              {sugg.map((s) => <option key={s} value={s} />)}
            </datalist>
          )}
        </>
      );
      break;
    }
    case 'number':
    case 'integer':
      widget = <NumberField {...common} integer={kind === 'integer'} min={p.schema.minimum} max={p.schema.maximum} value={typeof p.value === 'number' ? p.value : undefined} onChange={p.onChange} />;
      break;
    case 'boolean':
      widget = <CheckField {...common} value={p.value === true} onChange={p.onChange} />;
      break;
    case 'select':
      widget = <SelectField {...common} value={p.value} options={choices(p.schema) ?? []} onChange={p.onChange} />;
      break;
    default:
      widget = <RawField {...common} value={p.value} onChange={p.onChange} />;
  }
  if (p.bare && kind !== 'raw') {
    // A list item or map value: widget and buttons on one line.
    return (
      <div className={`pf-field pf-inline kind-${kind}`} data-field={p.path}>
        <div className="pf-inline-widget">{widget}</div>
        {p.actions}
        <RemoveButton name={p.name} onRemove={p.onRemove} />
        <Messages diagnostics={diags} local={p.local} />
      </div>
    );
  }
  return (
    <div className={`pf-field kind-${kind}`} data-field={p.path}>
      <div className="pf-label-row">
        {!p.bare && (
          <label htmlFor={id} className="pf-name" title={help}>
            {p.name}
          </label>
        )}
        {p.required && !p.bare && <span className="pf-req" aria-label="required">*</span>}
        {p.schema.deprecated && <span className="badge" title="pipeline_ex ignores this field">ignored</span>}
        {kind === 'boolean' && widget}
        <span className="spacer" />
        {p.actions}
        <RemoveButton name={p.name} onRemove={p.onRemove} />
      </div>
      {kind !== 'boolean' && widget}
      {help && !p.bare && (
        <p className="pf-help" id={helpId} title={help}>
          {help}
        </p>
      )}
      <Messages diagnostics={diags} local={p.local} />
    </div>
  );
}

function Container(p: ValueProps & { kind: 'object' | 'map' | 'array' | 'tagged' }) {
  switch (p.kind) {
    case 'array':
      return <ListEditor {...p} items={Array.isArray(p.value) ? p.value : []} />;
    case 'map':
      return <MapEditor {...p} entries={isObject(p.value) ? p.value : {}} />;
    case 'tagged':
      return <TaggedForm tagged={taggedUnion(p.schema)!} path={p.path} value={isObject(p.value) ? p.value : {}} onChange={p.onChange} />;
    default: {
      const obj = isObject(p.value) ? p.value : {};
      return (
        <ObjectForm
          schema={p.schema}
          value={obj}
          path={p.path}
          onSet={(k, v) => p.onChange({ ...obj, [k]: v })}
          onRemove={(k) => {
            const { [k]: _gone, ...rest } = obj;
            p.onChange(rest);
          }}
        />
      );
    }
  }
}

export interface ObjectFormProps {
  schema: Schema;
  value: JsonObject;
  path: string;
  onSet(key: string, v: Json): void;
  onRemove(key: string): void;
  /** Keys never shown nor offered (a loop's `steps` live in the canvas). */
  hidden?: Set<string>;
  /** Keys shown first and never removable (`name`, `type`). */
  first?: string[];
  /** Keys rendered outside this form (a tagged item's type select): their diagnostics are shown there. */
  outside?: string[];
  /** Keys listed after the others (the fields every step type shares). */
  late?: ReadonlySet<string>;
}

/** The set fields of an object, its missing required ones, and an "Add field" select for the others. */
export function ObjectForm(p: ObjectFormProps) {
  const ctx = useForm();
  const [added, setAdded] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const props = p.schema.properties ?? {};
  const required = new Set(p.schema.required ?? []);
  const first = p.first ?? [];
  const visible = (k: string) => !p.hidden?.has(k) && !ctx.hiddenPaths.has(join(p.path, k));
  // A stable order that does not follow the replica's key order: first, required, the schema's own, the
  // shared (`late`) ones, then keys the schema does not know.
  const schemaOrder = Object.keys(props);
  const rank = (k: string) =>
    first.includes(k) ? first.indexOf(k) : required.has(k) ? 100 : !(k in props) ? 400 : p.late?.has(k) ? 300 : 200;
  const keys = [...new Set([...first.filter((k) => k in p.value || k in props), ...Object.keys(p.value), ...required])]
    .filter(visible)
    .map((k, i) => ({ k, r: rank(k), i: k in props ? schemaOrder.indexOf(k) : i }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.k);
  const addable = Object.keys(props).filter((k) => !keys.includes(k) && visible(k));
  const live = addable.filter((k) => !normalize(props[k]).deprecated);
  const ignored = addable.filter((k) => normalize(props[k]).deprecated);
  const local = ctx.localChecks ? localIssues(p.schema, p.value, p.path) : [];
  const own = diagnosticsAt(ctx.diagnostics, p.path, (seg) => keys.includes(seg) || !!p.outside?.includes(seg));

  // Focus the field just added (once the model round-trip renders it), so typing goes straight into it.
  useEffect(() => {
    if (!added) return;
    const el = ref.current?.querySelector<HTMLElement>(`[data-field="${CSS.escape(join(p.path, added))}"] :is(input, textarea, select)`);
    if (!el) return;
    el.focus();
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) el.select();
    setAdded(null);
  }, [added, p.path, p.value]);

  return (
    <div className="pf-object" ref={ref}>
      <Messages diagnostics={own} />
      {keys.map((k) => {
        const path = join(p.path, k);
        let schema = normalize(props[k]);
        // A previous_response item names an earlier step: a select of those in scope.
        if (k === 'step' && p.value.type === 'previous_response') schema = { ...schema, enum: ctx.earlierSteps };
        return (
          <ValueEditor
            key={k}
            name={k}
            path={path}
            schema={schema}
            value={p.value[k]}
            required={required.has(k)}
            local={local.filter((l) => l.path === path)}
            onChange={(v) => p.onSet(k, v)}
            onRemove={required.has(k) || first.includes(k) || !(k in p.value) ? undefined : () => p.onRemove(k)}
          />
        );
      })}
      {!ctx.readOnly && addable.length > 0 && (
        <select
          className="pf-add-field"
          aria-label={p.path ? `Add field to ${p.path}` : 'Add field'}
          value=""
          onChange={(e) => {
            const k = e.target.value;
            if (!k) return;
            p.onSet(k, defaultValue(normalize(props[k])));
            setAdded(k);
          }}
        >
          <option value="">+ Add field…</option>
          {live.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
          {ignored.length > 0 && (
            <optgroup label="Ignored by pipeline_ex">
              {ignored.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      )}
    </div>
  );
}

/** One member of a tagged union: its tag as a select, then the branch's fields. */
function TaggedForm({ tagged, path, value, onChange, hideTag }: { tagged: Tagged; path: string; value: JsonObject; onChange(v: Json): void; hideTag?: boolean }) {
  const ctx = useForm();
  const tag = typeof value[tagged.key] === 'string' ? (value[tagged.key] as string) : '';
  const branch = tagged.branches.find((b) => b.tag === tag);
  return (
    <div className="pf-tagged">
      {!hideTag && (
        <ValueEditor name={tagged.key} path={join(path, tagged.key)} schema={{ enum: tagged.branches.map((b) => b.tag), description: branch?.description }} value={tag} required onChange={(t) => onChange(tagValue(tagged, String(t)))} />
      )}
      {branch ? (
        <ObjectForm
          schema={branch.schema}
          value={value}
          path={path}
          hidden={new Set([tagged.key])}
          outside={[tagged.key]}
          onSet={(k, v) => onChange({ ...value, [k]: v })}
          onRemove={(k) => {
            const { [k]: _gone, ...rest } = value;
            onChange(rest);
          }}
        />
      ) : (
        <RawField readOnly={ctx.readOnly} label={path} value={value} onChange={onChange} />
      )}
    </div>
  );
}

const move = <T,>(a: T[], from: number, to: number): T[] => {
  const out = [...a];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
};

/** A list: items with move up / down / remove, and add buttons (one per type for tagged unions). */
function ListEditor(p: ValueProps & { items: Json[] }) {
  const ctx = useForm();
  const item = itemSchema(p.schema);
  const tagged = taggedUnion(item);
  const set = (items: Json[]) => p.onChange(items);
  const diags = diagnosticsAt(ctx.diagnostics, p.path, (seg) => /^\[(\d+)\]$/.test(seg) && Number(seg.slice(1, -1)) < p.items.length);
  return (
    <div className="pf-list">
      <Messages diagnostics={diags} local={p.local} />
      <ol className="pf-items">
        {p.items.map((v, i) => {
          const label = itemLabel(p.name, i, v, tagged);
          const actions = !ctx.readOnly && (
            <span className="pf-moves">
              <button type="button" className="ghost small" aria-label={`Move ${label} up`} disabled={i === 0} onClick={() => set(move(p.items, i, i - 1))}>
                ↑
              </button>
              <button type="button" className="ghost small" aria-label={`Move ${label} down`} disabled={i === p.items.length - 1} onClick={() => set(move(p.items, i, i + 1))}>
                ↓
              </button>
            </span>
          );
          const remove = () => set(p.items.filter((_, j) => j !== i));
          const change = (nv: Json) => set(p.items.map((x, j) => (j === i ? nv : x)));
          const path = `${p.path}[${i}]`;
          return (
            <li key={i} className="pf-item" data-field={path}>
              {tagged && isObject(v) ? (
                <TaggedItem tagged={tagged} label={label} path={path} value={v} onChange={change} onRemove={remove} actions={actions} />
              ) : (
                <ValueEditor name={label} path={path} schema={item} value={v} bare onChange={change} onRemove={remove} actions={actions} />
              )}
            </li>
          );
        })}
      </ol>
      {!ctx.readOnly && (
        <div className="pf-add-items">
          {tagged ? (
            tagged.branches.map((b) => (
              <button key={b.tag} type="button" className="small" title={b.description} onClick={() => set([...p.items, newItem(tagged, b.tag, ctx.earlierSteps)])}>
                + {humanize(b.tag)}
              </button>
            ))
          ) : (
            <button type="button" className="small" onClick={() => set([...p.items, defaultValue(item)])}>
              + Add {p.name === 'tools' || p.name.endsWith('tools') ? 'tool' : 'item'}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** How a list item is called in its header and buttons: `2. previous response`, `1. summary` (its id), `tools 3`. */
function itemLabel(list: string, i: number, v: Json, tagged: Tagged | null): string {
  if (isObject(v)) {
    const tag = tagged ? v[tagged.key] : undefined;
    if (typeof tag === 'string') return `${i + 1}. ${humanize(tag)}`;
    const id = v.task_id ?? v.id ?? v.name;
    if (typeof id === 'string' && id) return `${i + 1}. ${id}`;
  }
  return `${list} ${i + 1}`;
}

/** A new tagged list item; a previous_response item names the latest step in scope rather than nothing. */
function newItem(tagged: Tagged, tag: string, earlierSteps: string[]): JsonObject {
  const item = tagValue(tagged, tag);
  if (tag === 'previous_response' && earlierSteps.length) item.step = earlierSteps[earlierSteps.length - 1];
  return item;
}

/** A tagged list item (a prompt item): a header with its type select and moves, then its fields. */
function TaggedItem(p: { tagged: Tagged; label: string; path: string; value: JsonObject; onChange(v: Json): void; onRemove(): void; actions: ReactNode }) {
  const ctx = useForm();
  const tag = typeof p.value[p.tagged.key] === 'string' ? (p.value[p.tagged.key] as string) : '';
  const branch = p.tagged.branches.find((b) => b.tag === tag);
  const diags = diagnosticsAt(ctx.diagnostics, join(p.path, p.tagged.key));
  return (
    <div className="pf-tagged-item">
      <div className="pf-item-head" title={branch?.description}>
        <SelectField
          readOnly={ctx.readOnly}
          label={`${p.label} ${p.tagged.key}`}
          value={tag}
          options={p.tagged.branches.map((b) => b.tag)}
          onChange={(t) => p.onChange(tagValue(p.tagged, t))}
        />
        <span className="spacer" />
        {p.actions}
        <RemoveButton name={p.label} onRemove={p.onRemove} />
      </div>
      <Messages diagnostics={diags} />
      <TaggedForm tagged={p.tagged} path={p.path} value={p.value} onChange={p.onChange} hideTag />
    </div>
  );
}

/** A mapping of free keys (set_variable `variables`, `global_vars`, `inputs`): key, value, remove. */
function MapEditor(p: ValueProps & { entries: JsonObject }) {
  const ctx = useForm();
  const valueSchema = normalize(typeof p.schema.additionalProperties === 'object' ? p.schema.additionalProperties : undefined);
  const keys = Object.keys(p.entries);
  const diags = diagnosticsAt(ctx.diagnostics, p.path, (seg) => keys.includes(seg));
  const rename = (from: string, to: string) => {
    if (!to || to === from || to in p.entries) return;
    p.onChange(Object.fromEntries(Object.entries(p.entries).map(([k, v]) => [k === from ? to : k, v])));
  };
  const fresh = () => {
    let k = 'name';
    for (let i = 2; k in p.entries; i++) k = `name_${i}`;
    return k;
  };
  return (
    <div className="pf-map">
      <Messages diagnostics={diags} local={p.local} />
      {keys.map((k) => (
        <div key={k} className="pf-entry">
          <KeyInput value={k} readOnly={ctx.readOnly} label={`Key of ${join(p.path, k)}`} onCommit={(to) => rename(k, to)} />
          <ValueEditor
            name={k}
            path={join(p.path, k)}
            schema={valueSchema}
            value={p.entries[k]}
            bare
            onChange={(v) => p.onChange({ ...p.entries, [k]: v })}
            onRemove={() => {
              const { [k]: _gone, ...rest } = p.entries;
              p.onChange(rest);
            }}
          />
        </div>
      ))}
      {!ctx.readOnly && (
        <div className="pf-add-items">
          <button type="button" className="small" onClick={() => p.onChange({ ...p.entries, [fresh()]: defaultValue(valueSchema) })}>
            + Add entry
          </button>
        </div>
      )}
    </div>
  );
}

/** A map key, renamed when the field loses focus (renaming on each keystroke would churn the document). */
function KeyInput({ value, readOnly, label, onCommit }: { value: string; readOnly: boolean; label: string; onCommit(v: string): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      className="pf-key"
      aria-label={label}
      readOnly={readOnly}
      value={draft ?? value}
      onFocus={() => setDraft(value)}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => {
        if (draft !== null) onCommit(draft.trim());
        setDraft(null);
      }}
    />
  );
}
