import { describe, expect, it } from 'vitest';
import { ownerSafeMessage } from './owner-message.js';

const id = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('ownerSafeMessage', () => {
  it.each([
    [`reading reelforge-raw/sources/${id}/source failed`, 'reading [path] failed'],
    [`the source raw-prod/sources/${id}/source does not exist`, 'the source [path] does not exist'],
    ['uploading /tmp/rf-task-x1/out/720p.mp4 failed', 'uploading [path] failed'],
    [
      'ffmpeg failed (exit 1): /scratch/job-7/source: Invalid data found when processing input',
      'ffmpeg failed (exit 1): [path]: Invalid data found when processing input',
    ],
    [`could not read s3://raw-prod-7/sources/${id}/source.`, 'could not read [path].'],
    ['GET https://raw-prod-7.s3.eu-west-1.amazonaws.com/x?X-Amz-Signature=ab said 403', 'GET [path] said 403'],
    [`object sources/${id} is gone`, 'object [path] is gone'],
    [`key videos/${id}/2/720p.mp4 missing`, 'key [path] missing'],
    [`wrote ${id}/poster.jpg`, 'wrote [path]'],
    ['could not start ~/reelforge/dist/task.main.js: ENOENT', 'could not start [path]: ENOENT'],
  ])('hides the location in %j', (text, expected) => {
    expect(ownerSafeMessage(text)).toBe(expected);
  });

  it.each([
    'the file is 1.2 GiB; the limit is 1 GiB',
    'the video is 7680x4320; at most 8,294,400 pixels at 30/1 fps',
    'the transcode took longer than 3600 s',
    'H.264/AVC in an and/or case',
    'the file has no video stream',
  ])('leaves %j as it is', (text) => {
    expect(ownerSafeMessage(text)).toBe(text);
  });

  it('replaces named secrets (bucket names) wherever they appear, and is idempotent', () => {
    const once = ownerSafeMessage('bucket raw-prod-7 said 503 (SlowDown)', ['raw-prod-7', 'processed-prod-7']);
    expect(once).toBe('bucket [path] said 503 (SlowDown)');
    expect(ownerSafeMessage(once, ['raw-prod-7'])).toBe(once);
  });
});
