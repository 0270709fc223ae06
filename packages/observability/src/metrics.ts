// One registry per process with the default process metrics, all under the `reelforge_` prefix.
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'reelforge_';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
