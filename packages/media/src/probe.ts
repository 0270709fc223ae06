// ffprobe on an untrusted file. The demuxer is the one its bytes name, only whitelisted demuxers and the file
// protocol may open anything, so a playlist, concat script or URL named inside an upload is never followed.
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@reelforge/contracts';
import { z } from 'zod';
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
}

export interface ProbeOptions {
  ffprobePath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The input half of every ffprobe/ffmpeg command that reads an upload. */
export function safeInputArgs(container: Container, path: string): string[] {
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    containerWhitelist.join(','),
    '-f',
    container,
    // `file:` so a name like `http:x` or `concat:a|b` stays a local path.
    '-i',
    `file:${resolve(path)}`,
  ];
}

export async function probeInput(path: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const container = sniffContainer(await readHead(path));
  if (!container) {
    throw new AppError(
      'UNSUPPORTED_INPUT',
      'the file is not a video container Reelforge reads (MP4/MOV, Matroska/WebM, MPEG-TS/PS, AVI, FLV, ASF, Ogg)',
    );
  }
  const input = safeInputArgs(container, path);
  const json = await ffprobe([...input, '-show_format', '-show_streams', '-of', 'json'], container, opts);
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

function ffprobe(args: string[], container: Container, opts: ProbeOptions): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      opts.ffprobePath ?? 'ffprobe',
      ['-v', 'error', '-hide_banner', ...args],
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL', signal: opts.signal },
      (err, stdout, stderr) => {
        if (!err) return done(stdout);
        if (opts.signal?.aborted) return fail(abortError(opts.signal));
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        // Not starting or not finishing is our trouble, not the file's; another attempt may do better.
        if (e.killed || typeof e.code === 'string') {
          return fail(
            new AppError('TRANSCODE_FAILED', `ffprobe did not run to completion: ${e.message}`, { cause: err }),
          );
        }
        fail(new AppError('CORRUPT_INPUT', `the ${container} file could not be read: ${ffmpegReason(stderr)}`));
      },
    );
  });
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
