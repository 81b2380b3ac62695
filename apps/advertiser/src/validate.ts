import {
  type FileProblem,
  type FileValidationResult,
  formatProblem,
  loadAdvertiserConfig,
  readConfigFile,
  readYamlDocuments,
  validateFiles,
} from '@bgplb/api-types';
import { isMap } from 'yaml';
import { consoleOutput, type Output } from './output.js';

/**
 * True when the text is an advertiser config (one mapping with localIP/localASN/peers and no
 * kind/apiVersion) rather than Kubernetes objects. Unparseable text is not: the cluster
 * validator reports its syntax error.
 */
export function looksLikeAdvertiserConfig(text: string): boolean {
  const { docs } = readYamlDocuments(text);
  if (docs.length !== 1) return false;
  const contents = docs[0]?.doc?.contents;
  if (!isMap(contents)) return false;
  const keys = new Set(
    contents.items.map((i) => String((i.key as { value?: unknown } | null)?.value ?? i.key)),
  );
  if (keys.has('kind') || keys.has('apiVersion')) return false;
  return keys.has('localIP') || keys.has('localASN') || keys.has('peers');
}

interface FileVerdict {
  file: string;
  readError?: string;
  problems: FileProblem[];
  what: string;
}

async function validateOne(file: string): Promise<FileVerdict> {
  const read = await readConfigFile(file);
  if (!read.ok && 'readError' in read) return { file, readError: read.readError, problems: [], what: '' };
  // Unreadable as text (too large, binary, bad encoding): the loaders report it, with its position.
  const text = read.ok ? read.text : '';
  // `.conf` files are advertiser configs (as in the spec: /tmp/bgpadvertiser.conf), even when
  // broken; otherwise the content decides.
  if (file.endsWith('.conf') || looksLikeAdvertiserConfig(text)) {
    const r = await loadAdvertiserConfig(file);
    const verdict: FileVerdict = { file, problems: r.problems, what: 'advertiser config' };
    if (!r.ok && r.readError !== undefined) verdict.readError = r.readError;
    return verdict;
  }
  const [r] = (await validateFiles([file])) as [FileValidationResult];
  const verdict: FileVerdict = { file, problems: [...r.problems], what: describeObjects(r) };
  if (r.readError !== undefined) verdict.readError = r.readError;
  for (const ig of r.ignored) {
    verdict.problems.push({
      file,
      line: ig.line,
      column: ig.column,
      path: '',
      severity: 'warning',
      message: `ignored ${ig.kind}${ig.name ? `/${ig.name}` : ''}: not a bgplb kind`,
    });
  }
  return verdict;
}

function describeObjects(r: FileValidationResult): string {
  if (r.objects.length === 0) return 'no objects';
  return r.objects.map((o) => (o.name ? `${o.kind}/${o.name}` : o.kind)).join(', ');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `bgpadvertiser validate FILE...`: every problem as `file:line:col: message`, one line per
 * valid file, then a summary. Exit 0 when all are valid (warnings allowed), 1 when one is invalid,
 * 2 when one cannot be read.
 */
export async function runValidate(files: readonly string[], output: Output = consoleOutput): Promise<number> {
  let invalid = 0;
  let unreadable = 0;
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const v = await validateOne(file);
    if (v.readError !== undefined) {
      unreadable++;
      output.err(`${file}: ${v.readError}`);
      continue;
    }
    const sorted = [...v.problems].sort((a, b) => a.line - b.line || a.column - b.column);
    for (const p of sorted) output.out(formatProblem(p));
    const e = v.problems.filter((p) => p.severity === 'error').length;
    errors += e;
    warnings += v.problems.length - e;
    if (e > 0) invalid++;
    else output.out(`${file}: valid (${v.what})`);
  }
  const valid = files.length - invalid - unreadable;
  const parts = [`${plural(files.length, 'file')}: ${valid} valid`, `${invalid} invalid`];
  if (unreadable > 0) parts.push(`${unreadable} unreadable`);
  output.out(`validate: ${parts.join(', ')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')})`);
  return unreadable > 0 ? 2 : invalid > 0 ? 1 : 0;
}
