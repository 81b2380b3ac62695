import { badRequest } from './status.js';

/**
 * Label selectors as kube-apiserver parses them (k8s.io/apimachinery/pkg/labels):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a` (does not exist),
 * `a>1`, `a<1`, joined by commas; all requirements must hold.
 */
export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): void {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  if (!KEY.test(key) || name.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (selector "${selector}")`,
    );
  }
}

function checkValue(value: string, selector: string): void {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (selector "${selector}")`,
    );
  }
}

/** Splits at top-level commas (commas inside `( )` belong to a set). */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw badRequest(`unable to parse requirement: unbalanced parentheses in "${selector}"`);
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw badRequest(`unable to parse requirement: unbalanced parentheses in "${selector}"`);
  terms.push(current);
  return terms.map((t) => t.trim());
}

export function parseLabelSelector(selector: string | null | undefined): LabelSelector {
  if (selector === null || selector === undefined || selector.trim() === '') return [];
  const out: LabelSelector = [];
  for (const term of splitTerms(selector)) {
    if (term === '') throw badRequest(`found '', expected: identifier (selector "${selector}")`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set) {
      const key = set[1]!;
      checkKey(key, selector);
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v, _i, all) => v !== '' || all.length > 1);
      if (values.length === 0) throw badRequest(`for 'in', 'notin' operators, values set can't be empty`);
      for (const v of values) checkValue(v, selector);
      out.push({ key, op: set[2] as 'in' | 'notin', values });
      continue;
    }
    const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term);
    if (cmp) {
      const key = cmp[1]!;
      const value = cmp[3]!.trim();
      checkKey(key, selector);
      const op = cmp[2]!;
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(value))
          throw badRequest(`for 'Gt', 'Lt' operators, the value must be an integer`);
        out.push({ key, op: op === '>' ? 'gt' : 'lt', values: [value] });
        continue;
      }
      checkValue(value, selector);
      out.push({ key, op: op === '!=' ? '!=' : '=', values: [value] });
      continue;
    }
    if (term.startsWith('!')) {
      const key = term.slice(1).trim();
      checkKey(key, selector);
      out.push({ key, op: '!', values: [] });
      continue;
    }
    checkKey(term, selector);
    out.push({ key: term, op: 'exists', values: [] });
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}
