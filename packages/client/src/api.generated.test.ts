// The checked-in types are what openapi-typescript makes of the checked-in OpenAPI document: regenerate with
// `pnpm --filter @reelforge/client generate` after `pnpm --filter @reelforge/upload-api openapi`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

it('is generated from the current services/upload-api/openapi.json', async () => {
  const out = join(await mkdtemp(join(tmpdir(), 'rf-client-')), 'api.ts');
  await promisify(execFile)(
    join(pkg, 'node_modules/.bin/openapi-typescript'),
    ['../../services/upload-api/openapi.json', '-o', out],
    { cwd: pkg },
  );
  expect(await readFile(join(pkg, 'src/api.generated.ts'), 'utf8')).toBe(await readFile(out, 'utf8'));
});
