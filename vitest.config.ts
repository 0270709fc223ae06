import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { defineConfig } from 'vitest/config';

// `./reelforge up` writes where the local stack listens; variables already set (CI, Docker users) win.
const stackEnvFile = new URL('./.reelforge/local.env', import.meta.url);
const stackEnv = existsSync(stackEnvFile) ? parseEnv(readFileSync(stackEnvFile, 'utf8')) : {};
const intEnv = Object.fromEntries(Object.entries(stackEnv).filter(([k]) => process.env[k] === undefined));

// Unit tests need nothing running; integration tests (*.int.test.ts) use the local stack named by env.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,infra,apps}/*/src/**/*.test.ts', 'infra/local/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        test: {
          name: 'int',
          env: intEnv as Record<string, string>,
          include: [
            '{packages,services}/*/src/**/*.int.test.ts',
            'infra/local/src/**/*.int.test.ts',
            'e2e/src/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
