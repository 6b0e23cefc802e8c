// A unified diff (the server's, from `similar`) as side-by-side rows: context on both sides, a run of
// removed lines paired with the run of added lines that follows it, a gap row between hunks. Pure.
export interface Side {
  no: number;
  text: string;
  kind: 'context' | 'del' | 'add';
}

export type Row = { kind: 'gap' } | { kind: 'line'; left: Side | null; right: Side | null };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function sideBySide(unified: string): Row[] {
  const rows: Row[] = [];
  let l = 0;
  let r = 0;
  let dels: Side[] = [];
  let adds: Side[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push({ kind: 'line', left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  const lines = unified.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const h = HUNK.exec(line);
    if (h) {
      flush();
      if (rows.length) rows.push({ kind: 'gap' });
      l = Number(h[1]);
      r = Number(h[2]);
    } else if (line.startsWith('--- ') || line.startsWith('+++ ')) {
      continue;
    } else if (line.startsWith('-')) {
      dels.push({ no: l++, text: line.slice(1), kind: 'del' });
    } else if (line.startsWith('+')) {
      adds.push({ no: r++, text: line.slice(1), kind: 'add' });
    } else if (line.startsWith(' ')) {
      flush();
      rows.push({ kind: 'line', left: { no: l++, text: line.slice(1), kind: 'context' }, right: { no: r++, text: line.slice(1), kind: 'context' } });
    }
    // "\ No newline at end of file" and anything else: not a line of either file.
  }
  flush();
  return rows;
}
