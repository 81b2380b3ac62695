import { join } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** run-cli.ts bundled from source for the Node ESM build (both checks below read its metafile). */
const RUN_CLI_BUNDLE = {
  absWorkingDir: join(import.meta.dirname, '..'),
  entryPoints: ['src/run-cli.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  conditions: ['@bgplb/source'],
  external: ['@kubernetes/client-node'],
  logLevel: 'silent',
} satisfies BuildOptions;

/**
 * What the control-plane command loads at start: the modules statically reachable from run-cli.ts
 * (dynamic imports are loaded on demand by the other commands and modes). Every module kept off this
 * path is RSS the manual procedure does not pay (docs/benchmarks.md, "advertiser control-plane mode").
 */
async function staticImports(): Promise<Set<string>> {
  const result = await build({ ...RUN_CLI_BUNDLE, write: false, metafile: true });
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

/**
 * The source files in the chunks loaded at start when the CLI is split per command as tsup splits
 * dist/cli.js: esbuild puts a file in a chunk by which entries reach it, not by which use it, so a
 * file reached from run-cli.ts but used only by a lazy command still loads at start. This is how all
 * 64 zod locales (300 kB) sat in the control-plane command's chunk: `zod/v4/core` re-exports them,
 * and zod's classic `z` namespace, used by the other commands' schemas, kept them live.
 */
async function filesInStartChunks(): Promise<string[]> {
  const result = await build({
    ...RUN_CLI_BUNDLE,
    splitting: true,
    write: false,
    outdir: 'split',
    metafile: true,
  });
  const outputs = result.metafile.outputs;
  const start = Object.keys(outputs).find((o) => outputs[o]?.entryPoint === 'src/run-cli.ts');
  const files: string[] = [];
  const seen = new Set<string>();
  const todo = start === undefined ? [] : [start];
  for (let chunk = todo.pop(); chunk !== undefined; chunk = todo.pop()) {
    if (seen.has(chunk)) continue;
    seen.add(chunk);
    const out = outputs[chunk];
    for (const [input, { bytesInOutput }] of Object.entries(out?.inputs ?? {}))
      if (bytesInOutput > 0) files.push(input);
    for (const i of out?.imports ?? []) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  return files;
}

describe('the control-plane command at start', () => {
  it("loads one zod locale and none of zod's classic API, split per command as dist/cli.js is", async () => {
    const files = await filesInStartChunks();
    const has = (re: RegExp) => files.filter((f) => re.test(f));
    expect(has(/api-types\/src\/schemas\/advertiser-config\.ts$/)).toHaveLength(1);
    expect(has(/node_modules\/zod\/v4\/locales\//).map((f) => f.replace(/.*\//, ''))).toEqual(['en.js']);
    expect(has(/node_modules\/zod\/(index\.js|v4\/classic\/)/)).toEqual([]);
  });

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
    // `node:fs/promises` loads about 20 more of Node's internal modules (its FileHandle, readline's
    // interface): 0.8 MiB (docs/benchmarks.md). The check sees built-ins: net and dgram are there.
    expect(new Set(has(/^(node:)?(net|dgram)$/).map((f) => f.replace(/^node:/, ''))).size).toBe(2);
    expect(has(/^(node:)?fs\/promises$/)).toEqual([]);
  });
});
