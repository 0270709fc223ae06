// A webhook receiver for tests: an HTTP server on 127.0.0.1 that verifies every request's Standard Webhooks
// signature with the PyPI `standardwebhooks` library (webhook_verify.py, in the venv `./reelforge up` installs at
// STANDARDWEBHOOKS_PYTHON) — not with the code that signed it — and answers what the test scripts.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const verifyScript = fileURLToPath(new URL('../webhook_verify.py', import.meta.url));

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The body as the Python library parsed it after verifying; null when verification failed. */
  verified: unknown;
  /** Why verification failed; null when it passed. */
  verifyError: string | null;
  /** What the receiver answered. */
  status: number;
}

/** Runs the Python verifier on one request. */
export function verifyWithPython(
  secret: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ ok: true; parsed: unknown } | { ok: false; error: string }> {
  const python = process.env.STANDARDWEBHOOKS_PYTHON;
  if (!python) {
    throw new Error(
      'STANDARDWEBHOOKS_PYTHON is not set: run `./reelforge up` to install it and write .reelforge/local.env',
    );
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [verifyScript, secret],
      { env: { ...process.env, WEBHOOK_HEADERS: JSON.stringify(headers) }, timeout: 30_000 },
      (err, stdout) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve(err ? { ok: false, error: stdout.trim() } : { ok: true, parsed: JSON.parse(stdout) });
      },
    );
    child.stdin?.end(body);
  });
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Statuses to answer, in order; once used up, `fallback`. */
  script: number[] = [];
  fallback = 204;
  /** Called before answering (a test may hold the answer, or kill something). */
  onRequest: ((r: Omit<ReceivedWebhook, 'status'>) => Promise<void> | void) | undefined;

  private constructor(
    private readonly server: Server,
    /** Secrets to verify with; any one verifying is enough (a rotation's old and new). */
    public secrets: string[],
  ) {}

  static async start(secrets: string[] = []): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, secrets);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void receiver.handle(req.headers, Buffer.concat(chunks).toString('utf8')).then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(500).end(),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Verified deliveries only. */
  get verified(): ReceivedWebhook[] {
    return this.received.filter((r) => r.verifyError === null);
  }

  private async handle(headers: IncomingHttpHeaders, body: string): Promise<number> {
    const h = {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    };
    let verified: unknown = null;
    let verifyError: string | null = 'no secret to verify with';
    for (const secret of this.secrets) {
      const result = await verifyWithPython(secret, h, body);
      if (result.ok) {
        verified = result.parsed;
        verifyError = null;
        break;
      }
      verifyError = result.error;
    }
    const request = {
      webhookId: h['webhook-id'],
      timestamp: h['webhook-timestamp'],
      signature: h['webhook-signature'],
      body,
      verified,
      verifyError,
    };
    await this.onRequest?.(request);
    const status = this.script.shift() ?? this.fallback;
    this.received.push({ ...request, status });
    return status;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
