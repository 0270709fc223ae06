// `./reelforge test`: lint, typecheck, start the stack if it is not up, run every test, and stop what it started.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { services } from './services.js';
import { ROOT, STATE_DIR, stackEnv } from './stack.config.js';
import { down, isStackUp, upStack } from './stack.js';

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const log = (s: string) => process.stderr.write(`\x1b[1mreelforge\x1b[0m ${s}\n`);

function step(what: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  log(what);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

export async function test(args: string[]): Promise<number> {
  const failures: string[] = [];
  if (!step('lint (biome)', bin('biome'), ['check', '.'])) failures.push('lint');
  if (!step('typecheck (sources and tests)', bin('tsc'), ['-p', 'tsconfig.json'])) failures.push('typecheck');

  const startedHere = !(await isStackUp());
  try {
    if (startedHere) log('starting the local stack for the integration tests');
    await upStack();
    const env = stackEnv();
    for (const setup of services.setup) await setup(env, log);

    const results = join(STATE_DIR, 'test-results.json');
    rmSync(results, { force: true });
    step(
      'tests (vitest: unit + integration)',
      bin('vitest'),
      ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...args],
      env,
    );
    const counts = existsSync(results)
      ? (JSON.parse(readFileSync(results, 'utf8')) as {
          numPassedTests: number;
          numFailedTests: number;
          numPendingTests: number;
          numTotalTests: number;
        })
      : undefined;
    if (!counts || counts.numFailedTests > 0 || counts.numTotalTests === 0) failures.push('tests');

    process.stdout.write(
      `\nreelforge: ${counts?.numPassedTests ?? 0} passed, ${counts?.numFailedTests ?? 0} failed${counts?.numPendingTests ? `, ${counts.numPendingTests} skipped` : ''}\n`,
    );
  } finally {
    if (startedHere && !process.env.REELFORGE_KEEP_STACK) {
      log('stopping the local stack this run started (REELFORGE_KEEP_STACK=1 keeps it)');
      await down();
    }
  }
  if (failures.length) log(`FAILED: ${failures.join(', ')}`);
  return failures.length ? 1 : 0;
}
