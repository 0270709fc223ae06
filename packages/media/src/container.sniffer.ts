// Decides which demuxer may read an upload from its first bytes, never from its name or from ffmpeg's own guess:
// a playlist, concat script or image renamed `.mp4` must never reach a demuxer that follows references.

/** Demuxers of real containers. None of them opens another file or URL named inside the input. */
export const containerWhitelist = ['mov', 'matroska', 'mpegts', 'mpeg', 'avi', 'flv', 'asf', 'ogg'] as const;
export type Container = (typeof containerWhitelist)[number];

/** How many leading bytes `sniffContainer` needs to recognise every whitelisted container. */
export const SNIFF_BYTES = 512;

// The top-level boxes an MP4/QuickTime file may start with (old QuickTime writers lead with `wide` or `mdat`).
const movBoxes = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);
const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));
const startsWith = (b: Uint8Array, bytes: number[], at = 0) => bytes.every((v, i) => b[at + i] === v);

export function sniffContainer(head: Uint8Array): Container | null {
  if (head.length < 4) return null;
  if (head.length >= 8 && movBoxes.has(ascii(head, 4, 4))) return 'mov';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'matroska';
  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return 'mpeg';
  if (ascii(head, 0, 4) === 'RIFF' && head.length >= 12 && ascii(head, 8, 4) === 'AVI ') return 'avi';
  if (ascii(head, 0, 3) === 'FLV' && head[3] === 0x01) return 'flv';
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return 'asf';
  if (ascii(head, 0, 4) === 'OggS') return 'ogg';
  // TS packets are 188 bytes (192 in Blu-ray M2TS, with a 4-byte timestamp first), each starting with 0x47.
  for (const [offset, size] of [
    [0, 188],
    [4, 192],
  ] as const) {
    const syncs = [0, 1, 2].map((i) => offset + i * size).filter((at) => at < head.length);
    // Two sync bytes at least: one lone 0x47 is just a file starting with 'G'.
    if (syncs.length >= 2 && syncs.every((at) => head[at] === 0x47)) return 'mpegts';
  }
  return null;
}

/** ffprobe names a demuxer by its aliases (`mov,mp4,m4a,3gp,3g2,mj2`); one of them must be whitelisted. */
export function isWhitelistedFormat(formatName: string): boolean {
  return formatName.split(',').some((name) => (containerWhitelist as readonly string[]).includes(name.trim()));
}
