import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] } },
  test: {
    name: '@bgplb/floating-ip-allocator',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Property tests run thousands of placements; on a loaded CI machine they need more than 5 s.
    testTimeout: 60_000,
  },
});
