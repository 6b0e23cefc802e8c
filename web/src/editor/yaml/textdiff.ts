// The smallest single replacement turning one text into another (common prefix and suffix kept), so applying
// a new server text to the editor keeps the cursor and the undo history wherever the text did not change.

export interface Replacement {
  from: number;
  to: number;
  insert: string;
}

export function minimalReplacement(oldText: string, newText: string): Replacement | null {
  if (oldText === newText) return null;
  const max = Math.min(oldText.length, newText.length);
  let pre = 0;
  while (pre < max && oldText.charCodeAt(pre) === newText.charCodeAt(pre)) pre++;
  // Never split a surrogate pair.
  if (pre > 0 && isHighSurrogate(oldText.charCodeAt(pre - 1))) pre--;
  let suf = 0;
  while (suf < max - pre && oldText.charCodeAt(oldText.length - 1 - suf) === newText.charCodeAt(newText.length - 1 - suf)) suf++;
  if (suf > 0 && isLowSurrogate(oldText.charCodeAt(oldText.length - suf))) suf--;
  return { from: pre, to: oldText.length - suf, insert: newText.slice(pre, newText.length - suf) };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
