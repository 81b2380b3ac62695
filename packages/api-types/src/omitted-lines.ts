import { type Document, isScalar, type LineCounter, Scalar, visit } from 'yaml';

/** A line that is only `...` (documentation's "omitted lines"), with a comment allowed after it. */
const DOTS_LINE = /^([ \t]*)\.\.\.[ \t]*(#.*)?$/;

/** A positioned `...` line that was pasted from the documentation. */
export interface OmittedLine {
  line: number;
  column: number;
  message: string;
}

/**
 * True when nothing but blank lines, comments and the next `---` follow line `index`: then a
 * `...` at column 1 is a real YAML document end, as a generator may write it.
 */
function endsDocumentForReal(lines: readonly string[], index: number): boolean {
  for (const line of lines.slice(index + 1)) {
    if (/^---(\s|$)/.test(line)) return true;
    if (!/^[ \t]*(#.*)?\r?$/.test(line)) return false;
  }
  return true;
}

/** Offset ranges of quoted and block scalars, where a `...` line is text, not a marker. */
function textRanges(docs: readonly Document[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const doc of docs) {
    visit(doc, {
      Scalar(_key, node) {
        if (isScalar(node) && node.type !== Scalar.PLAIN && node.range !== undefined && node.range !== null) {
          out.push([node.range[0], node.range[1]]);
        }
      },
    });
  }
  return out;
}

/**
 * Finds `...` lines copied from documentation snippets, where they stand for omitted lines. YAML
 * reads one at column 1 as "end of document" (the rest becomes a document of its own, and the
 * field before it empty: "expected a mapping, got null"), an indented one as the string "..." or a
 * syntax error ("Unexpected scalar at node end"). Neither says what is wrong, so they are found
 * first. A `...` that really ends a document (followed only by comments or `---`) and one inside a
 * quoted or block scalar are left alone.
 */
export function findOmittedLines(
  text: string,
  docs: readonly Document[],
  lineCounter: LineCounter,
): OmittedLine[] {
  const lines = text.split('\n');
  const out: OmittedLine[] = [];
  let ranges: Array<[number, number]> | undefined;
  let offset = 0;
  lines.forEach((line, index) => {
    const start = offset;
    offset += line.length + 1;
    const match = DOTS_LINE.exec(line.replace(/\r$/, ''));
    if (match === null) return;
    const indent = match[1]?.length ?? 0;
    if (indent === 0 && endsDocumentForReal(lines, index)) return;
    ranges ??= textRanges(docs);
    const at = start + indent;
    if (ranges.some(([from, to]) => at >= from && at < to)) return;
    const { line: n, col } = lineCounter.linePos(at);
    const message =
      indent === 0
        ? `line ${n}: \`...\` ends the YAML document here; remove it (it stands for omitted lines in the documentation)`
        : `line ${n}: \`...\` stands for omitted lines in the documentation, YAML reads it as text; remove it`;
    out.push({ line: n, column: col, message });
  });
  return out;
}
