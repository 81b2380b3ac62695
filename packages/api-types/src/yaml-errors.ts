import type { LineCounter, YAMLError } from 'yaml';
import type { Position } from './yaml-locate.js';

/** Keys that belong under `metadata:`; seeing one nested under another key hints at a lost line. */
const METADATA_KEYS = new Set(['name', 'namespace', 'labels', 'annotations']);

/**
 * Turns the first YAML syntax error of a document into one message and position. The errors that
 * follow it are usually consequences, so they are not reported. The common "a key ended up
 * nested under a scalar" mistake (e.g. a missing `metadata:` line) gets a message that names the
 * keys involved and points at the misplaced key.
 */
export function describeYamlError(
  error: YAMLError,
  text: string,
  lineCounter: LineCounter,
): { message: string } & Position {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^\s*(?:-\s+)?([^\s:#][^:#]*?)\s*:/.exec(text.split(/\r?\n/)[line - 1] ?? '')?.[1];
    if (key !== undefined) {
      return {
        message: `YAML syntax error: key "${key}" appears twice in the same mapping`,
        line,
        column: col,
      };
    }
  }
  if (error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY') {
    const hint = nestedUnderScalar(text, line);
    if (hint !== undefined) return hint;
  }
  return { message: `YAML syntax error: ${error.message}`, line, column: col };
}

function nestedUnderScalar(text: string, line: number): ({ message: string } & Position) | undefined {
  const lines = text.split(/\r?\n/);
  const parent = /^(\s*)(?:-\s+)?([^\s:#][^:#]*?):\s+(\S.*)$/.exec(lines[line - 1] ?? '');
  if (parent === null) return undefined;
  const [, parentIndent = '', parentKey = '', parentValue = ''] = parent;
  for (let i = line; i < lines.length; i++) {
    const candidate = lines[i] ?? '';
    if (/^\s*(#.*)?$/.test(candidate)) continue;
    const child = /^(\s*)([^\s:#][^:#]*?):(\s|$)/.exec(candidate);
    if (child === null || (child[1] ?? '').length <= parentIndent.length) return undefined;
    const childKey = child[2] ?? '';
    const column = (child[1] ?? '').length + 1;
    const fix = METADATA_KEYS.has(childKey)
      ? `is the "metadata:" line missing above line ${i + 1}?`
      : `is a parent key missing above line ${i + 1}, or is it indented too far?`;
    return {
      message: `YAML syntax error: "${childKey}:" is indented under "${parentKey}: ${parentValue.trim()}", which already has a value; ${fix}`,
      line: i + 1,
      column,
    };
  }
  return undefined;
}
