// The right-hand panel: tabs for the selected step's properties, the comments and the history. The tab
// content is mounted only while shown (the history polls its versions only then).
import { useRef, type KeyboardEvent } from 'react';
import { useCollab, type SideTab } from './collab';
import { CommentsPanel } from './comments/CommentsPanel';
import { HistoryPanel } from './history/HistoryPanel';
import { Properties } from './Properties';
import { useEditor } from './state';
import './side-panel.css';

const TABS: SideTab[] = ['properties', 'comments', 'history'];
const LABEL: Record<SideTab, string> = { properties: 'Properties', comments: 'Comments', history: 'History' };

export function SidePanel() {
  const { tab, setTab, threads } = useCollab();
  const { model } = useEditor();
  const list = useRef<HTMLDivElement>(null);
  const open = threads.filter((t) => !t.resolved && model.byId.has(t.step)).length;

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
    if (!next) return;
    e.preventDefault();
    setTab(next);
    list.current?.querySelector<HTMLElement>(`#side-tab-${next}`)?.focus();
  };

  return (
    <div className="side-panel">
      <div className="side-tabs" role="tablist" aria-label="Side panel" ref={list} onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t}
            id={`side-tab-${t}`}
            role="tab"
            type="button"
            aria-selected={tab === t}
            aria-controls="side-tabpanel"
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
          >
            {LABEL[t]}
            {t === 'comments' && open > 0 && (
              <span className="side-count" aria-label={`${open} open`}>
                {open}
              </span>
            )}
          </button>
        ))}
      </div>
      <div className="side-body" role="tabpanel" id="side-tabpanel" aria-labelledby={`side-tab-${tab}`}>
        {tab === 'properties' ? <Properties /> : tab === 'comments' ? <CommentsPanel /> : <HistoryPanel />}
      </div>
    </div>
  );
}
