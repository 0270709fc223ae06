// The TypeScript half of ./reelforge (the bash half bootstraps Node and pnpm, then runs this).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ReelforgeError } from '@reelforge/client';
import { apiKeyCommand } from './apikey.command.js';
import { authCommand, deleteCommand, showCommand, videosCommand } from './client/api.commands.js';
import { UsageError } from './client/cli.config.js';
import { uploadCommand } from './client/upload.command.js';
import { ROOT } from './stack.config.js';
import { down, status, up } from './stack.js';
import { test } from './test.command.js';

const usage = `usage: ./reelforge <command>

  up                      install what is missing, start the local stack and the services, print where they listen
  down                    stop everything 'up' started
  status                  show each part, its health, address and log
  test [vitest args]      lint, typecheck, start the stack if needed, run every test
  transcode <in> <outdir> transcode a file into an HLS + MP4 ladder with thumbnails, without the pipeline
    [--chunks N]          the chunked path: N chunks encoded in parallel, then stitched (the same layout)
  apikey create NAME | list | revoke ID
                          API keys for analytics senders at events-ingest (MYSQL_URL, else the local stack's);
                          the key is printed once (docs/api-keys.md)

API commands (--api URL, or REELFORGE_API_URL; default http://127.0.0.1:8080; the token is kept in
$XDG_CONFIG_HOME/reelforge):
  register --email E --password-stdin    create an account and sign in
  login --email E --password-stdin       sign in
  upload FILE [--title T] [--public] [--wait] [--json] [--resume]
                          direct multipart upload with progress; --resume continues an interrupted one;
                          --wait follows the transcode; --json prints the final video resource
  videos [--json]         your videos
  show ID [--json]        one video: status and URLs
  delete ID               delete a video and its files

exit codes: 0 done; 1 refused by the API (its problem code is printed) or a failure; 2 usage; 3 the video
failed to transcode; 4 not signed in; 130 interrupted (Ctrl-C; an upload can --resume)
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
    case 'apikey':
      return apiKeyCommand(rest);
    case 'login':
    case 'register':
      return authCommand(command, rest);
    case 'upload':
      return uploadCommand(rest);
    case 'videos':
      return videosCommand(rest);
    case 'show':
      return showCommand(rest);
    case 'delete':
      return deleteCommand(rest);
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

// Red on a terminal; a plain line on a pipe, where scripts read it.
const fail = (line: string) => process.stderr.write(process.stderr.isTTY ? `\x1b[1;31m${line}\x1b[0m\n` : `${line}\n`);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (err instanceof ReelforgeError) {
      fail(`reelforge: ${err.code}: ${err.message}`);
      process.exit(1);
    }
    fail(`reelforge: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
