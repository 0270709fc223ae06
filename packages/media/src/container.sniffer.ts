// Decides which demuxer may read an upload from its first bytes, never from its name or from ffmpeg's own guess:
// a playlist, concat script or image renamed `.mp4` must never reach a demuxer that follows references. The upload
// API refuses with this same function on the same bytes, so it never accepts a file the transcoder refuses.

/** Demuxers of real containers. None of them opens another file or URL named inside the input. */
export const containerWhitelist = ['mov', 'matroska', 'mpegts', 'mpeg', 'avi', 'flv', 'asf', 'ogg'] as const;
export type Container = (typeof containerWhitelist)[number];

export interface SniffedContainer {
  /** The demuxer ffprobe and ffmpeg are forced to use. */
  container: Container;
  /** What the upload is recorded as. */
  contentType: string;
}

/** How many leading bytes `sniffContainer` reads: three M2TS packets (4 + 2 × 192 + 1) fit, and every header. */
export const SNIFF_BYTES = 512;

// The top-level boxes an MP4/QuickTime file may start with (old QuickTime writers lead with `wide` or `mdat`).
const movBoxes = new Set(['moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);
const ascii = (b: Uint8Array, at: number, len: number) =>
  b.length >= at + len ? String.fromCharCode(...b.subarray(at, at + len)) : '';
const startsWith = (b: Uint8Array, bytes: number[], at = 0) =>
  b.length >= at + bytes.length && bytes.every((v, i) => b[at + i] === v);
const uint32 = (b: Uint8Array, at: number) =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;

export function sniffContainer(head: Uint8Array): SniffedContainer | null {
  return isoBmff(head) ?? matroska(head) ?? otherSignatures(head) ?? transportStream(head);
}

function isoBmff(head: Uint8Array): SniffedContainer | null {
  if (head.length < 12) return null;
  const boxSize = uint32(head, 0);
  if (ascii(head, 4, 4) === 'ftyp') {
    // A real ftyp box holds at least major brand + minor version; size 1 means a 64-bit size follows.
    if (boxSize !== 1 && boxSize < 16) return null;
    const brand = ascii(head, 8, 4);
    if (brand === 'qt  ') return { container: 'mov', contentType: 'video/quicktime' };
    if (brand.startsWith('3g2')) return { container: 'mov', contentType: 'video/3gpp2' };
    if (brand.startsWith('3gp')) return { container: 'mov', contentType: 'video/3gpp' };
    return { container: 'mov', contentType: 'video/mp4' };
  }
  if (movBoxes.has(ascii(head, 4, 4)) && (boxSize === 1 || boxSize >= 8)) {
    return { container: 'mov', contentType: 'video/quicktime' };
  }
  return null;
}

function matroska(head: Uint8Array): SniffedContainer | null {
  if (!startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return null;
  // The DocType element sits inside the EBML header, well within the first few dozen bytes.
  return ascii(head, 0, Math.min(64, head.length)).includes('webm')
    ? { container: 'matroska', contentType: 'video/webm' }
    : { container: 'matroska', contentType: 'video/x-matroska' };
}

function otherSignatures(head: Uint8Array): SniffedContainer | null {
  // A program stream's pack header only. An MPEG elementary stream (00 00 01 B3) has no demuxer in the whitelist.
  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return { container: 'mpeg', contentType: 'video/mpeg' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') {
    return { container: 'avi', contentType: 'video/x-msvideo' };
  }
  if (ascii(head, 0, 3) === 'FLV' && head[3] === 0x01) return { container: 'flv', contentType: 'video/x-flv' };
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) {
    return { container: 'asf', contentType: 'video/x-ms-asf' };
  }
  if (ascii(head, 0, 4) === 'OggS') return { container: 'ogg', contentType: 'video/ogg' };
  return null;
}

/** TS packets are 188 bytes (192 in Blu-ray M2TS, with a 4-byte timestamp first), each starting with 0x47. */
function transportStream(head: Uint8Array): SniffedContainer | null {
  for (const [offset, size] of [
    [0, 188],
    [4, 192],
  ] as const) {
    const syncs = [0, 1, 2].map((i) => offset + i * size).filter((at) => at < head.length);
    // Two sync bytes at least: one lone 0x47 is just a file starting with 'G'.
    if (syncs.length >= 2 && syncs.every((at) => head[at] === 0x47)) {
      return { container: 'mpegts', contentType: 'video/mp2t' };
    }
  }
  return null;
}

/** ffprobe names a demuxer by its aliases (`mov,mp4,m4a,3gp,3g2,mj2`); one of them must be whitelisted. */
export function isWhitelistedFormat(formatName: string): boolean {
  return formatName.split(',').some((name) => (containerWhitelist as readonly string[]).includes(name.trim()));
}
