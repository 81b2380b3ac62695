import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/process.ts', 'src/node-version.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
