import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { builtinsAsRequire, promClientUnused } from './bundle-plugins.js';

/**
 * Two builds into dist/:
 * - the library (`index`, what `@bgplb/advertiser` exports): a thin layer over the published
 *   packages, which it imports;
 * - the `bgpadvertiser` command (`cli`), bundled with its dependencies and split per command
 *   (every command is a lazily imported chunk), so that the control-plane advertiser loads few,
 *   large modules instead of ~600 small ones (docs/benchmarks.md, "Idle cost").
 * Both write to dist/, so neither cleans it (tsup runs them at once): stale chunks are removed here,
 * when the config loads, keeping dist/bin (build:binary's single file and its input hash).
 */
const dist = join(import.meta.dirname, 'dist');
try {
  for (const e of readdirSync(dist)) if (e !== 'bin') rmSync(join(dist, e), { recursive: true, force: true });
} catch {
  // no dist/ yet
}

const common: Options = {
  format: ['esm'],
  sourcemap: true,
  clean: false,
  target: 'node22',
};

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts' },
    dts: { entry: 'src/index.ts' },
    // Workspace libraries resolve to their built dist/ (the `import` condition).
  },
  {
    ...common,
    entry: { cli: 'src/cli.ts' },
    // Everything but the Kubernetes client (loaded only by `agent`, which imports it from
    // node_modules as before: bundling it would change nothing for the control-plane command).
    noExternal: [/^(?!@kubernetes\/client-node)/],
    esbuildPlugins: [builtinsAsRequire, promClientUnused],
    // V8 keeps every script's source in memory: whitespace is 40% of it. Not full minification:
    // it makes V8 compile more functions eagerly (more malloc'd memory, scripts/build-binary.mjs).
    minifyWhitespace: true,
    // tsup's own plugin would take every `node:` import first (it strips the prefix, external).
    removeNodeProtocol: false,
    // Bundled CommonJS dependencies (pino, prom-client, yaml...) call require(): an ES module has none.
    banner: {
      js: "import { createRequire as __bgplbCreateRequire } from 'node:module'; const require = __bgplbCreateRequire(import.meta.url);",
    },
  },
]);
