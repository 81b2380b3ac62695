import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Workspace libraries resolve to their built dist/ (the `import` condition), so the app ships
  // as a thin entry point over published packages.
});
