// The comments tab: the selected step's threads (start one, reply, edit one's own message, resolve, reopen)
// and every open thread of the pipeline (a click selects its step). Edits go straight into the document
// (doc/comments.ts), so they sync live and work offline like any other edit. Viewers read only: the server
// refuses their document updates, and its comment routes ask for the member role too.
import type { TreeID } from 'loro-crdt';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { addThread, editMessage, reply, setResolved, type Message, type Thread } from '../../doc/comments';
import { useCollab } from '../collab';
import { useEditor } from '../state';
import { exactly, when } from '../time';
import './comments.css';

/** The server's limit for a comment (routes/comments.rs). */
const MAX_CHARS = 10_000;

const stepName = (fields: Record<string, unknown> | null | undefined): string =>
  typeof fields?.name === 'string' && fields.name ? fields.name : 'unnamed step';

/** Ctrl/Cmd+Enter submits the form a text area is in. */
function submitOnModEnter(e: KeyboardEvent<HTMLTextAreaElement>) {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    e.currentTarget.form?.requestSubmit();
  }
}

export function CommentsPanel() {
  const { model, selection, setSelection } = useEditor();
  const { threads } = useCollab();
  const step = selection.length === 1 ? model.byId.get(selection[0]) : undefined;
  // Threads of deleted steps stay in the document (shown again if the step comes back), not here.
  const open = threads.filter((t) => !t.resolved && model.byId.has(t.step));

  return (
    <div className="cmt-panel">
      {step ? (
        <StepThreads key={step.id} step={step.id} name={stepName(step.fields)} threads={threads.filter((t) => t.step === step.id)} />
      ) : (
        <p className="muted small">{selection.length > 1 ? 'Select a single step to comment on it.' : 'Select a step to comment on it.'}</p>
      )}
      <section className="cmt-open" aria-label="Open threads">
        <h3>
          Open threads <span className="muted">({open.length})</span>
        </h3>
        {open.length === 0 ? (
          <p className="muted small">No open threads.</p>
        ) : (
          <ul className="cmt-open-list">
            {open.map((t) => {
              const first = t.messages[0];
              const s = model.byId.get(t.step);
              return (
                <li key={t.id}>
                  <button
                    type="button"
                    className={`cmt-open-item${step?.id === t.step ? ' current' : ''}`}
                    onClick={() => setSelection([t.step])}
                    aria-label={`Thread on ${stepName(s?.fields)}: ${first?.text ?? ''}`}
                  >
                    <span className="cmt-open-step">{stepName(s?.fields)}</span>
                    <span className="cmt-open-text">{first?.text}</span>
                    <span className="muted small">
                      {t.messages.length} message{t.messages.length === 1 ? '' : 's'}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}

function StepThreads({ step, name, threads }: { step: TreeID; name: string; threads: Thread[] }) {
  const { doc, readOnly, info } = useEditor();
  const [text, setText] = useState('');
  const open = threads.filter((t) => !t.resolved);
  const resolved = threads.filter((t) => t.resolved);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || !info) return;
    addThread(doc, step, info.user.id, text.trim());
    setText('');
  };

  return (
    <section className="cmt-step" aria-label={`Comments on ${name}`}>
      <h3>
        Comments on <span className="cmt-step-name">{name}</span>
      </h3>
      {open.length === 0 && <p className="muted small">No open threads on this step.</p>}
      {open.map((t) => (
        <ThreadView key={t.id} thread={t} />
      ))}
      {resolved.length > 0 && (
        <details className="cmt-resolved">
          <summary>
            {resolved.length} resolved thread{resolved.length === 1 ? '' : 's'}
          </summary>
          {resolved.map((t) => (
            <ThreadView key={t.id} thread={t} />
          ))}
        </details>
      )}
      {!readOnly && (
        <form className="cmt-new" onSubmit={submit}>
          <textarea
            aria-label="New comment"
            placeholder="Comment on this step…"
            value={text}
            maxLength={MAX_CHARS}
            rows={3}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={submitOnModEnter}
          />
          <button type="submit" className="primary" disabled={!text.trim()}>
            Comment
          </button>
        </form>
      )}
    </section>
  );
}

function ThreadView({ thread }: { thread: Thread }) {
  const { doc, readOnly, info } = useEditor();
  const { nameOf } = useCollab();
  const [answer, setAnswer] = useState('');
  const starter = thread.messages[0];

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!answer.trim() || !info) return;
    reply(doc, thread.id, info.user.id, answer.trim());
    setAnswer('');
  };

  return (
    <article
      className={`cmt-thread${thread.resolved ? ' resolved' : ''}`}
      aria-label={`Thread by ${starter ? nameOf(starter.author) : 'someone'}${thread.resolved ? ' (resolved)' : ''}`}
      data-thread={thread.id}
    >
      <ol className="cmt-messages">
        {thread.messages.map((m) => (
          <MessageView key={m.id} thread={thread.id} message={m} />
        ))}
      </ol>
      {!readOnly && (
        <div className="cmt-thread-actions">
          {!thread.resolved && (
            <form className="cmt-reply" onSubmit={send}>
              <textarea
                aria-label="Reply"
                placeholder="Reply…"
                value={answer}
                maxLength={MAX_CHARS}
                rows={1}
                onChange={(e) => setAnswer(e.target.value)}
                onKeyDown={submitOnModEnter}
              />
              <button type="submit" disabled={!answer.trim()}>
                Reply
              </button>
            </form>
          )}
          <button type="button" className="ghost small" onClick={() => setResolved(doc, thread.id, !thread.resolved)}>
            {thread.resolved ? 'Reopen' : 'Resolve'}
          </button>
        </div>
      )}
    </article>
  );
}

function MessageView({ thread, message }: { thread: string; message: Message }) {
  const { doc, readOnly, info } = useEditor();
  const { nameOf } = useCollab();
  const [editing, setEditing] = useState<string | null>(null);
  const mine = !!info && info.user.id === message.author;

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!editing?.trim() || !info) return;
    if (editing.trim() !== message.text) editMessage(doc, thread, message.id, info.user.id, editing.trim());
    setEditing(null);
  };

  return (
    <li className="cmt-message">
      <div className="cmt-meta">
        <span className="cmt-author">{nameOf(message.author)}</span>
        <time className="muted small" dateTime={message.at ? new Date(message.at).toISOString() : undefined} title={exactly(message.at)}>
          {when(message.at)}
        </time>
        {message.edited && <span className="muted small">(edited)</span>}
        {mine && !readOnly && editing === null && (
          <button type="button" className="ghost small cmt-edit" aria-label="Edit message" onClick={() => setEditing(message.text)}>
            Edit
          </button>
        )}
      </div>
      {editing === null ? (
        <p className="cmt-text">{message.text}</p>
      ) : (
        <form className="cmt-edit-form" onSubmit={save}>
          <textarea
            aria-label="Edit message"
            autoFocus
            value={editing}
            maxLength={MAX_CHARS}
            rows={3}
            onChange={(e) => setEditing(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                setEditing(null);
              } else submitOnModEnter(e);
            }}
          />
          <div className="row">
            <button type="submit" className="primary" disabled={!editing.trim()}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </li>
  );
}
