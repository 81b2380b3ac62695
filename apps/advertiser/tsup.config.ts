import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// The node agent (src/agent, `bgpadvertiser agent`) is loaded by the CLI with a dynamic import of
// ./agent/index.js, so it is its own entry and lands in dist/agent/index.js.
const agentEntry = existsSync('src/agent/index.ts') ? { 'agent/index': 'src/agent/index.ts' } : {};

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', ...agentEntry },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Workspace libraries resolve to their built dist/ (the `import` condition), so the app ships
  // as a thin entry point over published packages.
});
