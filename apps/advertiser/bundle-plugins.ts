import { builtinModules } from 'node:module';
import type { Plugin } from 'esbuild';

/*
 * The esbuild plugins of dist/cli.js's bundle (tsup.config.ts), also used by bench/library-cost.ts
 * so that each library is measured as the CLI bundles it.
 */

/**
 * `import ... from 'node:x'` in the bundle becomes `require('node:x')`. An ES import of a built-in
 * module makes Node build its ES facade, which reads every export, lazy getters included: `node:http`
 * then loads http2, tls, undici and 70 more internal modules, `node:util` 36, `node:crypto` 40. Their
 * code and source pages stay resident (about 8 MiB for the advertiser). `require` reads only what the
 * code uses; esbuild turns the named imports into property reads of the required module.
 */
export const builtinsAsRequire: Plugin = {
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
 * cluster. In their place, a class that says so if it is ever constructed. Also
 * `@opentelemetry/api` (51 modules, 0.9 MiB of RSS), which prom-client's process CPU metric requires
 * at load but reads only for exemplars, which bgpadvertiser never enables: in its place, an object
 * that says so if it is ever read.
 */
export const promClientUnused: Plugin = {
  name: 'prom-client-unused',
  setup(build) {
    build.onResolve({ filter: /^\.\/lib\/(pushgateway|cluster)$/ }, (args) =>
      /[/\\]prom-client[/\\]index\.js$/.test(args.importer)
        ? { path: args.path.slice('./lib/'.length), namespace: 'prom-client-unused' }
        : undefined,
    );
    build.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
      /[/\\]prom-client[/\\]lib[/\\]metrics[/\\]processCpuTotal\.js$/.test(args.importer)
        ? { path: 'opentelemetry', namespace: 'prom-client-unused' }
        : undefined,
    );
    build.onLoad({ filter: /^opentelemetry$/, namespace: 'prom-client-unused' }, () => ({
      contents: `module.exports = new Proxy({}, { get(_t, key) { throw new Error("@opentelemetry/api (prom-client's exemplars, " + String(key) + ") is not part of bgpadvertiser's bundle"); } });`,
      loader: 'js',
    }));
    build.onLoad({ filter: /^(pushgateway|cluster)$/, namespace: 'prom-client-unused' }, (args) => ({
      contents: `module.exports = class { constructor() { throw new Error("prom-client's ${args.path} is not part of bgpadvertiser's bundle"); } };`,
      loader: 'js',
    }));
  },
};
