/** Splits a Kubernetes label selector `a=b,c=d` into a map (equality terms only). */
export function parseEqualitySelector(selector: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const term of selector.split(',').filter(Boolean)) {
    const [k, v] = term.split('=');
    if (k === undefined || v === undefined) throw new Error(`unsupported selector term: ${term}`);
    out.set(k.trim(), v.trim());
  }
  return out;
}
