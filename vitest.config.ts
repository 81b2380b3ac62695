import { defineConfig } from 'vitest/config';

// One root config, one project per workspace package (each package's vitest.config.ts).
// Coverage is reported per package; libraries must keep 90% of lines covered.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'e2e'],
    coverage: {
      provider: 'v8',
      // The second pattern serves `vitest run --project X --coverage`, whose coverage root is the
      // project's own directory.
      include: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'src/**/*.ts'],
      exclude: [
        '**/*.test.ts',
        '**/*.d.ts',
        '**/test-support/**',
        'apps/*/src/cli.ts',
        'apps/*/src/run-cli.ts',
        // The single-file binary's entry (one import), run by the binary's own e2e test.
        'apps/*/src/sea-main.ts',
      ],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'packages/bgp-wire/src/**': { lines: 90 },
        'packages/bgp-fsm/src/**': { lines: 90 },
        'packages/bfd/src/**': { lines: 90 },
        'packages/floating-ip-allocator/src/**': { lines: 90 },
        'packages/api-types/src/**': { lines: 90 },
        'packages/kube-runtime/src/**': { lines: 90 },
        'packages/clock/src/**': { lines: 90 },
        'packages/test-apiserver/src/**': { lines: 80 },
        'apps/controller/src/**': { lines: 60 },
        'apps/advertiser/src/**': { lines: 60 },
      },
    },
  },
});
