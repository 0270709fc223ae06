// The HTTP surface that needs no database: authentication refusals, rate limits, body limits, problem details, and
// the OpenAPI document (valid 3.1, equal to the route table and to the checked-in file).
import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOfflineApp, generateOpenApi, openApiText } from './openapi.document.js';

type App = Awaited<ReturnType<typeof buildOfflineApp>>;
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const videoId = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

/** Every (METHOD path) the app serves, from fastify's route tree, in OpenAPI's `{param}` form. */
function routeTable(tree: string): string[] {
  const out: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length;
    while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
    const path = (stack.at(-1)?.path ?? '') + (m[2] ?? '');
    stack.push({ depth, path });
    for (const method of (m[3] ?? '').split(', ')) {
      if (method !== 'HEAD') out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out.sort();
}

describe('authentication', () => {
  it('refuses every write without a bearer token, as problem+json', async () => {
    app = await buildOfflineApp();
    for (const [method, url] of [
      ['POST', '/v1/videos'],
      ['GET', '/v1/videos'],
      ['PATCH', `/v1/videos/${videoId}`],
      ['DELETE', `/v1/videos/${videoId}`],
      ['POST', '/v1/uploads'],
      ['GET', `/v1/uploads/${videoId}`],
      ['POST', `/v1/uploads/${videoId}/complete`],
    ] as const) {
      const res = await app.inject({ method, url });
      expect([method, url, res.statusCode]).toEqual([method, url, 401]);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', status: 401, instance: url });
    }
  });

  it('refuses a token signed with another secret, and an expired one', async () => {
    app = await buildOfflineApp({ jwtSecret: 'the-real-secret-of-this-deployment-0001' });
    const other = await buildOfflineApp({ jwtSecret: 'an-attackers-guess-at-the-secret-00001' });
    const forged = other.jwt.sign({ sub: 'u1' });
    await other.close();
    const expired = app.jwt.sign({ sub: 'u1' }, { expiresIn: -10 });
    for (const token of [forged, expired, 'not-a-jwt']) {
      const res = await app.inject({ method: 'GET', url: '/v1/videos', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });
});

describe('limits', () => {
  it('limits requests per IP with Retry-After', async () => {
    app = await buildOfflineApp({ rateLimit: { windowSec: 60, ipMax: 2, userMax: 100, authMax: 10 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await app.inject({ method: 'POST', url: '/v1/videos' })).statusCode);
    expect(codes).toEqual([401, 401, 429]);
    const res = await app.inject({ method: 'POST', url: '/v1/videos' });
    expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has its own budget.
    expect((await app.inject({ method: 'POST', url: '/v1/videos', remoteAddress: '10.9.9.9' })).statusCode).toBe(401);
  });

  it('limits requests per user, whichever address they come from', async () => {
    app = await buildOfflineApp({ rateLimit: { windowSec: 60, ipMax: 100, userMax: 2, authMax: 10 } });
    const headers = { authorization: `Bearer ${app.jwt.sign({ sub: 'u1' })}`, 'content-type': 'application/json' };
    const codes = [];
    for (const remoteAddress of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      codes.push(
        (await app.inject({ method: 'POST', url: '/v1/videos', headers, payload: '{}', remoteAddress })).statusCode,
      );
    }
    // Not multipart: 400 until the user's budget is spent, then 429 — reads with the token count too.
    expect(codes).toEqual([400, 400, 429]);
    const read = await app.inject({ method: 'GET', url: `/v1/videos/${videoId}`, headers });
    expect([read.statusCode, read.json().code]).toEqual([429, 'RATE_LIMITED']);
    const other = { authorization: `Bearer ${app.jwt.sign({ sub: 'u2' })}`, 'content-type': 'application/json' };
    expect((await app.inject({ method: 'POST', url: '/v1/videos', headers: other, payload: '{}' })).statusCode).toBe(
      400,
    );
  });

  it('gives register and login a tighter per-IP budget of their own', async () => {
    app = await buildOfflineApp({ rateLimit: { windowSec: 60, ipMax: 100, userMax: 100, authMax: 2 } });
    const codes = [];
    for (const url of ['/v1/auth/login', '/v1/auth/login', '/v1/auth/login', '/v1/auth/register']) {
      codes.push((await app.inject({ method: 'POST', url, payload: { email: 'x' } })).statusCode);
    }
    expect(codes).toEqual([400, 400, 429, 400]);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses an announced oversize upload before reading it', async () => {
    app = await buildOfflineApp({ maxUploadBytes: 1000 });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: {
        authorization: `Bearer ${app.jwt.sign({ sub: 'u1' })}`,
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(10 * 1024 * 1024),
      },
      payload: '--x--\r\n',
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('TOO_LARGE');
  });

  it('refuses a JSON body over the body limit', async () => {
    app = await buildOfflineApp({ bodyLimitBytes: 100 });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(200) }),
    });
    expect([res.statusCode, res.json().code]).toEqual([413, 'TOO_LARGE']);
  });
});

describe('problem details', () => {
  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    app = await buildOfflineApp();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', type: 'urn:reelforge:problem:bad-request' });
  });

  it('names the fields that failed validation', async () => {
    app = await buildOfflineApp();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'not-an-email', password: 'short' },
    });
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['body/email', 'body/password']);
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    app = await buildOfflineApp();
    const res = await app.inject({ method: 'GET', url: '/v2/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', instance: '/v2/nothing' });
  });

  it('hides what went wrong inside from a 5xx body', async () => {
    app = await buildOfflineApp();
    const token = app.jwt.sign({ sub: 'u1' });
    // The database URL points nowhere: the query fails with the address in its message.
    const res = await app.inject({ method: 'GET', url: '/v1/videos', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      code: 'INTERNAL',
      detail: 'The server could not complete the request; try again later.',
    });
    expect(res.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|nobody/);
  });
});

describe('security headers', () => {
  it('sends helmet headers on API answers and refusals alike', async () => {
    app = await buildOfflineApp();
    for (const url of ['/healthz', '/v1/videos']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
    }
  });
});

describe('streamed upload refusals before any body is read', () => {
  it('refuses a body that is not multipart with 400, before the quota is asked (no database here)', async () => {
    app = await buildOfflineApp();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: { authorization: `Bearer ${app.jwt.sign({ sub: 'u1' })}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('readiness', () => {
  const ok = async () => {};
  const down = async () => Promise.reject(new Error('connect ECONNREFUSED'));

  it('is ready when MySQL and S3 answer, even when Kafka does not, and says nothing more', async () => {
    app = await buildOfflineApp({}, { readiness: { mysql: ok, s3: ok }, optionalReadiness: { kafka: down } });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('is not ready while MySQL or S3 does not answer, and does not say which or why', async () => {
    app = await buildOfflineApp({}, { readiness: { mysql: down, s3: ok }, optionalReadiness: { kafka: ok } });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect([res.statusCode, res.json()]).toEqual([503, { status: 'unavailable' }]);
    expect(res.body).not.toMatch(/mysql|ECONNREFUSED/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('methods', () => {
  it('answers a known path asked with a method it lacks 405, with Allow, before reading any body', async () => {
    app = await buildOfflineApp();
    for (const [method, url, allow] of [
      ['TRACE', '/healthz', 'GET, HEAD'],
      ['PUT', '/v1/videos', 'GET, HEAD, POST'],
      ['QUERY', `/v1/videos/${videoId}`, 'DELETE, GET, HEAD, PATCH'],
      ['DELETE', `/v1/uploads/${videoId}/complete`, 'POST'],
    ] as const) {
      const res = await app.inject({ method: method as 'GET', url });
      expect([method, url, res.statusCode, res.headers.allow]).toEqual([method, url, 405, allow]);
      expect(res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', status: 405, instance: url });
    }
    // An unknown path stays a 404.
    const res = await app.inject({ method: 'TRACE', url: '/v1/nothing-here' });
    expect([res.statusCode, res.headers.allow, res.json().code]).toEqual([404, undefined, 'NOT_FOUND']);
  });
});

describe('OpenAPI', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(await generateOpenApi());
    expect(result.errors).toBeUndefined();
    expect([result.valid, validator.version]).toEqual([true, '3.1']);
  });

  it('lists exactly the routes the app serves', async () => {
    app = await buildOfflineApp();
    const served = routeTable(app.printRoutes({ commonPrefix: false })).filter((r) => !r.includes(' /docs'));
    const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    expect(served).toContain('POST /v1/uploads/{id}/complete');
  });

  it('is checked in as generated (run `pnpm --filter @reelforge/upload-api openapi` after changing a route)', async () => {
    const checkedIn = await readFile(new URL('../openapi.json', import.meta.url), 'utf8');
    expect(checkedIn).toBe(openApiText(await generateOpenApi()));
  });

  it('serves the document at /openapi.json and Swagger UI at /docs', async () => {
    app = await buildOfflineApp();
    const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.json().openapi).toBe('3.1.0');
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect([docs.statusCode, docs.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
  });

  it('keeps Swagger UI working under the CSP: every script is a same-origin file, and what it loads answers', async () => {
    app = await buildOfflineApp();
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    // An inline <script> would be blocked by script-src 'self'; the page must have none.
    const scripts = [...docs.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(attrs).toMatch(/src="\.?\/?[\w./-]+"/);
      expect(inline?.trim()).toBe('');
    }
    for (const [, attrs] of scripts) {
      const src = /src="([^"]+)"/.exec(attrs ?? '')?.[1] as string;
      const res = await app.inject({ method: 'GET', url: new URL(src, 'http://x/docs/').pathname });
      expect([src, res.statusCode]).toEqual([src, 200]);
    }
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).json().openapi).toBe('3.1.0');
  });
});
