// Where each step sits in the YAML text: the `workflow.steps` items (and nested `steps` / `pipeline.steps`
// lists) with their model paths (`/workflow/steps/2/steps/0`, as StepNode.path) and character ranges. Used
// to highlight the selected step's lines and to select the step under the cursor. Pure: text in, ranges out.
import { isMap, isSeq, parseDocument, type Node } from 'yaml';

export interface StepRange {
  /** Model path, as StepNode.path. */
  path: string;
  /** Offset of the start of the item's first line (so the `- ` and its indentation belong to it). */
  from: number;
  /** Offset just after the item's last character. */
  to: number;
  depth: number;
}

/** Every step item of `text`, in document order (parents before their children). Broken YAML yields what parses. */
export function stepRanges(text: string): StepRange[] {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
  const out: StepRange[] = [];
  const lineStart = (pos: number) => text.lastIndexOf('\n', pos - 1) + 1;
  const walk = (list: unknown, prefix: string, depth: number) => {
    if (!isSeq(list)) return;
    list.items.forEach((item, i) => {
      const path = `${prefix}/${i}`;
      const range = (item as Node | null)?.range;
      if (range) out.push({ path, from: lineStart(range[0]), to: trimEnd(text, range[1]), depth });
      if (isMap(item)) {
        walk(item.get('steps', true), `${path}/steps`, depth + 1);
        const pipeline = item.get('pipeline', true);
        if (isMap(pipeline)) walk(pipeline.get('steps', true), `${path}/pipeline/steps`, depth + 1);
      }
    });
  };
  const workflow = isMap(doc.contents) ? doc.contents.get('workflow', true) : null;
  if (isMap(workflow)) walk(workflow.get('steps', true), '/workflow/steps', 0);
  return out;
}

/** A block node's range ends after its trailing newline; the step ends on the line before. */
function trimEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && (text[e - 1] === '\n' || text[e - 1] === '\r' || text[e - 1] === ' ')) e--;
  return e;
}

/** The innermost step whose item contains `pos`. */
export function stepAt(ranges: StepRange[], pos: number): StepRange | null {
  let best: StepRange | null = null;
  for (const r of ranges) if (pos >= r.from && pos <= r.to && (!best || r.depth > best.depth)) best = r;
  return best;
}

/** Memoised `stepRanges` for the last text seen (cursor moves ask repeatedly for the same text). */
export function rangesCache(): (text: string) => StepRange[] {
  let last: { text: string; ranges: StepRange[] } | null = null;
  return (text) => {
    if (last?.text !== text) last = { text, ranges: stepRanges(text) };
    return last.ranges;
  };
}
