import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './problems.js';

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

function position(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function start(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/**
 * Finds where `path` points inside a YAML document: the value node at the end of the path, or its
 * key when `atKey` is set (unknown fields) or the value is empty. When the path leaves the document
 * (a required field is missing), it points at the key of the deepest mapping that exists, i.e. the
 * mapping that lacks the field.
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PathSegment[],
  atKey = false,
): Position {
  let node: unknown = doc.contents;
  let best = start(doc.contents as Node | null) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment),
      );
      if (pair === undefined) break;
      const keyStart = start(pair.key as Node);
      const valueStart = start(pair.value as Node | null);
      if (last && atKey && keyStart !== undefined) return position(lineCounter, keyStart);
      best = valueStart ?? keyStart ?? best;
      if (valueStart === undefined) break;
      // A missing child is reported at this key, the line that holds the incomplete mapping.
      if (!last && keyStart !== undefined) {
        const next = pair.value;
        const child = path[i + 1];
        const present =
          (isMap(next) && next.items.some((p) => isScalar(p.key) && String(p.key.value) === String(child))) ||
          (isSeq(next) && typeof child === 'number' && child < next.items.length);
        if (!present) return position(lineCounter, keyStart);
      }
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      const itemStart = start(item);
      if (itemStart === undefined) break;
      best = itemStart;
      node = item;
    } else {
      break;
    }
  }
  return position(lineCounter, best);
}
