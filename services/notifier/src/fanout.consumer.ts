// Consumes `video.status-changed` in its own group and turns each change a subscriber chose into one delivery row
// per matching endpoint of the video's owner. Idempotent: (endpoint, event id) is unique, so a redelivered message
// adds nothing, and the event id (the webhook-id) is the message's, the same on every redelivery.
import type { VideoStatusChangedV1 } from '@reelforge/contracts';
import {
  type Database,
  isTransientMysqlError,
  type Kysely,
  RenditionRepository,
  VideoRepository,
  type WebhookRepository,
} from '@reelforge/db';
import {
  type ConsumerOptions,
  type HandlerMap,
  isTransientFailure,
  type Kafka,
  type RunningConsumer,
  startConsumer,
} from '@reelforge/kafka';
import type { Logger } from '@reelforge/observability';
import { cdnUrl } from '@reelforge/storage';
import type { Registry } from 'prom-client';
import type { NotifierMetrics } from './notifier.metrics.js';
import { type ReadyLinks, webhookEventOf, webhookPayload } from './webhook.event.js';

export const notifierTopics = ['video.status-changed'] as const;
type NotifierTopic = (typeof notifierTopics)[number];

export interface FanoutDeps {
  kafka: Kafka;
  db: Kysely<Database>;
  webhooks: WebhookRepository;
  metrics: NotifierMetrics;
  logger: Logger;
  registry: Registry;
  groupId: string;
  topicPrefix?: string;
  links: { apiBaseUrl?: string | undefined; cdnBaseUrl?: string | undefined };
  consumer?: Partial<
    Pick<ConsumerOptions<NotifierTopic>, 'poisonAttempts' | 'sessionTimeout' | 'heartbeatInterval' | 'maxWaitTimeInMs'>
  >;
}

export class Fanout {
  private readonly videos: VideoRepository;
  private readonly renditions: RenditionRepository;

  constructor(private readonly deps: Omit<FanoutDeps, 'kafka' | 'registry' | 'groupId' | 'topicPrefix' | 'consumer'>) {
    this.videos = new VideoRepository(deps.db);
    this.renditions = new RenditionRepository(deps.db);
  }

  async onStatusChanged(message: VideoStatusChangedV1, log: Logger): Promise<void> {
    const type = webhookEventOf(message.to);
    if (!type) return;
    const endpoints = (await this.deps.webhooks.enabledEndpointsOf(message.ownerId)).filter((e) =>
      e.events.includes(type),
    );
    if (endpoints.length === 0) return;
    const links = type === 'video.ready' ? await this.readyLinks(message.videoId) : undefined;
    const payload = JSON.stringify(webhookPayload(message, type, links));
    const added = await this.deps.webhooks.addDeliveries(
      endpoints.map((e) => ({
        endpointId: e.id,
        eventId: message.eventId,
        eventType: type,
        videoId: message.videoId,
        payload,
      })),
    );
    this.deps.metrics.fannedOut.inc({ type }, added);
    log.info({ videoId: message.videoId, type, endpoints: endpoints.length, added }, 'webhook deliveries created');
  }

  /**
   * The API resource always; the playback links only for a public video, whose plain CDN paths never expire. A
   * private video's links carry expiring tokens: a body that may be retried for a day (and sit in a receiver's
   * queue or logs) should not hold them, so the receiver asks the API (`self`) with the owner's token for fresh ones.
   */
  private async readyLinks(videoId: string): Promise<ReadyLinks> {
    const { apiBaseUrl, cdnBaseUrl } = this.deps.links;
    const links: ReadyLinks = apiBaseUrl ? { self: `${apiBaseUrl}/v1/videos/${videoId}` } : {};
    const video = await this.videos.findById(videoId);
    if (video?.status !== 'ready' || video.visibility !== 'public' || !cdnBaseUrl) return links;
    const url = (key: string) => cdnUrl(cdnBaseUrl, key);
    if (video.hlsMasterKey) links.hls = url(video.hlsMasterKey);
    if (video.posterKey) links.poster = url(video.posterKey);
    if (video.spriteKey && video.vttKey) links.storyboard = { image: url(video.spriteKey), vtt: url(video.vttKey) };
    links.renditions = (await this.renditions.listForVideo(videoId)).map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      mp4: url(r.mp4Key),
    }));
    return links;
  }
}

/** Resolves once subscribed; `ready()` on the result waits for the partitions to be assigned. */
export function startFanout(deps: FanoutDeps): Promise<RunningConsumer> {
  const fanout = new Fanout(deps);
  const handlers: HandlerMap<NotifierTopic> = {
    'video.status-changed': (message, ctx) => fanout.onStatusChanged(message, ctx.logger),
  };
  return startConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: notifierTopics,
    handlers,
    isTransient: (err) => isTransientFailure(err, isTransientMysqlError),
    topicPrefix: deps.topicPrefix,
    logger: deps.logger.child({ component: 'notifier' }),
    registry: deps.registry,
    ...deps.consumer,
  });
}
