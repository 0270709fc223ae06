// Loaded into a CLI under test with `node --import`: appends `METHOD url` of every fetch it sends to $FETCH_LOG, so
// a test counts the part PUTs a real CLI process made without changing the CLI.
import { appendFileSync } from 'node:fs';

const log = process.env.FETCH_LOG;
const send = globalThis.fetch;
if (log) {
  globalThis.fetch = (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    appendFileSync(log, `${method} ${url}\n`);
    return send(input, init);
  };
}
