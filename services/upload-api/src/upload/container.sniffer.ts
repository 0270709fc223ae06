// Decides from a file's first bytes whether it is a video container we accept, so a text file or an image is
// refused before any of it reaches S3. The transcoder probes properly later; this only keeps junk out early.

export interface SniffedContainer {
  format: string;
  contentType: string;
}

/** Enough for every signature below, including three 188-byte MPEG-TS packets and M2TS's 192-byte ones. */
export const SNIFF_BYTES = 4096;

const ascii = (buf: Buffer, at: number, text: string) =>
  buf.length >= at + text.length && buf.toString('latin1', at, at + text.length) === text;

const bytesAt = (buf: Buffer, at: number, sig: number[]) =>
  buf.length >= at + sig.length && sig.every((b, i) => buf[at + i] === b);

// Old QuickTime files may start with one of these atoms instead of `ftyp`.
const QUICKTIME_ATOMS = ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'];

function isoBmff(head: Buffer): SniffedContainer | null {
  if (head.length < 12) return null;
  const boxSize = head.readUInt32BE(0);
  if (ascii(head, 4, 'ftyp')) {
    // A real ftyp box holds at least major brand + minor version; size 1 means a 64-bit size follows.
    if (boxSize !== 1 && boxSize < 16) return null;
    const brand = head.toString('latin1', 8, 12);
    if (brand === 'qt  ') return { format: 'mov', contentType: 'video/quicktime' };
    if (brand.startsWith('3g2')) return { format: '3g2', contentType: 'video/3gpp2' };
    if (brand.startsWith('3gp')) return { format: '3gp', contentType: 'video/3gpp' };
    return { format: 'mp4', contentType: 'video/mp4' };
  }
  if (QUICKTIME_ATOMS.some((atom) => ascii(head, 4, atom)) && (boxSize === 1 || boxSize >= 8)) {
    return { format: 'mov', contentType: 'video/quicktime' };
  }
  return null;
}

function matroska(head: Buffer): SniffedContainer | null {
  if (!bytesAt(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return null;
  // The DocType element sits inside the EBML header, well within the first few dozen bytes.
  const header = head.subarray(0, 64).toString('latin1');
  return header.includes('webm')
    ? { format: 'webm', contentType: 'video/webm' }
    : { format: 'matroska', contentType: 'video/x-matroska' };
}

/** MPEG-TS repeats a 0x47 sync byte every packet; one 0x47 alone is too weak a signal (it is the letter G). */
function transportStream(head: Buffer): SniffedContainer | null {
  for (const [offset, packet] of [
    [0, 188],
    [4, 192], // M2TS (Blu-ray, AVCHD): a 4-byte timecode before each packet
  ] as const) {
    const packets = Math.min(3, Math.floor((head.length - offset) / packet));
    if (packets < 2) continue;
    let synced = true;
    for (let i = 0; i < packets; i++) if (head[offset + i * packet] !== 0x47) synced = false;
    if (synced) return { format: offset === 0 ? 'mpegts' : 'm2ts', contentType: 'video/mp2t' };
  }
  return null;
}

export function sniffContainer(head: Buffer): SniffedContainer | null {
  const iso = isoBmff(head);
  if (iso) return iso;
  const mkv = matroska(head);
  if (mkv) return mkv;
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return { format: 'avi', contentType: 'video/x-msvideo' };
  // MPEG program stream pack header, or an MPEG-1/2 video sequence header.
  if (bytesAt(head, 0, [0x00, 0x00, 0x01, 0xba]) || bytesAt(head, 0, [0x00, 0x00, 0x01, 0xb3])) {
    return { format: 'mpeg', contentType: 'video/mpeg' };
  }
  if (ascii(head, 0, 'FLV') && head[3] === 0x01) return { format: 'flv', contentType: 'video/x-flv' };
  if (bytesAt(head, 0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) {
    return { format: 'asf', contentType: 'video/x-ms-asf' };
  }
  if (ascii(head, 0, 'OggS')) return { format: 'ogg', contentType: 'video/ogg' };
  return transportStream(head);
}
