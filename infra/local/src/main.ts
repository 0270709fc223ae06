// The TypeScript half of ./reelforge (the bash half bootstraps Node and pnpm, then runs this).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './stack.config.js';
import { down, status, up } from './stack.js';
import { test } from './test.command.js';

const usage = `usage: ./reelforge <command>

  up                      install what is missing, start the local stack and the services, print where they listen
  down                    stop everything 'up' started
  status                  show each part, its health, address and log
  test [vitest args]      lint, typecheck, start the stack if needed, run every test
  transcode <in> <outdir> transcode a file into an HLS + MP4 ladder with thumbnails, without the pipeline
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return (await status()) ? 0 : 1;
    case 'test':
      return test(rest);
    case 'transcode': {
      const r = spawnSync(process.execPath, [join(ROOT, 'services/transcoder/dist/cli.js'), ...rest], {
        stdio: 'inherit',
      });
      return r.status ?? 1;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\x1b[1;31mreelforge: ${err instanceof Error ? err.message : String(err)}\x1b[0m\n`);
    process.exit(1);
  },
);
