// A daemon of the local stack: how to install it, start it detached, and tell that it is healthy.
export interface Component {
  name: string;
  /** Where it listens, for status output and port-conflict messages. */
  url: string;
  port: number;
  install(log: (s: string) => void): Promise<void> | void;
  start(): Promise<void> | void;
  healthy(): Promise<boolean>;
  /** After it is healthy: create users, buckets, topics. Idempotent. */
  provision?(): Promise<void>;
  startupTimeoutMs: number;
}
