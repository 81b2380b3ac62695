import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Other workspace libraries resolve to their built dist/ (the `import` condition). Kubernetes
  // access is bundled: @kubernetes/client-node's config.js (KubeConfig) imports its whole
  // generated API, so loading it costs ~77 MB of RSS; bundled and tree-shaken, only what
  // kube-runtime uses is loaded. Importing the controller in a fresh process: 119-128 MB RSS
  // with client-node external, 100-101 MB bundled (docs/benchmarks.md, controller).
  noExternal: ['@bgplb/kube-runtime', '@kubernetes/client-node'],
  // V8 keeps every script's source in the heap. Without this the bundle's 3 MB chunk was kept as
  // 6 MB: a few comments of the bundled undici have characters beyond Latin-1 (’), which make
  // V8 store the whole source two bytes a character. Whitespace minification drops the comments
  // and the indentation (2 MB, one byte a character); names stay (as the advertiser's build).
  minifyWhitespace: true,
  esbuildOptions(options) {
    // The licence comments of bundled packages go to a file of their own beside the chunk
    // (chunk-*.js.LEGAL.txt): formdata-polyfill's names its author with an 'ä', and a single
    // non-ASCII character makes Node hand V8 the whole 2 MB chunk two bytes a character.
    options.legalComments = 'external';
  },
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
});
