import type { z } from 'zod';
import { similar, suggestKey, UNSUPPORTED_KEYS } from './key-suggestions.js';

/** Words YAML 1.1 (and so kubectl) reads as booleans when unquoted. */
const YAML11_BOOLEANS: ReadonlySet<string> = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false']);

/** `error` refuses the configuration; `warning` is accepted but explained. */
export type Severity = 'error' | 'warning';

/** One segment of a path into an object: a field name or an array index. */
export type PathSegment = string | number;

/**
 * A problem found in an object. `message` is complete on its own: it starts with the field path
 * and names the offending value, e.g.
 * `spec.loadBalancer.bgpPeers[1].asn: ASN 23456 is AS_TRANS (RFC 6793), ...`.
 */
export interface Problem {
  /** Dotted field path, e.g. `spec.loadBalancer.bgpPeers[1].asn`; `''` for the whole object. */
  path: string;
  message: string;
  severity: Severity;
  /** `Kind/name` of the object it is about, e.g. `Cluster/bm`, when known. */
  object?: string;
}

/** A problem located in a file (1-based line and column). */
export interface FileProblem extends Problem {
  file: string;
  line: number;
  column: number;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Renders path segments as `spec.peers[1].asn`. Keys that are not plain identifiers (label keys
 * such as `cluster.baremetal.gke.io/default-peer`) are written `["..."]`, so {@link parsePath}
 * can read the path back.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (!PLAIN_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Reads a path written by {@link formatPath} back into segments. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const token = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (token.lastIndex < path.length) {
    const at = token.lastIndex;
    const match = token.exec(path);
    if (match === null) throw new Error(`cannot read path "${path}" at offset ${at}`);
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else out.push(JSON.parse(match[3] as string) as string);
  }
  return out;
}

/** Problems about a key itself (an unknown field), located at the key rather than its value. */
export const KEY_PROBLEMS: WeakSet<Problem> = new WeakSet();

/** Builds a problem whose message is prefixed with its path. */
export function problem(
  segments: readonly PathSegment[],
  detail: string,
  severity: Severity = 'error',
  object?: string,
): Problem {
  const path = formatPath(segments);
  const p: Problem = { path, message: path === '' ? detail : `${path}: ${detail}`, severity };
  if (object !== undefined) p.object = object;
  return p;
}

/**
 * `file:line:col: message` for errors, `file:line:col: warning: message` for warnings. A problem
 * without a file is rendered as `Kind/name: message`.
 */
export function formatProblem(p: Problem | FileProblem): string {
  const where = 'file' in p ? `${p.file}:${p.line}:${p.column}` : (p.object ?? '');
  const text = p.severity === 'warning' ? `warning: ${p.message}` : p.message;
  return where === '' ? text : `${where}: ${text}`;
}

/** Describes a value as a user wrote it: `the string "abc"`, `the number 5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string "${value}"`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof value} ${String(value)}`;
    case 'object':
      return 'a mapping';
    default:
      return String(typeof value);
  }
}

/**
 * An unquoted value that ends in `:` (an IPv6 address or range ending in `::`) is read by YAML as
 * a mapping with one key and no value: `- 2001:db8::` is `{ "2001:db8:": null }`. Says so.
 */
function colonTailHint(input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return '';
  const entries = Object.entries(input);
  if (entries.length !== 1 || entries[0]![1] !== null || !entries[0]![0].includes(':')) return '';
  const text = `${entries[0]![0]}:`;
  return `: YAML reads the unquoted ${text} as a mapping key because it ends in ":"; write "${text}" in quotes`;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/**
 * For a missing field of a mapping that keeps unknown keys (e.g. the Cluster's spec), finds a
 * sibling key that looks like a misspelling of it (`loadBalancr` for `loadBalancer`).
 */
function misspelt(root: unknown, path: readonly PathSegment[]): string | undefined {
  const field = path.at(-1);
  if (typeof field !== 'string') return undefined;
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return undefined;
    parent = (parent as Record<string | number, unknown>)[segment];
  }
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return undefined;
  return Object.keys(parent).find((key) => key !== field && similar(key, field));
}

function entries(n: number | bigint): string {
  return Number(n) === 1 ? '1 entry' : `${n} entries`;
}

/** Turns zod issues into problems with paths and messages an operator can act on. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  object?: string,
  root?: unknown,
  schema?: z.core.$ZodType,
): Problem[] {
  const out: Problem[] = [];
  const pathOf = (issue: z.core.$ZodIssue) =>
    issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  // A misspelt field ("peerAsn") shows up twice: as unknown, and its real name as missing. Say it once.
  const missing = new Map<string, z.core.$ZodIssue>();
  for (const issue of issues) {
    const field = issue.path.at(-1);
    if (
      issue.code === 'invalid_type' &&
      (issue as { input?: unknown }).input === undefined &&
      typeof field === 'string'
    ) {
      missing.set(formatPath([...pathOf(issue).slice(0, -1), field.toLowerCase()]), issue);
    }
  }
  const consumed = new Set<z.core.$ZodIssue>();
  // Otherwise pair an unknown key with a missing field of the same object whose name is close.
  const closeMissing = (key: string, at: PathSegment[]) => {
    const prefix = formatPath(at);
    for (const issue of missing.values()) {
      const field = String(issue.path.at(-1));
      if (!consumed.has(issue) && formatPath(pathOf(issue).slice(0, -1)) === prefix && similar(key, field)) {
        return issue;
      }
    }
    return undefined;
  };
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const twin =
        missing.get(formatPath([...pathOf(issue), key.toLowerCase()])) ?? closeMissing(key, pathOf(issue));
      const at = pathOf(issue);
      const unsupported = Object.hasOwn(UNSUPPORTED_KEYS, key) ? UNSUPPORTED_KEYS[key] : undefined;
      const suggestion =
        twin !== undefined ? formatPath([...at, String(twin.path.at(-1))]) : suggestKey(key, at, schema);
      let detail = `unknown field "${key}"`;
      if (unsupported !== undefined) detail = `${detail}: ${unsupported}`;
      else if (suggestion !== undefined) detail = `${detail} (did you mean \`${suggestion}\`?)`;
      const p = problem([...at, key], detail, 'error', object);
      if (twin !== undefined) consumed.add(twin);
      KEY_PROBLEMS.add(p);
      out.push(p);
    }
  }
  // After "expected a list, got a string", checks of the same value (its length...) say nothing new.
  const wrongType = new Set(
    issues.filter((i) => i.code === 'invalid_type').map((i) => formatPath(pathOf(i))),
  );
  for (const issue of issues) {
    if (consumed.has(issue) || issue.code === 'unrecognized_keys') continue;
    if (issue.code !== 'invalid_type' && wrongType.has(formatPath(pathOf(issue)))) continue;
    const path = pathOf(issue);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) {
          const near = misspelt(root, path);
          if (near === undefined) out.push(problem(path, 'required field is missing', 'error', object));
          else {
            // Report the misspelt key where it is written, as for mappings that refuse unknown keys.
            const p = problem(
              [...path.slice(0, -1), near],
              `unknown field "${near}" (did you mean \`${formatPath(path)}\`?)`,
              'error',
              object,
            );
            KEY_PROBLEMS.add(p);
            out.push(p);
          }
        } else {
          const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
          const hint = issue.expected === 'string' ? colonTailHint(input) : '';
          out.push(
            problem(path, `expected ${expected}, got ${describeValue(input)}${hint}`, 'error', object),
          );
        }
        break;
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v)).join(' or ');
        // kubectl reads YAML 1.1, where an unquoted off/on/yes/no is a boolean.
        const word =
          typeof input === 'boolean' ? issue.values.find((v) => YAML11_BOOLEANS.has(String(v))) : undefined;
        const hint =
          word === undefined
            ? ''
            : `: YAML 1.1 (kubectl) reads an unquoted ${String(word)} as a boolean; write "${String(word)}" in quotes`;
        out.push(problem(path, `expected ${values}, got ${describeValue(input)}${hint}`, 'error', object));
        break;
      }
      case 'too_small':
        if (issue.origin === 'array') {
          out.push(problem(path, `needs at least ${entries(issue.minimum)}`, 'error', object));
        } else if (issue.origin === 'string') {
          out.push(problem(path, 'must not be empty', 'error', object));
        } else {
          out.push(problem(path, `${String(input)} is below the minimum ${issue.minimum}`, 'error', object));
        }
        break;
      case 'too_big':
        if (issue.origin === 'array' || issue.origin === 'string') {
          out.push(problem(path, `is longer than the maximum of ${issue.maximum}`, 'error', object));
        } else {
          out.push(problem(path, `${String(input)} is above the maximum ${issue.maximum}`, 'error', object));
        }
        break;
      case 'not_multiple_of':
        out.push(problem(path, `expected an integer, got ${describeValue(input)}`, 'error', object));
        break;
      case 'invalid_format':
        out.push(
          problem(
            path,
            issue.format === 'datetime'
              ? `${describeValue(input)} is not an RFC 3339 timestamp such as 2025-01-02T03:04:05Z`
              : `${describeValue(input)} ${issue.message}`,
            'error',
            object,
          ),
        );
        break;
      default:
        out.push(problem(path, issue.message, 'error', object));
    }
  }
  return out;
}
