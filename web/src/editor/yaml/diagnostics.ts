// Server diagnostics (1-based line, 1-based column counted in Unicode characters) as CodeMirror lint
// diagnostics (UTF-16 offsets into the editor's text).
import type { Text } from '@codemirror/state';
import type { Diagnostic as CmDiagnostic } from '@codemirror/lint';
import type { Diagnostic } from '../../sync/protocol';

/** Offset of (line, column) in `doc`, clamped into the document. */
export function offsetOf(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.min(Math.max(1, line), doc.lines));
  let off = 0;
  let chars = 1;
  // Walk characters, not UTF-16 units: a character outside the BMP counts once.
  while (chars < column && off < l.length) {
    const c = l.text.charCodeAt(off);
    off += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    chars++;
  }
  return l.from + Math.min(off, l.length);
}

const SEVERITY: Record<Diagnostic['severity'], CmDiagnostic['severity']> = {
  error: 'error',
  warning: 'warning',
  info: 'info',
};

export function toCmDiagnostics(doc: Text, diags: Diagnostic[]): CmDiagnostic[] {
  return diags.map((d) => {
    const from = offsetOf(doc, d.line, d.column);
    let to = d.end_line ? offsetOf(doc, d.end_line, d.end_column ?? d.column) : from;
    // Underline at least one character where the line has one (else CodeMirror draws a point marker).
    if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
    return {
      from,
      to,
      severity: SEVERITY[d.severity] ?? 'info',
      source: d.code,
      message: d.hint ? `${d.message}\n${d.hint}` : d.message,
    };
  });
}
