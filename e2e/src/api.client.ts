// The upload API as a test's user sees it: register, upload a file, read a video until it settles.
import type { Video } from '@reelforge/contracts';
import { uniqueName } from '@reelforge/testkit';
import { eventually } from './eventually.js';

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async register(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${uniqueName('e2e')}@example.com`, password: 'correct horse battery' }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  async upload(token: string, file: Buffer, filename: string, signal?: AbortSignal): Promise<Video> {
    const form = new FormData();
    form.append('title', filename);
    form.append('file', new Blob([new Uint8Array(file)], { type: 'application/octet-stream' }), filename);
    const res = await fetch(`${this.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
      ...(signal ? { signal } : {}),
    });
    if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
    return (await res.json()) as Video;
  }

  async video(token: string, id: string): Promise<Video> {
    const res = await fetch(`${this.baseUrl}/v1/videos/${id}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`get video: ${res.status} ${await res.text()}`);
    return (await res.json()) as Video;
  }

  /** PATCH /v1/videos/:id; the changed video. */
  async update(token: string, id: string, changes: Record<string, unknown>): Promise<Video> {
    const res = await fetch(`${this.baseUrl}/v1/videos/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(changes),
    });
    if (res.status !== 200) throw new Error(`update video: ${res.status} ${await res.text()}`);
    return (await res.json()) as Video;
  }

  async remove(token: string, id: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/v1/videos/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 204) throw new Error(`delete video: ${res.status} ${await res.text()}`);
  }

  /** Polls until the video is ready or failed. */
  settled(token: string, id: string, timeoutMs = 90_000, context?: () => string): Promise<Video> {
    return eventually(
      `video ${id} ready or failed`,
      async () => {
        const video = await this.video(token, id);
        return video.status === 'ready' || video.status === 'failed' ? video : null;
      },
      timeoutMs,
      context,
    );
  }
}
