import { readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

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

/**
 * `import ... from 'node:x'` in the bundle becomes `require('node:x')`. An ES import of a built-in
 * module makes Node build its ES facade, which reads every export, lazy getters included: `node:http`
 * then loads http2, tls, undici and 70 more internal modules, `node:util` 36, `node:crypto` 40. Their
 * code and source pages stay resident (about 8 MiB for the advertiser). `require` reads only what the
 * code uses; esbuild turns the named imports into property reads of the required module.
 */
const builtinsAsRequire: Plugin = {
  name: 'builtins-as-require',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      if (args.kind !== 'import-statement') return undefined;
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name)) return undefined;
      return { path: name, namespace: 'builtin-as-require' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin-as-require' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};

/**
 * prom-client's Pushgateway client and cluster aggregator, which bgpadvertiser never uses, left out
 * of the bundle: prom-client's index requires them eagerly, and they load https, tls, zlib and
 * cluster. In their place, a class that says so if it is ever constructed.
 */
const promClientUnused: Plugin = {
  name: 'prom-client-unused',
  setup(build) {
    build.onResolve({ filter: /^\.\/lib\/(pushgateway|cluster)$/ }, (args) =>
      /[/\\]prom-client[/\\]index\.js$/.test(args.importer)
        ? { path: args.path.slice('./lib/'.length), namespace: 'prom-client-unused' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'prom-client-unused' }, (args) => ({
      contents: `module.exports = class { constructor() { throw new Error("prom-client's ${args.path} is not part of bgpadvertiser's bundle"); } };`,
      loader: 'js',
    }));
  },
};

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
