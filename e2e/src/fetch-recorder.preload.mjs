// Loaded into a CLI under test with `node --import`: appends to $FETCH_LOG a `METHOD url` line for every fetch it
// sends and a `JSON url body` line for every JSON answer to a GET, so a test sees what a real CLI process sent and
// what it was told (which parts a resume found in storage) without changing the CLI.
// Plain JavaScript so any Node the wrapper accepts (22+) loads it without type stripping.
import { appendFileSync } from 'node:fs';

const log = process.env.FETCH_LOG;
const send = globalThis.fetch;
if (log) {
  globalThis.fetch = async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    appendFileSync(log, `${method} ${url}\n`);
    const res = await send(input, init);
    if (method === 'GET' && res.headers.get('content-type')?.startsWith('application/json')) {
      appendFileSync(log, `JSON ${url} ${JSON.stringify(await res.clone().json())}\n`);
    }
    return res;
  };
}
