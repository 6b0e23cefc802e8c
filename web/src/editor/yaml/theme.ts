// The YAML editor's look from the app's design tokens (styles.css), so it follows the system's light or dark
// theme without a second set of colours here. Syntax colours are tokens of yaml.css.
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorView } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '12px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--surface-2)' },
  '.cm-activeLine': { backgroundColor: 'var(--yaml-active-line)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--yaml-selection)',
  },
  '.cm-step-selected': { backgroundColor: 'var(--yaml-step)', boxShadow: 'inset 3px 0 0 var(--accent)' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--surface-2)', border: '1px solid var(--border)', color: 'var(--muted)' },
  '.cm-tooltip': { backgroundColor: 'var(--surface)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: '6px' },
  '.cm-tooltip-lint': { maxWidth: '420px', whiteSpace: 'pre-wrap' },
  '.cm-diagnostic': { padding: '4px 8px' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warning)' },
  '.cm-diagnostic-info': { borderLeftColor: 'var(--accent)' },
  '.cm-panels': { backgroundColor: 'var(--surface-2)', color: 'var(--text)' },
  '.cm-searchMatch': { backgroundColor: 'var(--yaml-match)' },
  '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--yaml-match)' },
});

const highlight = HighlightStyle.define([
  { tag: t.definition(t.propertyName), color: 'var(--yaml-key)' },
  { tag: t.string, color: 'var(--yaml-string)' },
  { tag: t.special(t.string), color: 'var(--yaml-meta)' },
  { tag: [t.lineComment, t.comment], color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [t.meta, t.keyword, t.typeName, t.labelName], color: 'var(--yaml-meta)' },
  { tag: [t.separator, t.punctuation, t.squareBracket, t.brace], color: 'var(--muted)' },
]);

export const yamlTheme = [theme, syntaxHighlighting(highlight)];
