// POSTs one webhook without letting a URL reach what it must not: http(s) only, every address the host resolves to
// checked (@reelforge/core's address policy) inside the socket's own lookup, so the connection goes to a checked
// address and nothing resolves twice; no redirects; connect and total timeouts; at most a few KiB of the answer read.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { performance } from 'node:perf_hooks';
import { checkTargetUrl, classifyAddress } from '@reelforge/core';
import { Agent, request } from 'undici';
import type { AttemptResult } from './delivery.policy.js';

/** dns.lookup's shape with `all: true`: what a test replaces to make a name resolve where it wants. */
export type Resolver = (
  hostname: string,
  options: { all: true; family?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface SenderOptions {
  /** CIDRs allowed although not public (WEBHOOK_ALLOW_PRIVATE_TARGETS). */
  allow: readonly string[];
  connectTimeoutMs: number;
  timeoutMs: number;
  /** Of the answer's body, read and thrown away; the rest is not read. */
  maxBodyBytes?: number;
  resolve?: Resolver;
}

export type SendResult = AttemptResult & { latencyMs: number };

/** A target the policy refuses; its message is what the attempt log shows. */
export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
}

const defaultResolve: Resolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

function refusedIn(err: unknown): RefusedTarget | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof RefusedTarget) return e;
    if (e instanceof AggregateError) for (const inner of e.errors) if (inner instanceof RefusedTarget) return inner;
  }
  return null;
}

/** Why the request failed, for the owner: no internals beyond what their own URL implies. */
function describeFailure(err: unknown): string {
  const refused = refusedIn(err);
  if (refused) return refused.message;
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (err instanceof Error && (err.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT')) {
    return 'timed out waiting for the answer';
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out connecting';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return code ? `request failed (${code})` : 'request failed';
}

export class WebhookSender {
  private readonly agent: Agent;
  private readonly maxBodyBytes: number;

  constructor(private readonly opts: SenderOptions) {
    this.maxBodyBytes = opts.maxBodyBytes ?? 4096;
    const resolve = opts.resolve ?? defaultResolve;
    const allow = opts.allow;
    // Called by net/tls.connect for a host name (an address literal never reaches it: send() checks those).
    const lookup = (
      hostname: string,
      options: { all?: boolean; family?: number },
      callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      resolve(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (err, addresses) => {
        if (err) return callback(err, []);
        if (addresses.length === 0) return callback(new Error(`${hostname} has no address`), []);
        for (const a of addresses) {
          const verdict = classifyAddress(a.address, allow);
          if (!verdict.allowed) {
            return callback(
              new RefusedTarget(`refused: ${hostname} resolves to ${verdict.address} (${verdict.range})`),
              [],
            );
          }
        }
        const first = addresses[0] as LookupAddress;
        return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
      });
    };
    this.agent = new Agent({
      connect: { timeout: opts.connectTimeoutMs, lookup } as Agent.Options['connect'],
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      // One request per connection: a pooled socket would skip the lookup (and its check) next time.
      pipelining: 0,
      keepAliveTimeout: 1,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = checkTargetUrl(url, this.opts.allow);
    if (!target.allowed) return { statusCode: null, error: `refused: ${target.reason}`, latencyMs: elapsed() };
    try {
      const res = await request(target.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      // Only so the connection ends cleanly; what a receiver says is not ours to keep.
      let read = 0;
      for await (const chunk of res.body) {
        read += (chunk as Buffer).length;
        if (read >= this.maxBodyBytes) break;
      }
      res.body.destroy();
      return { statusCode: res.statusCode, error: null, latencyMs: elapsed() };
    } catch (err) {
      return { statusCode: null, error: describeFailure(err), latencyMs: elapsed() };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
