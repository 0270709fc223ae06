// The web app in a real browser (Debian's Chromium through playwright-core) against the real services, served by its
// own server (apps/web) in front of them: a new user signs up, uploads a generated 1080p clip through the page, sees
// it reach ready live, plays it (currentTime advances, a quality picked from the menu is switched to by hls.js), sees
// storyboard thumbnails on the seek bar, likes it and makes it public; the player's engagement events are accepted;
// a second user in a fresh browser context finds it in the feed with their own like state. Desktop and 390×844.
// And an upload cut by a page reload resumes when the same file is chosen again.
// Screenshots of each step go to .reelforge/artifacts/web/.
import { mkdirSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@reelforge/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { bigClip, videoClip } from './media.clips.js';
import { eventually, Pipeline } from './pipeline.stack.js';
import { repoRoot, ServiceProcess } from './service.process.js';

const artifacts = join(repoRoot, '.reelforge', 'artifacts', 'web');

let pipeline: Pipeline;
let web: ServiceProcess;
let webUrl: string;
let browser: Browser;
let clip: Buffer;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge', 'events-ingest'] as const).map((s) =>
      pipeline.start(s),
    ),
  );
  const port = await freePort();
  webUrl = `http://127.0.0.1:${port}`;
  web = await ServiceProcess.start({
    name: 'web',
    entry: 'apps/web/dist/server/main.js',
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      API_URL: pipeline.apiUrl,
      EVENTS_URL: pipeline.eventsUrl,
      SHUTDOWN_GRACE_MS: '5000',
    },
    healthUrl: `${webUrl}/healthz`,
  });
  // 1080p so the ladder has four levels to switch between; a few seconds keep the transcode short.
  [clip, browser] = await Promise.all([videoClip({ width: 1920, height: 1080, seconds: 5 }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await pipeline?.close();
});

/** A fresh browser profile whose console errors and failed page scripts are collected. */
async function open(viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

async function signUp(page: Page, name: string) {
  await page.goto(`${webUrl}/`);
  await menu(page, 'Sign up').click();
  // By keyboard: the fields in tab order, Enter submits.
  await page.getByLabel('Email').focus();
  await page.keyboard.type(`${name}-${Date.now()}@example.com`);
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Tab');
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Upload a video' }).waitFor();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).isVisible(),
  ).resolves.toBe(true);
}

/** Drops the clip on the drop zone as a drag from the desktop would: a DataTransfer holding a File. */
async function dropClip(page: Page, name: string) {
  const dataTransfer = await page.evaluateHandle(
    `(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(clip.toString('base64'))}), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'video/mp4' }));
      return dt;
    })()`,
  );
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

/** What the tests read of the page's <video> (the e2e package is typed for Node, without DOM types). */
interface Media {
  currentTime: number;
  ended: boolean;
  muted: boolean;
  play(): Promise<void>;
}

function player(page: Page) {
  const video = page.locator('video');
  return {
    play: () =>
      video.evaluate((el) => {
        const media = el as unknown as Media;
        media.muted = true;
        return media.play();
      }),
    time: () => video.evaluate((el) => (el as unknown as Media).currentTime),
    ended: () => video.evaluate((el) => (el as unknown as Media).ended),
  };
}

const menu = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

const flows = [
  { label: 'desktop', viewport: { width: 1280, height: 800 }, upload: 'file input' },
  { label: 'phone', viewport: { width: 390, height: 844 }, upload: 'drop' },
] as const;

describe.each(flows)('the web app at $label size ($viewport.width×$viewport.height)', ({ label, viewport, upload }) => {
  let owner: Awaited<ReturnType<typeof open>>;
  let viewer: Awaited<ReturnType<typeof open>>;
  const title = `Clip ${label} ${Date.now()}`;
  let videoId = '';

  afterAll(async () => {
    await Promise.all([owner?.context.close(), viewer?.context.close()]);
  });

  it('signs up, uploads through the page and sees the video reach ready live', async () => {
    owner = await open(viewport);
    const { page } = owner;
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/events') && r.url().includes('/v1/videos/')) streams.push(r.url());
    });
    await signUp(page, `owner-${label}`);
    await page.getByLabel('Title').fill(title);
    if (upload === 'drop') await dropClip(page, 'clip.mp4');
    else
      await page
        .getByLabel('Choose a video file')
        .setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: clip });
    await page
      .getByRole('status')
      .filter({ hasText: `Uploaded “${title}”` })
      .waitFor({ timeout: 60_000 });
    await shot(page, `${label}-1-uploaded`);

    await menu(page, 'My videos').click();
    const row = page.getByRole('listitem', { name: title });
    await row.waitFor();
    videoId = (await row.getAttribute('data-video-id')) ?? '';
    expect(videoId).toMatch(/^[0-9a-f-]{36}$/);
    // Every state the row shows on its way, read from the page until it says ready.
    const seen = new Set<string>();
    await eventually(
      'the row to say ready',
      async () => {
        const status = (await row.locator('.status').getAttribute('data-status')) ?? '';
        seen.add(`${status} ${(await row.locator('.status').textContent()) ?? ''}`);
        return status === 'ready' ? true : status === 'failed' ? Promise.reject(new Error([...seen].join('\n'))) : null;
      },
      150_000,
      () => pipeline.started.map((s) => `--- ${s.name}\n${s.tail(10)}`).join('\n'),
    );
    // Followed over the event stream (no reload), the row had a progress bar until then.
    expect(streams).toContain(`${webUrl}/v1/videos/${videoId}/events`);
    expect([...seen].some((s) => !s.startsWith('ready'))).toBe(true);
    await shot(page, `${label}-2-ready`);
  }, 240_000);

  it('plays it: time advances, a quality chosen in the menu is switched to, storyboard on the seek bar, events accepted', async () => {
    const { page } = owner;
    const row = page.getByRole('listitem', { name: title });
    const events: number[] = [];
    page.on('response', (r) => {
      if (r.url() === `${webUrl}/v1/events` && r.request().method() === 'POST') events.push(r.status());
    });
    await row.getByRole('link', { name: 'Watch' }).click();
    const quality = page.getByLabel('Quality');
    await expect.poll(() => quality.locator('option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const video = player(page);
    await video.play();
    await expect.poll(() => video.time(), { timeout: 30_000 }).toBeGreaterThan(0.3);

    // Pick a level other than the one playing: hls.js reports LEVEL_SWITCHED to it and playback goes on.
    const box = page.locator('.player');
    await expect.poll(() => box.getAttribute('data-level'), { timeout: 15_000 }).not.toBe('');
    const playing = await box.getAttribute('data-level');
    const labels = (await quality.locator('option').allTextContents()).filter((l) => l !== 'Auto');
    const target = labels.find((l) => l !== playing) as string;
    await quality.selectOption({ label: target });
    await expect.poll(() => box.getAttribute('data-level'), { timeout: 20_000 }).toBe(target);
    await expect(page.getByTestId('playing-level').textContent()).resolves.toBe(`Playing ${target}`);
    const after = await video.time();
    await expect.poll(() => video.time(), { timeout: 20_000 }).toBeGreaterThan(after);
    // The page's own seek bar follows the playback.
    const seek = page.getByLabel('Seek');
    await expect.poll(async () => Number(await seek.inputValue()), { timeout: 10_000 }).toBeGreaterThan(0);

    // The storyboard VTT (from the edge, cross-origin) gives the seek bar a thumbnail under the pointer.
    const bar = await seek.boundingBox();
    if (!bar) throw new Error('no seek bar');
    await page.mouse.move(bar.x + bar.width * 0.6, bar.y + bar.height / 2);
    const tile = page.getByTestId('storyboard-tile');
    await tile.waitFor();
    expect(await tile.getAttribute('style')).toMatch(
      /background-image: url\("http:\/\/127\.0\.0\.1:\d+\/.*storyboard\.jpg"\)/,
    );
    await shot(page, `${label}-3-playing`);

    // Played to the end: play and view_complete were posted with the session token and accepted.
    await expect.poll(() => video.ended(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => events.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(events.every((s) => s === 202)).toBe(true);
  }, 120_000);

  it('likes it and makes it public; a second user finds it in the feed with their own like state', async () => {
    const { page } = owner;
    const like = page.getByRole('button', { name: 'Like' });
    await like.click();
    await expect.poll(() => like.getAttribute('aria-pressed')).toBe('true');
    await expect(page.locator('.like .count').textContent()).resolves.toBe('1 like');

    await menu(page, 'My videos').click();
    const row = page.getByRole('listitem', { name: title });
    const saved = page.waitForResponse(
      (r) => r.url().endsWith(`/v1/videos/${videoId}`) && r.request().method() === 'PATCH',
    );
    await row.getByLabel('Visibility').selectOption('public');
    expect((await saved).status()).toBe(200);

    viewer = await open(viewport);
    await signUp(viewer.page, `viewer-${label}`);
    await menu(viewer.page, 'Feed').click();
    const card = viewer.page.getByRole('listitem', { name: title });
    await card.waitFor({ timeout: 15_000 });
    const theirLike = card.getByRole('button', { name: 'Like' });
    expect(await theirLike.getAttribute('aria-pressed')).toBe('false');
    await expect(card.locator('.count').textContent()).resolves.toBe('1 like');
    await theirLike.click();
    await expect.poll(() => theirLike.getAttribute('aria-pressed')).toBe('true');
    await expect(card.locator('.count').textContent()).resolves.toBe('2 likes');
    await shot(viewer.page, `${label}-4-feed`);

    // The viewer opens it from the feed and it plays for them too, through the public links.
    await card.getByRole('link').first().click();
    const video = player(viewer.page);
    await video.play();
    await expect.poll(() => video.time(), { timeout: 30_000 }).toBeGreaterThan(0.3);

    expect(owner.problems).toEqual([]);
    expect(viewer.problems).toEqual([]);
  }, 120_000);
});

describe('an upload interrupted by a reload', () => {
  it('resumes when the same file is chosen again, sending only the parts storage lacks', async () => {
    // ~40 MB in 5 MiB parts, four sent at once; a file on disk, so the browser's File keeps its modification time.
    const path = join(await mkdtemp(join(tmpdir(), 'rf-web-')), 'big.mp4');
    await writeFile(path, await bigClip(4));
    const { context, page, problems } = await open({ width: 1280, height: 800 });
    try {
      await signUp(page, 'resumer');
      const isPart = (url: URL) => url.searchParams.has('partNumber');
      const partOf = (url: string) => `PUT part ${new URL(url).searchParams.get('partNumber')}`;
      // The page goes away as soon as storage holds a part: the others are queued or cut mid-way.
      const stored = new Set<string>();
      page.on('response', (r) => {
        if (isPart(new URL(r.url())) && r.status() === 200) stored.add(partOf(r.url()));
      });
      const firstDone = page.waitForResponse((r) => isPart(new URL(r.url())) && r.status() === 200);
      await page.getByLabel('Choose a video file').setInputFiles(path);
      await firstDone;
      await page.reload();
      const storedBefore = new Set(stored);

      const requests: string[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        requests.push(isPart(url) ? partOf(r.url()) : `${r.method()} ${url.pathname}`);
      });
      await page.getByLabel('Choose a video file').setInputFiles(path);
      await page.getByRole('status').filter({ hasText: 'Uploaded “big”' }).waitFor({ timeout: 60_000 });
      const parts = requests.filter((r) => r.startsWith('PUT part'));
      // The same upload, continued: no new one, its state read back, no part storage had sent again, each once.
      const partCount = Math.ceil((await stat(path)).size / (5 * 1024 * 1024));
      expect(partCount).toBeGreaterThanOrEqual(6);
      expect(requests).not.toContain('POST /v1/uploads');
      expect(requests.some((r) => /^GET \/v1\/uploads\/[0-9a-f-]{36}$/.test(r))).toBe(true);
      expect(storedBefore.size).toBeGreaterThan(0);
      expect(parts.filter((p) => storedBefore.has(p))).toEqual([]);
      expect(new Set(parts).size).toBe(parts.length);
      expect(parts.length).toBeGreaterThan(0);
      expect(storedBefore.size + parts.length).toBeLessThanOrEqual(partCount);
      await shot(page, 'resume-uploaded');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
