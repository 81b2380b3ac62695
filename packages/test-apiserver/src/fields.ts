import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

/**
 * Field selectors: `path=value`, `path==value`, `path!=value`, joined by commas, where `path` is
 * a dotted path into the object (`metadata.name`, `spec.nodeName`, `involvedObject.uid`).
 * Backslash escapes `\,`, `\=` and `\\` are honoured in values, as in kube-apiserver.
 */
export interface FieldRequirement {
  path: string;
  negate: boolean;
  value: string;
}

export type FieldSelector = FieldRequirement[];

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(selector: string | null | undefined): FieldSelector {
  if (selector === null || selector === undefined || selector.trim() === '') return [];
  const out: FieldSelector = [];
  for (const rawTerm of splitUnescaped(selector, ',')) {
    const term = rawTerm.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(term);
    if (!m || m[1]!.trim() === '')
      throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    out.push({ path: m[1]!.trim(), negate: m[2] === '!=', value: unescapeValue(m[3]!) });
  }
  return out;
}

/** The string value of a dotted path, as field selectors compare it ('' when absent). */
export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'object') return JSON.stringify(cur);
  return String(cur);
}

/** A field label's reader, for kinds whose labels are not plain paths (see ResourceDef.fieldLabels). */
export type FieldReaders = Record<string, (obj: KubeObject) => string>;

export function matchesFields(selector: FieldSelector, obj: KubeObject, readers?: FieldReaders): boolean {
  for (const r of selector) {
    const reader = readers?.[r.path];
    const v = reader !== undefined ? reader(obj) : fieldValue(obj, r.path);
    if (r.negate ? v === r.value : v !== r.value) return false;
  }
  return true;
}
