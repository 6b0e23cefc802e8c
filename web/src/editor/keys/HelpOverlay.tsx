// The `?` overlay: every shortcut from the table, grouped.
import { Dialog } from './Dialog';
import { comboLabel, SHORTCUTS, type Shortcut } from './table';

const GROUPS: Shortcut['group'][] = ['Edit', 'Select', 'View', 'Help'];

export function HelpOverlay({ onClose }: { onClose(): void }) {
  return (
    <Dialog label="Keyboard shortcuts" onClose={onClose} className="kb-help">
      <div className="row">
        <h2>Keyboard shortcuts</h2>
        <button className="ghost" aria-label="Close" onClick={onClose}>✕</button>
      </div>
      <div className="kb-groups">
        {GROUPS.map((g) => (
          <section key={g} aria-label={g}>
            <h3>{g}</h3>
            <dl>
              {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                <div key={s.id} className="kb-row">
                  <dt>
                    {s.combos.map((c, i) => (
                      <span key={i}>
                        {i > 0 && <span className="muted"> or </span>}
                        <kbd>{comboLabel(c)}</kbd>
                      </span>
                    ))}
                  </dt>
                  <dd>{s.label}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="muted small">
        Shortcuts wait while you type in a field or the YAML editor (except saving and Esc). Tab moves through the
        toolbar, the library, the canvas steps and the panels; in the YAML editor press Esc, then Tab, to leave it.
      </p>
    </Dialog>
  );
}
