// The upload API's own metrics, on the process registry from @reelforge/observability.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type UploadPath = 'api' | 'direct';

export interface ApiMetrics {
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  uploads: Counter<'path'>;
  uploadBytes: Counter<'path'>;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    httpDuration: new Histogram({
      name: 'reelforge_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status_code'],
      // Up to several minutes: a streamed upload of a big file is one request.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
      registers: [registry],
    }),
    uploads: new Counter({
      name: 'reelforge_uploads_total',
      help: 'Uploads stored and announced, by path (api: streamed through the API; direct: presigned parts)',
      labelNames: ['path'],
      registers: [registry],
    }),
    uploadBytes: new Counter({
      name: 'reelforge_upload_bytes_total',
      help: 'Bytes of uploads stored and announced, by path',
      labelNames: ['path'],
      registers: [registry],
    }),
  };
}

/** Live status streams open on this instance, read when scraped. */
export function liveSubscribersGauge(registry: Registry, count: () => number): Gauge {
  return new Gauge({
    name: 'reelforge_live_status_subscribers',
    help: 'Open live status streams (GET /v1/videos/:id/events) on this instance',
    registers: [registry],
    collect() {
      this.set(count());
    },
  });
}
