// From a `video.status-changed` message to what a receiver gets: which webhook event it is (if any) and its body.
import type {
  VideoLifecycleStatus,
  VideoStatusChangedV1,
  WebhookEventType,
  WebhookPayload,
} from '@reelforge/contracts';

const eventOf: Partial<Record<VideoLifecycleStatus, WebhookEventType>> = {
  uploaded: 'video.uploaded',
  processing: 'video.processing',
  ready: 'video.ready',
  failed: 'video.failed',
  deleted: 'video.deleted',
};

/** Moves into awaiting_upload and queued are internal steps: no webhook. */
export const webhookEventOf = (to: VideoLifecycleStatus): WebhookEventType | null => eventOf[to] ?? null;

export interface ReadyLinks {
  /** The video resource in the API (GET with the owner's token: fresh links for a private video). */
  self?: string;
  hls?: string;
  poster?: string;
  storyboard?: { image: string; vtt: string };
  renditions?: { name: string; width: number; height: number; mp4: string }[];
}

export function webhookPayload(
  message: VideoStatusChangedV1,
  type: WebhookEventType,
  links?: ReadyLinks,
): WebhookPayload {
  return {
    type,
    timestamp: message.occurredAt,
    data: {
      videoId: message.videoId,
      status: message.to,
      previousStatus: message.from,
      attempt: message.attempt,
      error: message.error,
      ...(links ? { links: links as Record<string, unknown> } : {}),
    },
  };
}
