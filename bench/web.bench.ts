// The web app's production build: how long Vite takes and what a browser downloads on a first visit (every file of
// apps/web/dist/public), raw, gzip and brotli. Target: the whole first load ≤ 200 KB gzip (hls.js is most of it).
//
//   node bench/web.bench.ts        # builds @reelforge/web (server + app), then measures; needs no stack
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'apps/web/dist/public');
const TARGET_GZIP = 200 * 1024;

const started = performance.now();
const build = spawnSync('pnpm', ['--filter', '@reelforge/web', 'build'], { cwd: root, encoding: 'utf8' });
const buildSec = (performance.now() - started) / 1000;
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.exit(1);
}

const files = (readdirSync(out, { recursive: true }) as string[])
  .map((f) => join(out, f))
  .filter((f) => statSync(f).isFile());
const rows = files.map((path) => {
  const bytes = readFileSync(path);
  return {
    file: relative(out, path),
    raw: bytes.length,
    // What the web server or CloudFront would send with compression on: gzip at zlib's default, brotli at 11.
    gzip: gzipSync(bytes).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  raw: 0,
  gzip: 0,
  brotli: 0,
});
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

for (const r of rows.sort((a, b) => b.raw - a.raw)) {
  console.log(
    `${r.file.padEnd(36)} ${kb(r.raw).padStart(10)} ${kb(r.gzip).padStart(10)} gzip ${kb(r.brotli).padStart(10)} br`,
  );
}
console.log(
  `${'total'.padEnd(36)} ${kb(total.raw).padStart(10)} ${kb(total.gzip).padStart(10)} gzip ${kb(total.brotli).padStart(10)} br`,
);
console.log(`build (tsc server + tsc app + vite): ${buildSec.toFixed(1)} s`);
console.log(`target ≤ ${kb(TARGET_GZIP)} gzip: ${total.gzip <= TARGET_GZIP ? 'met' : 'NOT met'}`);
console.log(
  `\n${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${(totalmem() / 1e9).toFixed(1)} GB · ` +
    `Linux ${release()} · Node ${process.versions.node} · load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
);
