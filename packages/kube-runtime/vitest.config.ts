import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] } },
  test: {
    name: '@bgplb/kube-runtime',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Informer, lease and HTTP tests run real servers on loopback; a loaded CI machine needs more than 5 s.
    testTimeout: 60_000,
  },
});
