import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@reelforge/contracts';
import { SNIFF_BYTES } from '@reelforge/media';
import { describe, expect, it } from 'vitest';
import { UploadInspector } from './upload.inspector.js';

const mp4Head = () => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(32, 0);
  b.write('ftypisom', 4, 'latin1');
  return b;
};

async function run(chunks: Buffer[], max = 1 << 30) {
  const inspector = new UploadInspector(max);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.push(chunk);
      done();
    },
  });
  try {
    await pipeline(Readable.from(chunks), inspector, sink);
    return { result: inspector.result(), out: Buffer.concat(out) };
  } catch (err) {
    return { err: err as AppError, out: Buffer.concat(out) };
  }
}

describe('UploadInspector', () => {
  it('passes every byte through and reports their count and sha256', async () => {
    const body = Buffer.concat([mp4Head(), Buffer.alloc(100_000, 7)]);
    const chunks = [body.subarray(0, 10), body.subarray(10, 5000), body.subarray(5000)];
    const { result, out } = await run(chunks);
    expect(out.equals(body)).toBe(true);
    expect(result).toEqual({
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      container: { container: 'mov', contentType: 'video/mp4' },
    });
  });

  it('sniffs a file shorter than the sniff window when it ends', async () => {
    const { result, out } = await run([mp4Head()]);
    expect(result?.bytes).toBe(32);
    expect(out.length).toBe(32);
  });

  it('refuses a text file without letting any of it through', async () => {
    const { err, out } = await run([Buffer.alloc(SNIFF_BYTES * 3, 'a')]);
    expect(err).toBeInstanceOf(AppError);
    expect(err?.code).toBe('UNSUPPORTED_INPUT');
    expect(out.length).toBe(0);
  });

  it('refuses a file over the limit as TOO_LARGE', async () => {
    const { err } = await run([mp4Head(), Buffer.alloc(SNIFF_BYTES), Buffer.alloc(10)], SNIFF_BYTES + 32 + 5);
    expect(err?.code).toBe('TOO_LARGE');
  });

  it('accepts a file of exactly the limit', async () => {
    const { result } = await run([mp4Head(), Buffer.alloc(68)], 100);
    expect(result?.bytes).toBe(100);
  });

  it('refuses an empty file as EMPTY_INPUT', async () => {
    const { err } = await run([]);
    expect(err?.code).toBe('EMPTY_INPUT');
  });
});
