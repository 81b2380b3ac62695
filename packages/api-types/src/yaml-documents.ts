/**
 * YAML text -> plain values, for every file a user gives us (advertiser config, cluster config,
 * `validate`, `preflight`). Hostile or odd input never throws: each document yields either its
 * value or ONE positioned, specific problem. Beyond syntax errors (duplicate keys included), a
 * document is refused when it
 * - nests deeper than {@link MAX_YAML_DEPTH} levels (the parser itself would exhaust the stack),
 * - uses an alias without an anchor, an alias inside its own anchor, or aliases that add more than
 *   {@link MAX_ALIAS_VALUES} values when expanded (an "alias bomb": a few lines expand to 10^9),
 * - has a tag other than the core schema's (`!!str`, `!!int`, `!!map`, ...): `!!binary`, `!!set`,
 *   `!custom` and the like would change types silently,
 * - uses a merge key `<<` (YAML 1.1 only; in YAML 1.2 it would be a literal key named "<<"), or a
 *   mapping or list as a key (JavaScript objects would turn it into "[object Object]"),
 * - holds control characters (binary data), see {@link checkConfigText},
 * - holds a `...` line pasted from a documentation snippet, see {@link findOmittedLines}.
 */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import { checkConfigText, positionAt } from './config-bytes.js';
import { findOmittedLines } from './omitted-lines.js';
import { describeYamlError } from './yaml-errors.js';
import type { Position } from './yaml-locate.js';

/** Deepest nesting of mappings and sequences accepted (Kubernetes objects need about 15). */
export const MAX_YAML_DEPTH = 64;
/**
 * Most values aliases may add to a document when expanded. Reusing a block of timers or a list of
 * peers adds tens; the 212-byte bomb of three lines adds about 1,200; nine lines add 10^9.
 */
export const MAX_ALIAS_VALUES = 1000;

const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** One document: its value, or the problem that stops it from being read. */
export type YamlDocument =
  | { ok: true; doc: Document; value: unknown }
  | ({ ok: false; doc: Document | undefined; message: string } & Position);

/** The documents of a text, and the line counter that positions their nodes. */
export interface YamlDocuments {
  lineCounter: LineCounter;
  docs: YamlDocument[];
}

/**
 * Offset where the nesting of `text` first exceeds {@link MAX_YAML_DEPTH}, found without parsing:
 * the parser must never see such text (10,000 nested `[` exhaust its stack, and in some states the
 * process's memory, which no try/catch survives). Block nesting counts increasing indentation and
 * the `- ` / `? ` indicators and `key: key:` chains that open levels on one line, flow nesting
 * counts `[` and `{` outside quotes and comments. It may count a level too many or too few here and
 * there (the walk after parsing is the exact check); it keeps the parser far from its limits. It may over-count brackets inside plain
 * scalars, which real configuration does not nest 64 deep.
 */
export function deepNestingOffset(text: string): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote = '';
  let lineStart = true;
  let indent = 0;
  let keysOnLine = 0; // `a: b: c` nests one mapping per key after the first (an error, but parsed)
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = '';
      }
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      keysOnLine = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      lineStart = false;
      if (c !== '#' && c !== '\r' && flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
        indents.push(indent);
        // `- - - x` and `? ? x` nest on one line: each indicator opens a level at its column.
        let j = i;
        while ((text[j] === '-' || text[j] === '?') && (text[j + 1] === ' ' || text[j + 1] === '\t')) {
          j += 2;
          while (text[j] === ' ' || text[j] === '\t') j++;
          if ((text[j] === '-' || text[j] === '?') && (text[j + 1] === ' ' || text[j + 1] === '\t')) {
            indents.push(indent + (j - i));
            if (indents.length > MAX_YAML_DEPTH) return j;
          }
        }
      }
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      // A quoted scalar starts a node: at the start of a line or after an indicator.
      let p = i - 1;
      while (p >= 0 && text[p] === ' ') p--;
      if (p < 0 || ':[{,-?\n'.includes(text[p]!)) quote = c;
    }
    if (c === '[' || c === '{') flow++;
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if (c === ':' && flow === 0 && (text[i + 1] === ' ' || text[i + 1] === '\t')) keysOnLine++;
    if (indents.length + flow + Math.max(0, keysOnLine - 1) > MAX_YAML_DEPTH) return i;
  }
  return undefined;
}

/** Reads every document of `text`. Never throws. */
export function readYamlDocuments(text: string): YamlDocuments {
  const lineCounter = new LineCounter();
  const checked = checkConfigText(text);
  if (!checked.ok) return { lineCounter, docs: [{ ...checked, doc: undefined }] };
  const deep = deepNestingOffset(text);
  if (deep !== undefined) {
    const { line, column } = positionAt(text, deep);
    const message = `YAML nesting is too deep (more than ${MAX_YAML_DEPTH} levels)`;
    return { lineCounter, docs: [{ ok: false, doc: undefined, line, column, message }] };
  }
  try {
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [];
    const omitted = findOmittedLines(text, list, lineCounter);
    if (omitted.length > 0) {
      // The documents around a pasted `...` are fragments: their other problems would only mislead.
      return { lineCounter, docs: omitted.map((o) => ({ ok: false, doc: undefined, ...o })) };
    }
    return { lineCounter, docs: list.map((doc) => readDocument(doc, text, lineCounter)) };
  } catch (error) {
    // Not expected: the parser reports problems as data. Kept so that no input crashes a caller.
    return {
      lineCounter,
      docs: [
        { ok: false, doc: undefined, line: 1, column: 1, message: `cannot read the YAML: ${String(error)}` },
      ],
    };
  }
}

function at(
  doc: Document,
  lineCounter: LineCounter,
  offset: number | undefined,
  message: string,
): YamlDocument {
  const { line, col } = lineCounter.linePos(offset ?? 0);
  return { ok: false, doc, message, line, column: col };
}

function readDocument(doc: Document, text: string, lineCounter: LineCounter): YamlDocument {
  const [error] = doc.errors;
  if (error !== undefined) {
    if (error.code === 'RESOURCE_EXHAUSTION') {
      return at(
        doc,
        lineCounter,
        error.pos[0],
        `YAML nesting is too deep (more than ${MAX_YAML_DEPTH} levels)`,
      );
    }
    const { message, line, column } = describeYamlError(error, text, lineCounter);
    return { ok: false, doc, message, line, column };
  }
  const [warning] = doc.warnings;
  if (warning !== undefined) {
    const message =
      warning.code === 'TAG_RESOLVE_FAILED'
        ? `${warning.message.replace(/^Unresolved tag:?/, 'unsupported YAML tag')}; bgplb reads plain YAML (strings, numbers, booleans, null, mappings, sequences)`
        : `YAML: ${warning.message}`;
    return at(doc, lineCounter, warning.pos[0], message);
  }
  const problem = checkNodes(doc, text, lineCounter);
  if (problem !== undefined) return problem;
  try {
    // checkNodes bounded the expansion, so the library's own alias limit is not needed.
    return { ok: true, doc, value: doc.toJS({ maxAliasCount: -1 }) };
  } catch (err) {
    return at(doc, lineCounter, doc.contents?.range?.[0], `cannot read the YAML: ${(err as Error).message}`);
  }
}

/** Where the tag written before the node at `start` begins (the node's range leaves it out). */
function tagStart(text: string, start: number | undefined): number | undefined {
  if (start === undefined) return undefined;
  let p = start - 1;
  while (p >= 0 && (text[p] === ' ' || text[p] === '\t')) p--;
  let q = p;
  while (q >= 0 && !/\s/.test(text[q]!)) q--;
  return text[q + 1] === '!' ? q + 1 : start;
}

/** The child nodes of a collection (keys only when they are not plain scalars). */
function children(node: Node): Node[] {
  if (!isCollection(node)) return [];
  const out: Node[] = [];
  for (const item of node.items) {
    if (isPair(item)) {
      if (item.key !== null && item.key !== undefined && !isScalar(item.key)) out.push(item.key as Node);
      if (item.value !== null && item.value !== undefined) out.push(item.value as Node);
    } else if (item !== null && item !== undefined) out.push(item as Node);
  }
  return out;
}

/** Nodes a collection adds beyond its children (plain keys count as one value each). */
function plainKeys(node: Node): number {
  if (!isMap(node)) return 0;
  return node.items.filter((p) => isScalar(p.key) || p.key === null || p.key === undefined).length;
}

/**
 * Walks the document without recursion (post-order, children left to right): depth, tags, merge
 * keys, aliases. An alias refers to a node that ends before it, so that node's expanded size is
 * known when the alias is reached: the size check is linear in the text, whatever the expansion.
 */
function checkNodes(doc: Document, text: string, lineCounter: LineCounter): YamlDocument | undefined {
  const root = doc.contents as Node | null;
  if (root === null) return undefined;
  const size = new Map<Node, number>();
  const open = new Set<Node>();
  const aliases: Node[] = []; // in text order
  const stack: Array<{ node: Node; depth: number; done: boolean }> = [{ node: root, depth: 1, done: false }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { node, depth } = entry;
    if (entry.done) {
      open.delete(node);
      let total = 1 + plainKeys(node);
      for (const child of children(node)) total += size.get(child) ?? 1;
      size.set(node, Math.min(total, Number.MAX_SAFE_INTEGER));
      continue;
    }
    const start = node.range?.[0];
    if (depth > MAX_YAML_DEPTH) {
      return at(doc, lineCounter, start, `YAML nesting is too deep (more than ${MAX_YAML_DEPTH} levels)`);
    }
    if (isAlias(node)) {
      const target = node.resolve(doc) as Node | undefined;
      if (target === undefined) {
        return at(
          doc,
          lineCounter,
          start,
          `alias *${node.source} refers to no anchor &${node.source} defined before it`,
        );
      }
      if (open.has(target)) {
        return at(
          doc,
          lineCounter,
          start,
          `alias *${node.source} refers to a node that contains it (a cycle)`,
        );
      }
      size.set(node, size.get(target) ?? 1);
      aliases.push(node);
      continue;
    }
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      const tag = node.tag.replace('tag:yaml.org,2002:', '!!');
      return at(
        doc,
        lineCounter,
        tagStart(text, start),
        `unsupported YAML tag ${tag}; bgplb reads plain YAML (strings, numbers, booleans, null, mappings, sequences)`,
      );
    }
    if (isMap(node)) {
      const complex = node.items.find((p) => p.key !== null && p.key !== undefined && !isScalar(p.key));
      if (complex !== undefined) {
        const key = complex.key as Node;
        return at(
          doc,
          lineCounter,
          key.range?.[0],
          'a mapping key must be a plain value (a name), not a mapping or a list',
        );
      }
      const merge = node.items.find((p) => isScalar(p.key) && p.key.value === '<<' && p.key.type === 'PLAIN');
      if (merge !== undefined) {
        const key = merge.key as Node;
        return at(
          doc,
          lineCounter,
          key.range?.[0],
          'merge keys (<<) are not supported; write the fields out',
        );
      }
    }
    open.add(node);
    stack.push({ node, depth, done: true });
    const list = children(node);
    for (let i = list.length - 1; i >= 0; i--) stack.push({ node: list[i]!, depth: depth + 1, done: false });
  }
  // The first alias (in text order) at which the values added by aliases exceed the limit.
  let added = 0;
  for (const node of aliases) {
    added += size.get(node) ?? 1;
    if (added > MAX_ALIAS_VALUES) {
      return at(
        doc,
        lineCounter,
        node.range?.[0],
        `YAML aliases expand to more than ${MAX_ALIAS_VALUES} values (an alias bomb?); write the values out instead of repeating aliases`,
      );
    }
  }
  return undefined;
}
