// A pass-through stream between the client and S3 that counts, hashes and sniffs the bytes. It holds back the
// first bytes until they are recognised as a video container, so a refused file sends S3 nothing at all.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '@reelforge/contracts';
import { SNIFF_BYTES, type SniffedContainer, sniffContainer } from '@reelforge/media';

export interface InspectedUpload {
  bytes: number;
  sha256: string;
  container: SniffedContainer;
}

export class UploadInspector extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  private bytes = 0;
  private container: SniffedContainer | null = null;
  private digest: string | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge = () => new AppError('TOO_LARGE', `the file is larger than ${maxBytes} bytes`),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(this.tooLarge());
      return;
    }
    this.hash.update(chunk);
    if (this.container) {
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) {
      done();
      return;
    }
    done(this.releaseHead());
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes === 0) {
      done(new AppError('EMPTY_INPUT', 'the file is empty'));
      return;
    }
    if (!this.container) {
      const err = this.releaseHead();
      if (err) {
        done(err);
        return;
      }
    }
    this.digest = this.hash.digest('hex');
    done();
  }

  /** Sniffs what was held back and lets it through, or returns the refusal. */
  private releaseHead(): AppError | null {
    const head = Buffer.concat(this.head);
    this.head = [];
    // Exactly the bytes the transcoder sniffs, however the chunks fell.
    this.container = sniffContainer(head.subarray(0, SNIFF_BYTES));
    if (!this.container) return new AppError('UNSUPPORTED_INPUT', 'the file is not a video container we recognise');
    this.push(head);
    return null;
  }

  /** Only after the stream ended cleanly. */
  result(): InspectedUpload {
    if (!this.container || this.digest === null) throw new Error('UploadInspector.result() before the stream ended');
    return { bytes: this.bytes, sha256: this.digest, container: this.container };
  }
}
