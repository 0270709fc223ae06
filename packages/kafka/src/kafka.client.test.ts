import { kafkaEnv, parseEnv } from '@reelforge/config';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildKafkaConfig, type GenerateAuthToken, kafkaClientConfigFromEnv } from './kafka.client.js';

const logger = pino({ level: 'silent' });

describe('buildKafkaConfig', () => {
  it('connects in plain text without SASL by default, logging kafkajs at warn', () => {
    const config = buildKafkaConfig({ brokers: ['127.0.0.1:9092'], clientId: 'unit', logger });
    expect(config).toMatchObject({
      clientId: 'unit',
      brokers: ['127.0.0.1:9092'],
      ssl: false,
      logLevel: logLevel.WARN,
    });
    expect(config.sasl).toBeUndefined();
    expect(typeof config.logCreator).toBe('function');
  });

  it('uses TLS without SASL when asked', () => {
    const config = buildKafkaConfig({ brokers: ['b:9094'], clientId: 'unit', ssl: true, sasl: 'none', logger });
    expect([config.ssl, config.sasl]).toEqual([true, undefined]);
  });

  it('signs OAUTHBEARER tokens for MSK IAM and forces TLS', async () => {
    const calls: { region: string }[] = [];
    const generateAuthToken: GenerateAuthToken = async (opts) => {
      calls.push(opts);
      return { token: `signed-${calls.length}` };
    };
    const config = buildKafkaConfig(
      {
        brokers: ['boot.kafka-serverless.eu-west-1.amazonaws.com:9098'],
        clientId: 'unit',
        ssl: false,
        sasl: 'aws-msk-iam',
        region: 'eu-west-1',
        logger,
      },
      { generateAuthToken },
    );
    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    const sasl = config.sasl as { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'signed-1' });
    // A fresh token at every (re)authentication: nothing cached past its 15-minute life.
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'signed-2' });
    expect(calls).toEqual([{ region: 'eu-west-1' }, { region: 'eu-west-1' }]);
  });

  it('refuses MSK IAM without a region', () => {
    expect(() => buildKafkaConfig({ brokers: ['b:9098'], clientId: 'unit', sasl: 'aws-msk-iam', logger })).toThrow(
      /AWS_REGION/,
    );
  });

  it('can load the official signer it delegates to', async () => {
    const signer = await import('aws-msk-iam-sasl-signer-js');
    expect(typeof signer.generateAuthToken).toBe('function');
  });
});

describe('kafkaClientConfigFromEnv', () => {
  it('maps the parsed kafkaEnv fragment of @reelforge/config', () => {
    const schema = z.object({ ...kafkaEnv, AWS_REGION: z.string().optional() });
    const env = parseEnv(schema, {
      KAFKA_BROKERS: 'a:9098, b:9098',
      KAFKA_CLIENT_ID: 'dispatcher',
      KAFKA_SSL: 'false',
      KAFKA_SASL: 'aws-msk-iam',
      AWS_REGION: 'eu-west-1',
    });
    expect(kafkaClientConfigFromEnv(env, logger)).toEqual({
      brokers: ['a:9098', 'b:9098'],
      clientId: 'dispatcher',
      ssl: false,
      sasl: 'aws-msk-iam',
      region: 'eu-west-1',
      logger,
    });
  });
});
