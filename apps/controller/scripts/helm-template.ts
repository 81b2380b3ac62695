/**
 * Renders the bgplb Helm chart without helm (which is not installed on the build machines), so
 * that deploy/manifests/ can be generated from the chart and kept in sync by a test.
 *
 * It implements the subset of Go templates (text/template + the Sprig functions Helm adds) that
 * the chart uses, and fails loudly on anything else, so a template that helm would render
 * differently cannot slip through:
 *   {{ .Values.a.b }} {{ .Release.Name }} {{ .Release.Namespace }} {{ .Chart.Version }} {{ . }}
 *   {{ if X }} {{ else }} {{ end }}  {{ with X }} {{ end }}  {{ define "n" }} {{ end }}
 *   pipelines with: include "n" .  toYaml  nindent N  indent N  quote  default D
 *   trim markers {{- and -}}, comments {{/* ... *\/}}
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type Node =
  | { t: 'text'; text: string }
  | { t: 'out'; pipe: string }
  | { t: 'if'; pipe: string; yes: Node[]; no: Node[] }
  | { t: 'with'; pipe: string; body: Node[] }
  | { t: 'define'; name: string; body: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && src[start + 1] === ' ') {
      text = text.replace(/\s+$/, '');
      start++;
    }
    out.push({ kind: 'text', text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw new Error(`${file}: unterminated action`);
    let end = close;
    let trimRight = false;
    if (src[close - 1] === '-' && src[close - 2] === ' ') {
      end = close - 1;
      trimRight = true;
    }
    out.push({ kind: 'action', text: src.slice(start, end).trim() });
    i = close + 2;
    if (trimRight) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

function parseNodes(tokens: Token[], file: string): Node[] {
  let pos = 0;
  const block = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if (tok.kind === 'text') {
        if (tok.text !== '') nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.text;
      if (a.startsWith('/*')) continue;
      if (terminators.includes(a)) return { nodes, end: a };
      if (a.startsWith('if ')) {
        const then = block(['else', 'end']);
        const otherwise = then.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: 'if', pipe: a.slice(3), yes: then.nodes, no: otherwise });
      } else if (a.startsWith('with ')) {
        nodes.push({ t: 'with', pipe: a.slice(5), body: block(['end']).nodes });
      } else if (a.startsWith('define ')) {
        nodes.push({
          t: 'define',
          name: JSON.parse(a.slice(7).trim()) as string,
          body: block(['end']).nodes,
        });
      } else if (/^(range|else if|template|block)\b/.test(a)) {
        throw new Error(`${file}: "${a}" is not supported by this renderer`);
      } else {
        nodes.push({ t: 'out', pipe: a });
      }
    }
    if (terminators.length > 0) throw new Error(`${file}: missing {{ end }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

export interface RenderContext {
  Values: unknown;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: { Name: string; Version: string; AppVersion: string };
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'object') throw new Error('printing a map or list needs toYaml');
  return String(v);
}

function splitWords(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|[^\s]+/g) ?? [];
}

export class Chart {
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly root: RenderContext) {}

  addHelpers(src: string, file: string): void {
    for (const n of parseNodes(tokenize(src, file), file))
      if (n.t === 'define') this.defines.set(n.name, n.body);
  }

  render(src: string, file: string): string {
    return this.exec(parseNodes(tokenize(src, file), file), this.root);
  }

  private term(word: string, dot: unknown): unknown {
    if (word === '.') return dot;
    if (word === '$') return this.root;
    if (word.startsWith('"')) return JSON.parse(word) as string;
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    if (word === 'true' || word === 'false') return word === 'true';
    if (word.startsWith('.') || word.startsWith('$.')) {
      let v: unknown = word.startsWith('$') ? this.root : dot;
      for (const part of word.replace(/^\$/, '').slice(1).split('.')) {
        v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      }
      return v;
    }
    throw new Error(`unsupported term "${word}"`);
  }

  private call(fn: string, args: unknown[]): unknown {
    switch (fn) {
      case 'include': {
        const body = this.defines.get(String(args[0]));
        if (body === undefined) throw new Error(`include: no template "${String(args[0])}"`);
        return this.exec(body, args[1]);
      }
      case 'toYaml':
        return stringify(args[0], { indentSeq: false, sortMapEntries: true, lineWidth: 0 }).replace(
          /\n$/,
          '',
        );
      case 'nindent':
        return `\n${this.indent(Number(args[0]), String(args[1]))}`;
      case 'indent':
        return this.indent(Number(args[0]), String(args[1]));
      case 'quote':
        return JSON.stringify(show(args[0]));
      case 'default':
        return truthy(args[1]) ? args[1] : args[0];
      default:
        throw new Error(`unsupported function "${fn}"`);
    }
  }

  private indent(n: number, s: string): string {
    const pad = ' '.repeat(n);
    return s
      .split('\n')
      .map((line) => pad + line)
      .join('\n');
  }

  private pipe(src: string, dot: unknown): unknown {
    const commands = src.split('|').map((c) => splitWords(c.trim()));
    let value: unknown;
    commands.forEach((words, i) => {
      const [head, ...rest] = words;
      if (head === undefined) throw new Error(`empty command in "${src}"`);
      const isFn = /^[a-zA-Z]/.test(head) && head !== 'true' && head !== 'false';
      const args = rest.map((w) => this.term(w, dot));
      if (i > 0) args.push(value);
      value = isFn ? this.call(head, args) : this.term(head, dot);
    });
    return value;
  }

  private exec(nodes: Node[], dot: unknown): string {
    let out = '';
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.text;
          break;
        case 'out':
          out += show(this.pipe(n.pipe, dot));
          break;
        case 'if':
          out += this.exec(truthy(this.pipe(n.pipe, dot)) ? n.yes : n.no, dot);
          break;
        case 'with': {
          const v = this.pipe(n.pipe, dot);
          if (truthy(v)) out += this.exec(n.body, v);
          break;
        }
        case 'define':
          this.defines.set(n.name, n.body);
          break;
      }
    }
    return out;
  }
}

export interface RenderOptions {
  chartDir: string;
  releaseName?: string;
  namespace?: string;
  /** Values merged over values.yaml (deep merge of maps). */
  values?: Record<string, unknown>;
  includeCrds?: boolean;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (
    base === null ||
    over === null ||
    typeof base !== 'object' ||
    typeof over !== 'object' ||
    Array.isArray(over)
  )
    return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}

/** `helm template <release> <chartDir> --namespace <ns> [--include-crds]`. */
export function renderChart(o: RenderOptions): string {
  const chartMeta = parse(readFileSync(join(o.chartDir, 'Chart.yaml'), 'utf8')) as {
    name: string;
    version: string;
    appVersion: string;
  };
  const values = merge(parse(readFileSync(join(o.chartDir, 'values.yaml'), 'utf8')), o.values);
  const chart = new Chart({
    Values: values,
    Release: {
      Name: o.releaseName ?? chartMeta.name,
      Namespace: o.namespace ?? 'kube-system',
      Service: 'Helm',
    },
    Chart: { Name: chartMeta.name, Version: chartMeta.version, AppVersion: chartMeta.appVersion },
  });
  const templates = join(o.chartDir, 'templates');
  const files = readdirSync(templates).sort();
  for (const f of files.filter((f) => f.startsWith('_')))
    chart.addHelpers(readFileSync(join(templates, f), 'utf8'), f);
  const docs: string[] = [];
  if (o.includeCrds) {
    const crds = join(o.chartDir, 'crds');
    for (const f of readdirSync(crds)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      docs.push(
        `---\n# Source: ${chartMeta.name}/crds/${f}\n${readFileSync(join(crds, f), 'utf8')
          .replace(/^---\n/, '')
          .trimEnd()}\n`,
      );
    }
  }
  for (const f of files.filter((f) => !f.startsWith('_') && f.endsWith('.yaml'))) {
    const rendered = chart.render(readFileSync(join(templates, f), 'utf8'), f);
    for (const doc of rendered.split(/^---\s*$/m)) {
      const body = doc.replace(/^\s*\n/, '').trimEnd();
      if (body.replace(/^#.*$/gm, '').trim() === '') continue;
      docs.push(`---\n# Source: ${chartMeta.name}/templates/${f}\n${body}\n`);
    }
  }
  return docs.join('');
}
