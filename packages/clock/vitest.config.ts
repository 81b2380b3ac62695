import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@bgplb/source', 'import', 'node', 'default'] } },
  test: {
    name: '@bgplb/clock',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
