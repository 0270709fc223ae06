import { describe, expect, it } from 'vitest';
import { buildAuxArgs, buildChunkArgs } from './chunk.args.js';
import { buildFfmpegArgs } from './ffmpeg.args.js';
import { type LadderPlan, planLadder } from './ladder.planner.js';
import { defaultProfile } from './ladder.profile.js';
import { type ProbeResult, safeInputArgs } from './probe.js';

const probe: ProbeResult = {
  container: 'mov',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 120,
  audio: { index: 1, codec: 'aac', channels: 1, sampleRate: 44100 },
  avStreams: 2,
  video: {
    index: 0,
    codec: 'h264',
    width: 854,
    height: 480,
    sar: { num: 1, den: 1 },
    rotation: 0,
    avgFrameRate: { num: 30, den: 1 },
    rFrameRate: { num: 30, den: 1 },
    pixFmt: 'yuv420p',
    colorTransfer: null,
    colorPrimaries: null,
    colorSpace: null,
    fieldOrder: 'progressive',
  },
};
const plan: LadderPlan = planLadder(probe, defaultProfile);
const header = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];
const input = safeInputArgs('mov', '/scratch/in');
const rungsGraph = '[0:0]fps=fps=30/1:start_time=0,format=yuv420p,split=2[v0][s1];[s1]scale=640:360,setsar=1[v1]';

/** The whole ladder's video encoder settings: from `-c:v` up to the audio encoder. */
function wholeEncoder(): string[] {
  const whole = buildFfmpegArgs(plan, { input: '/scratch/in', threads: 1 });
  return whole.slice(whole.indexOf('-c:v'), whole.indexOf('-c:a'));
}

describe('buildChunkArgs', () => {
  it('seeks to the range, encodes every rung with the whole ladder settings and stops at its frame count', () => {
    const args = buildChunkArgs(
      plan,
      { index: 1, startSec: 40, endSec: 80 },
      { input: '/scratch/in', threads: 1, last: false },
    );
    expect(args).toEqual([
      ...header,
      ...['-ss', '40'],
      ...input,
      ...['-filter_complex', rungsGraph],
      ...['-map', '[v0]', '-map', '[v1]'],
      ...wholeEncoder(),
      ...['-threads', '1', '-fps_mode', 'passthrough', '-flags', '+global_header'],
      ...['-frames:v', '1200'],
      '-f',
      'tee',
      "[select=\\'v:0\\':f=mp4]chunks/1/480p.mp4|[select=\\'v:1\\':f=mp4]chunks/1/360p.mp4",
    ]);
    expect(wholeEncoder()).toContain('-g');
  });

  it('does not seek for chunk 0, and lets the last chunk run to the end as the whole run does', () => {
    const first = buildChunkArgs(plan, { index: 0, startSec: 0, endSec: 40 }, { input: '/x', threads: 0, last: false });
    expect(first).not.toContain('-ss');
    const last = buildChunkArgs(plan, { index: 2, startSec: 80, endSec: 120 }, { input: '/x', threads: 0, last: true });
    // The whole run's cap is 122 s (a segment past the probed duration): 42 s from the chunk's start.
    expect(last.slice(last.indexOf('+global_header') + 1, last.indexOf('tee') + 1)).toEqual(['-t', '42', '-f', 'tee']);
    expect(last).not.toContain('-frames:v');
  });
});

describe('buildAuxArgs', () => {
  it('encodes the audio of the whole source, and the poster and the storyboard from keyframes, no video', () => {
    expect(buildAuxArgs(plan, { input: '/scratch/in' })).toEqual([
      ...header,
      ...['-skip_frame:v', 'nokey'],
      ...input,
      '-filter_complex',
      '[0:0]fps=fps=30/1:start_time=0,format=yuv420p,split=2[posterIn][storyboardIn];' +
        '[posterIn]trim=start=12:end=48,framestep=step=36,thumbnail=n=30[poster];' +
        '[storyboardIn]fps=fps=1/2,scale=160:90,setsar=1,tile=layout=10x6:nb_frames=60[storyboard]',
      ...['-map', '0:1', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000'],
      ...['-t', '122', '-f', 'mp4', 'chunks/aux/audio.m4a'],
      ...['-map', '[poster]', '-fps_mode', 'passthrough', '-frames:v', '1', '-update', '1', '-q:v', '2'],
      ...['-t', '122', '-f', 'image2', 'chunks/aux/poster.jpg'],
      ...['-map', '[storyboard]', '-fps_mode', 'passthrough', '-frames:v', '1', '-update', '1', '-q:v', '4'],
      ...['-t', '122', '-f', 'image2', 'chunks/aux/storyboard.jpg'],
    ]);
  });

  it('writes no audio output for a silent source', () => {
    const args = buildAuxArgs({ ...plan, audioStream: null, audio: null }, { input: '/x' });
    expect(args).not.toContain('chunks/aux/audio.m4a');
    expect(args).not.toContain('-c:a');
  });
});
