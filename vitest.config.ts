import { defineConfig } from 'vitest/config';

// Unit tests need nothing running; integration tests (*.int.test.ts) use the local stack named by env.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,infra}/*/src/**/*.test.ts', 'infra/local/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['{packages,services}/*/src/**/*.int.test.ts', 'infra/local/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
