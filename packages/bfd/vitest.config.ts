import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] } },
  test: {
    name: '@bgplb/bfd',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The FRR interop suite waits for sessions at the 1 s slow rate on a loaded machine.
    testTimeout: 60_000,
  },
});
