// The step library: every step type of the catalogue, grouped by family, searchable, each with its
// documentation (description, fields from the JSON Schema, the catalogue's example). Items are dragged onto the
// canvas (the canvas reads `application/x-pipeline-step`), or added after the selection with Enter or "Add".
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { TreeID } from 'loro-crdt';
import { insertStep, type Place } from '../doc/pipeline';
import { CATALOG, FAMILIES, infoOf, stepSchema, type StepTypeInfo } from './catalog';
import { newStep, placeAfter, siblingsOf, stepNames } from './commands';
import { normalize, SHARED_STEP_FIELDS } from './forms/schema';
import { useEditor, type EditorState } from './state';
import './library.css';

export const STEP_DRAG_TYPE = 'application/x-pipeline-step';

const matches = (t: StepTypeInfo, q: string) =>
  !q || [t.type, t.label, t.description].some((s) => s.toLowerCase().includes(q));

/** Where a new step of `type` goes: after the selection, but out of any loop body that cannot run it. */
export function placeFor(model: EditorState['model'], selection: TreeID[], type: string): Place {
  let place = placeAfter(model, selection);
  const allowed = infoOf(type)?.allowed_in_loop ?? false;
  while (!allowed && place.parent && place.slot === '/steps') {
    const loop = model.byId.get(place.parent);
    if (!loop) break;
    place = { parent: loop.parent, slot: loop.slot, index: siblingsOf(model, loop).indexOf(loop) + 1 };
  }
  return place;
}

export function Library() {
  const { doc, model, selection, setSelection, readOnly } = useEditor();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const q = query.trim().toLowerCase();
  const shown = useMemo(() => CATALOG.filter((t) => matches(t, q)), [q]);
  const groups = FAMILIES.map((f) => ({ family: f, types: shown.filter((t) => t.family === f.id) })).filter((g) => g.types.length);
  // Flat order of the visible items, for arrow keys.
  const flat = groups.flatMap((g) => g.types);
  const current = Math.min(active, Math.max(0, flat.length - 1));

  const add = (type: string) => {
    if (readOnly) return;
    const id = insertStep(doc, placeFor(model, selection, type), newStep(type, stepNames(model)));
    setSelection([id]);
  };

  const focusItem = (i: number) => {
    setActive(i);
    listRef.current?.querySelectorAll<HTMLElement>('.lib-item')[i]?.focus();
  };

  const onItemKey = (e: KeyboardEvent, i: number, type: string) => {
    if (e.target !== e.currentTarget) return; // keys inside the item's docs or buttons
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        focusItem(Math.min(flat.length - 1, i + 1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (i === 0) document.getElementById('library-search')?.focus();
        else focusItem(i - 1);
        break;
      case 'Home':
        e.preventDefault();
        focusItem(0);
        break;
      case 'End':
        e.preventDefault();
        focusItem(flat.length - 1);
        break;
      case 'Enter':
        e.preventDefault();
        add(type);
        break;
    }
  };

  return (
    <div className="lib">
      <div className="lib-search">
        <input
          id="library-search"
          type="search"
          placeholder="Search steps  ( / )"
          aria-label="Search step types"
          aria-controls="library-items"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && flat.length) {
              e.preventDefault();
              focusItem(0);
            } else if (e.key === 'Escape' && query) {
              e.stopPropagation();
              setQuery('');
            }
          }}
        />
      </div>
      <div className="lib-groups" id="library-items" ref={listRef}>
        {groups.length === 0 && <p className="muted small lib-empty">No step type matches “{query}”.</p>}
        {groups.map(({ family, types }) => (
          <section key={family.id} className="lib-group" aria-label={family.label}>
            <h3 className="lib-family" style={{ color: family.colour }}>
              <span aria-hidden="true">{family.icon}</span> {family.label}
            </h3>
            <ul className="lib-list">
              {types.map((t) => {
                const i = flat.indexOf(t);
                return (
                  <LibraryItem
                    key={t.type}
                    info={t}
                    colour={family.colour}
                    tabbable={i === current}
                    readOnly={readOnly}
                    onAdd={() => add(t.type)}
                    onKeyDown={(e) => onItemKey(e, i, t.type)}
                    onFocus={() => setActive(i)}
                  />
                );
              })}
            </ul>
          </section>
        ))}
      </div>
    </div>
  );
}

function LibraryItem(p: {
  info: StepTypeInfo;
  colour: string;
  tabbable: boolean;
  readOnly: boolean;
  onAdd(): void;
  onKeyDown(e: KeyboardEvent): void;
  onFocus(): void;
}) {
  const t = p.info;
  const tab = p.tabbable ? 0 : -1;
  const [docs, setDocs] = useState(false);
  return (
    <li
      className={`lib-item support-${t.support}`}
      data-type={t.type}
      tabIndex={tab}
      draggable={!p.readOnly}
      aria-label={`${t.label} (${t.type})${t.support === 'unsupported' ? ', not supported by pipeline_ex' : t.support === 'test_only' ? ', test only' : ''}`}
      aria-description={p.readOnly ? t.description : `${t.description} Press Enter to add after the selection.`}
      style={{ borderLeftColor: p.colour }}
      onDragStart={(e) => {
        e.dataTransfer.setData(STEP_DRAG_TYPE, t.type);
        e.dataTransfer.effectAllowed = 'copy';
      }}
      onKeyDown={p.onKeyDown}
      onFocus={(e) => {
        if (e.target === e.currentTarget) p.onFocus();
      }}
    >
      <div className="lib-row">
        <span className="lib-label">{t.label}</span>
        <span className="spacer" />
        {!p.readOnly && (
          <button type="button" className="small lib-add" tabIndex={tab} aria-label={`Add ${t.label} step`} onClick={p.onAdd}>
            Add
          </button>
        )}
      </div>
      <div className="lib-meta">
        <code>{t.type}</code>
        {t.support === 'unsupported' && <span className="badge lib-unsupported">not supported by pipeline_ex</span>}
        {t.support === 'test_only' && <span className="badge lib-test">test only</span>}
        {!t.allowed_in_loop && t.support === 'executable' && (
          <span className="badge" title="Cannot run inside a loop body">not in loops</span>
        )}
      </div>
      <p className="lib-desc">{t.description}</p>
      <details className="lib-docs" onToggle={(e) => setDocs(e.currentTarget.open)}>
        <summary tabIndex={tab}>Fields and example</summary>
        {/* Made when first opened: every type's documentation is most of the panel's elements. */}
        {docs && <StepDocs info={t} />}
      </details>
    </li>
  );
}

/** A step type's example and the fields it takes (from the JSON Schema): its own with their descriptions, the
 * ones every step shares by name only; fields pipeline_ex ignores are left out. */
function StepDocs({ info }: { info: StepTypeInfo }) {
  const schema = stepSchema(info.type);
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(schema?.properties ?? {})
    .map(([k, s]) => [k, normalize(s)] as const)
    .filter(([, s]) => !s.deprecated);
  const own = fields.filter(([k]) => !SHARED_STEP_FIELDS.has(k));
  const shared = fields.filter(([k]) => SHARED_STEP_FIELDS.has(k));
  return (
    <div className="lib-doc-body">
      <pre className="lib-example" aria-label={`Example of ${info.label}`}>
        {info.example}
      </pre>
      {own.length > 0 && (
        <dl className="lib-fields">
          {own.map(([k, s]) => (
            <div key={k}>
              <dt>
                <code>{k}</code>
                {required.has(k) && <span className="lib-req"> required</span>}
              </dt>
              <dd>{s.description}</dd>
            </div>
          ))}
        </dl>
      )}
      {shared.length > 0 && (
        <p className="lib-shared">
          Also, like every step: {shared.map(([k, s]) => <code key={k} title={s.description}>{k}</code>)}
        </p>
      )}
    </div>
  );
}
