import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // crdDirectory uses import.meta.url; shims make it work in the CJS build too.
  shims: true,
  target: 'node22',
});
