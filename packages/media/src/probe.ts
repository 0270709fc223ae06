// ffprobe on an untrusted file. The demuxer is the one its bytes name, only whitelisted demuxers and the file
// protocol may open anything, so a playlist, concat script or URL named inside an upload is never followed; only
// whitelisted decoders open its streams, and how much it reads, how many streams it makes and how long it runs are
// bounded, so a crafted header cannot make the probe itself expensive.
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@reelforge/contracts';
import { z } from 'zod';
import { decoderWhitelist } from './codec.whitelist.js';
import {
  type Container,
  containerWhitelist,
  isWhitelistedFormat,
  SNIFF_BYTES,
  sniffContainer,
} from './container.sniffer.js';
import { abortError, ffmpegReason } from './ffmpeg.errors.js';
import { parseRatio, type Ratio } from './ratio.js';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  /** Stored (coded) size, before the display rotation and the sample aspect ratio are applied. */
  width: number;
  height: number;
  sar: Ratio;
  /** Display rotation in degrees, 0 ≤ r < 360. */
  rotation: number;
  avgFrameRate: Ratio | null;
  rFrameRate: Ratio | null;
  pixFmt: string | null;
  colorTransfer: string | null;
  colorPrimaries: string | null;
  colorSpace: string | null;
  fieldOrder: string | null;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
}

export interface ProbeResult {
  container: Container;
  /** ffprobe's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  durationSec: number | null;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  /** Video and audio streams in the file, cover art included; subtitles and data streams are not counted. */
  avStreams: number;
}

export interface ProbeOptions {
  ffprobePath?: string;
  /** Reading the header; a real file takes well under a second, so running out is the file's doing. */
  timeoutMs?: number;
  /** Reading every packet of a file whose header has no duration (live recordings): proportional to its size. */
  scanTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Streams a demuxer may create before it gives up: far above any real file, far below a crafted one. */
export const MAX_DEMUXED_STREAMS = 100;

/**
 * The input half of every ffprobe/ffmpeg command that reads an upload: a local path, or an `http(s)` URL (a chunk
 * task reads the source where it is stored, by ranges: only its part of the file and the index). The URL's scheme is
 * the only protocol allowed besides what carries it, so nothing in the file can make FFmpeg open anything else.
 */
export function safeInputArgs(container: Container, input: string | URL): string[] {
  const remote = input instanceof URL;
  if (remote && input.protocol !== 'https:' && input.protocol !== 'http:') {
    throw new RangeError(`an upload is read from a file or over http(s), not ${input.protocol}`);
  }
  const protocols = !remote ? 'file' : input.protocol === 'https:' ? 'https,tls,tcp' : 'http,tcp';
  // FFmpeg checks no certificate unless told to (against the system's CAs: the transcoder image installs them).
  const tls = remote && input.protocol === 'https:' ? ['-tls_verify', '1'] : [];
  return [
    '-protocol_whitelist',
    protocols,
    '-format_whitelist',
    containerWhitelist.join(','),
    '-codec_whitelist',
    decoderWhitelist.join(','),
    // What stream detection may read and decode (FFmpeg's defaults, stated so a build cannot change them).
    '-probesize',
    '5000000',
    '-analyzeduration',
    '5000000',
    '-max_streams',
    String(MAX_DEMUXED_STREAMS),
    // A dropped connection mid-read resumes where it was instead of ending the input early.
    ...(remote ? ['-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '4'] : []),
    ...tls,
    '-f',
    container,
    // `file:` so a name like `http:x` or `concat:a|b` stays a local path.
    '-i',
    remote ? input.href : `file:${resolve(input)}`,
  ];
}

export async function probeInput(path: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const container = sniffContainer(await readHead(path))?.container;
  if (!container) {
    throw new AppError(
      'UNSUPPORTED_INPUT',
      'the file is not a video container Reelforge reads (MP4/MOV, Matroska/WebM, MPEG-TS/PS, AVI, FLV, ASF, Ogg)',
    );
  }
  const input = safeInputArgs(container, path);
  const json = await ffprobe(
    [...input, '-show_format', '-show_streams', '-of', 'json'],
    container,
    opts,
    opts.timeoutMs ?? 30_000,
  );
  const probe = parseProbeOutput(JSON.parse(json), container);
  if (!isWhitelistedFormat(probe.formatName)) {
    throw new AppError('UNSUPPORTED_INPUT', `the ${probe.formatName} format is not accepted`);
  }
  if (probe.durationSec === null && probe.video) {
    // Live recordings (MediaRecorder WebM, some TS captures) carry no duration; the packets still say it.
    const csv = await ffprobe(
      [
        ...input,
        '-select_streams',
        `${probe.video.index}`,
        '-show_entries',
        'packet=pts_time,duration_time',
        '-of',
        'csv=p=0',
      ],
      container,
      opts,
      opts.scanTimeoutMs ?? 600_000,
    );
    probe.durationSec = lastPacketEnd(csv);
  }
  return probe;
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function ffprobe(args: string[], container: Container, opts: ProbeOptions, timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      opts.ffprobePath ?? 'ffprobe',
      ['-v', 'error', '-hide_banner', ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL', signal: opts.signal },
      (err, stdout, stderr) => {
        if (!err) return done(stdout);
        if (opts.signal?.aborted) return fail(abortError(opts.signal));
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        // Bounded reads of a file that still take this long, or print this much, are the file's doing.
        if (e.killed || e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return fail(
            new AppError(
              'INPUT_BUDGET_EXCEEDED',
              `reading the ${container} file took longer than ${timeoutMs / 1000} s`,
            ),
          );
        }
        // Not starting (no ffprobe, no process slot) is our trouble, not the file's; another attempt may do better.
        if (typeof e.code === 'string') {
          return fail(new AppError('TRANSCODE_FAILED', `ffprobe could not be started: ${e.message}`, { cause: err }));
        }
        fail(probeRefusal(container, stderr));
      },
    );
  });
}

/** Pure: why ffprobe gave up on a file, from what it printed. */
export function probeRefusal(container: Container, stderr: string): AppError {
  if (stderr.includes('exceeds max_streams')) {
    return new AppError('TOO_MANY_STREAMS', `the file has more than ${MAX_DEMUXED_STREAMS} streams`);
  }
  const codec = /Codec \(([\w-]+)\) not on whitelist/.exec(stderr)?.[1];
  if (codec) return new AppError('UNSUPPORTED_CODEC', `the ${codec} codec is not accepted`);
  return new AppError('CORRUPT_INPUT', `the ${container} file could not be read: ${ffmpegReason(stderr)}`);
}

const FfprobeStream = z.looseObject({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  pix_fmt: z.string().optional(),
  color_transfer: z.string().optional(),
  color_primaries: z.string().optional(),
  color_space: z.string().optional(),
  field_order: z.string().optional(),
  channels: z.number().optional(),
  sample_rate: z.string().optional(),
  disposition: z.looseObject({ default: z.number().optional(), attached_pic: z.number().optional() }).optional(),
  side_data_list: z.array(z.looseObject({ rotation: z.number().optional() })).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
type FfprobeStream = z.infer<typeof FfprobeStream>;

const FfprobeOutput = z.looseObject({
  streams: z.array(FfprobeStream).default([]),
  format: z.looseObject({ format_name: z.string(), duration: z.string().optional() }),
});

/** Pure: ffprobe's `-show_format -show_streams -of json` → what the planner needs. */
export function parseProbeOutput(json: unknown, container: Container): ProbeResult {
  const parsed = FfprobeOutput.safeParse(json);
  if (!parsed.success) throw new AppError('CORRUPT_INPUT', 'ffprobe could not describe the file');
  const { streams, format } = parsed.data;
  const duration = Number(format.duration);
  const video = pickVideo(streams);
  const audio = streams.find((s) => s.codec_type === 'audio' && (s.channels ?? 0) > 0);
  return {
    container,
    formatName: format.format_name,
    durationSec: Number.isFinite(duration) && duration > 0 ? duration : null,
    video: video ? videoInfo(video) : null,
    audio: audio
      ? {
          index: audio.index,
          codec: audio.codec_name ?? 'unknown',
          channels: audio.channels ?? 0,
          sampleRate: Number(audio.sample_rate ?? 0),
        }
      : null,
    avStreams: streams.filter((s) => s.codec_type === 'video' || s.codec_type === 'audio').length,
  };
}

// Cover art in an MP4/MKV/MP3 is a one-frame "video" stream; it is not the video.
function pickVideo(streams: FfprobeStream[]): FfprobeStream | undefined {
  const candidates = streams.filter(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && (s.width ?? 0) > 0 && (s.height ?? 0) > 0,
  );
  return candidates.find((s) => s.disposition?.default === 1) ?? candidates[0];
}

function videoInfo(s: FfprobeStream): VideoStreamInfo {
  const rotation = s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(s.tags?.rotate ?? 0);
  const known = (v: string | undefined) => (v && v !== 'unknown' ? v : null);
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    width: s.width ?? 0,
    height: s.height ?? 0,
    sar: parseRatio(s.sample_aspect_ratio) ?? { num: 1, den: 1 },
    rotation: (((Math.round(rotation) % 360) + 360) % 360) as number,
    avgFrameRate: parseRatio(s.avg_frame_rate),
    rFrameRate: parseRatio(s.r_frame_rate),
    pixFmt: known(s.pix_fmt),
    colorTransfer: known(s.color_transfer),
    colorPrimaries: known(s.color_primaries),
    colorSpace: known(s.color_space),
    fieldOrder: known(s.field_order),
  };
}

/** Pure: the end of the last packet in `pts_time,duration_time` CSV lines. */
export function lastPacketEnd(csv: string): number | null {
  let end = 0;
  for (const line of csv.split('\n')) {
    const [pts, dur] = line.split(',').map(Number);
    if (pts !== undefined && Number.isFinite(pts)) end = Math.max(end, pts + (Number.isFinite(dur) ? (dur ?? 0) : 0));
  }
  return end > 0 ? end : null;
}
