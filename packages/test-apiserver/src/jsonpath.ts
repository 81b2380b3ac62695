/**
 * The "simple JSONPath" subset that CRD `additionalPrinterColumns` allow:
 * `.spec.localASN`, `.status.conditions[0].type`, `.metadata.labels['app.kubernetes.io/name']`,
 * `.spec.nextHops[*]`, optionally wrapped in `{ }`. Returns every match in order.
 */
type Step = { key: string } | { index: number } | { wildcard: true };

export function parseJsonPath(path: string): Step[] {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    const ch = p[i];
    if (ch === '.') {
      i++;
      let key = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') key += p[i++];
      if (key === '*') steps.push({ wildcard: true });
      else if (key !== '') steps.push({ key });
      continue;
    }
    if (ch === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) throw new Error(`unterminated [ in JSONPath ${path}`);
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ wildcard: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else throw new Error(`unsupported JSONPath step [${inner}] in ${path}`);
      continue;
    }
    throw new Error(`unsupported JSONPath ${path}`);
  }
  return steps;
}

export function evalJsonPath(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || v === undefined) continue;
      if ('key' in step) {
        if (typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.key)) {
          next.push((v as Record<string, unknown>)[step.key]);
        }
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const idx = step.index < 0 ? v.length + step.index : step.index;
          if (idx >= 0 && idx < v.length) next.push(v[idx]);
        }
      } else if (Array.isArray(v)) {
        next.push(...v);
      } else if (typeof v === 'object') {
        next.push(...Object.values(v));
      }
    }
    current = next;
  }
  return current;
}
