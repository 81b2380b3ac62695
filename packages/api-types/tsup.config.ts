import { defineConfig } from 'tsup';

export default defineConfig({
  // The main entry, and the advertiser config alone (`@bgplb/api-types/advertiser-config`): a
  // program that reads only that file does not build every CRD schema at import.
  entry: ['src/index.ts', 'src/advertiser-config.ts'],
  format: ['esm', 'cjs'],
  // Both entries share their modules through chunks, in CommonJS too: one copy of each schema,
  // whichever entry a program loads (tsup splits ESM by default, CommonJS only when asked).
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  // crdDirectory uses import.meta.url; shims make it work in the CJS build too.
  shims: true,
  target: 'node22',
});
