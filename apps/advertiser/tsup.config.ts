import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  // Keeps dist/bin (build:binary's single file and its input hash): a rebuild of the JS must not wipe it.
  clean: ['!bin/**'],
  target: 'node22',
  // Workspace libraries resolve to their built dist/ (the `import` condition), so the app ships
  // as a thin entry point over published packages.
});
