import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * What the control-plane command loads at start: the modules statically reachable from run-cli.ts
 * (dynamic imports are loaded on demand by the other commands and modes). Every module kept off this
 * path is RSS the manual procedure does not pay (docs/benchmarks.md, "advertiser control-plane mode").
 */
async function staticImports(): Promise<Set<string>> {
  const result = await build({
    absWorkingDir: join(import.meta.dirname, '..'),
    entryPoints: ['src/run-cli.ts'],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@bgplb/source'],
    external: ['@kubernetes/client-node'],
    logLevel: 'silent',
  });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const seen = new Set<string>();
  const todo = ['src/run-cli.ts'];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? [])
      if (i.kind === 'import-statement' || i.kind === 'require-call') todo.push(i.path);
  }
  return seen;
}

describe('the control-plane command at start', () => {
  it('loads the advertiser config schema, not zod classic, the other kinds, the agent, the Kubernetes client or node:crypto', async () => {
    const files = [...(await staticImports())];
    const has = (re: RegExp) => files.filter((f) => re.test(f));
    // The check can see what it looks for: the advertiser config's own modules are there.
    expect(has(/api-types\/src\/schemas\/advertiser-config\.ts$/)).toHaveLength(1);
    expect(has(/api-types\/src\/advertiser-config-file\.ts$/)).toHaveLength(1);
    expect(has(/zod/).length).toBeGreaterThan(0);
    // zod's classic API (about 12 MiB at import, docs/benchmarks.md): the config schemas use the mini
    // one (api-types' schemas/zod-mini.ts), which the classic API's entry and modules are not part of.
    expect(has(/node_modules\/zod\/v4\/mini\//).length).toBeGreaterThan(0);
    expect(has(/node_modules\/zod\/(index\.js|v4\/classic\/)/)).toEqual([]);
    expect(has(/api-types\/src\/schemas\/primitives\.ts$/)).toEqual([]);
    // Every kind's schema (parse.ts), the Cluster's rules, the file validator and the CRDs: on demand.
    expect(
      has(/api-types\/src\/(parse|validate-files|validate-cluster|cluster-config-file|crds)\.ts$/),
    ).toEqual([]);
    expect(has(/api-types\/src\/schemas\/(cluster|bgp-advertised-route|bgp-session)\.ts$/)).toEqual([]);
    expect(has(/advertiser\/src\/(agent|live|preflight)\//)).toEqual([]);
    expect(has(/client-node/)).toEqual([]);
    expect(has(/^(node:)?crypto$/)).toEqual([]);
  });
});
