// Apache Kafka in KRaft mode: one process that is both broker and controller, jars from Maven Central.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafkaJars, kafkaLibDir } from '../installer.js';
import { portOpen, startDetached } from '../process.supervisor.js';
import { ports, ROOT, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const dir = join(STATE_DIR, 'kafka');
const dataDir = join(dir, 'data');
const propsFile = join(dir, 'server.properties');
// A fixed cluster id: the data dir is ours alone, and a stable id lets `format` be re-run safely.
const CLUSTER_ID = 'cmVlbGZvcmdlLWxvY2FsMQ';

function serverProperties(): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.kafkaController}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.kafka}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=6',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    // Tests join many short-lived groups; the default 3 s delay would be paid by each.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created on purpose (with their DLQs); a typo must not silently create a new one.
    'auto.create.topics.enable=false',
    'log.retention.hours=24',
    '',
  ].join('\n');
}

const java = (main: string, args: string[]) => [
  '-Xms256m',
  '-Xmx768m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  `-Dlog4j2.configurationFile=${join(ROOT, 'infra/local/kafka/log4j2.yaml')}`,
  '-cp',
  `${kafkaLibDir()}/*`,
  main,
  ...args,
];

export const kafka: Component = {
  name: 'kafka',
  url: `127.0.0.1:${ports.kafka}`,
  port: ports.kafka,
  startupTimeoutMs: 60_000,
  install: ensureKafkaJars,
  start() {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(propsFile, serverProperties());
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      const r = spawnSync('java', java('kafka.tools.StorageTool', ['format', '-t', CLUSTER_ID, '-c', propsFile]), {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`formatting Kafka storage failed:\n${r.stderr || r.stdout}`);
    }
    startDetached('kafka', 'java', java('kafka.Kafka', [propsFile]));
  },
  healthy: () => portOpen(ports.kafka),
};
