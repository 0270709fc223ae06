// The one place a kafkajs client is configured: brokers, TLS, SASL (plain brokers locally, IAM-signed OAUTHBEARER
// on Amazon MSK Serverless) and logging through pino.
import { Kafka, type KafkaConfig } from 'kafkajs';
import { type Logger, pino } from 'pino';
import { type KafkaLogLevel, kafkaLogLevels, pinoLogCreator } from './pino.log-creator.js';

export type { Kafka };

export type KafkaSasl = 'none' | 'aws-msk-iam';

export interface KafkaClientConfig {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: KafkaSasl;
  /** Required with `aws-msk-iam`: the region the token is signed for. */
  region?: string;
  logger?: Logger;
  /** Which kafkajs lines reach the logger; kafkajs is chatty at info. */
  logLevel?: KafkaLogLevel;
}

/** The signer's call, injectable so the IAM wiring can be unit-tested without AWS credentials. */
export type GenerateAuthToken = (opts: { region: string }) => Promise<{ token: string }>;

// Loaded on first use: the signer pulls in the AWS SDK credential chain, which local runs never need.
const loadSigner: GenerateAuthToken = async (opts) => {
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return generateAuthToken(opts);
};

export function buildKafkaConfig(
  cfg: KafkaClientConfig,
  deps: { generateAuthToken?: GenerateAuthToken } = {},
): KafkaConfig {
  const logger = cfg.logger ?? pino({ name: cfg.clientId });
  const config: KafkaConfig = {
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    ssl: cfg.ssl ?? false,
    logLevel: kafkaLogLevels[cfg.logLevel ?? 'warn'],
    logCreator: pinoLogCreator(logger),
  };
  if ((cfg.sasl ?? 'none') === 'none') return config;

  const region = cfg.region;
  if (!region) throw new Error('KAFKA_SASL=aws-msk-iam needs AWS_REGION: the token is signed for a region');
  const generateAuthToken = deps.generateAuthToken ?? loadSigner;
  return {
    ...config,
    // MSK only accepts IAM authentication over TLS (port 9098), whatever KAFKA_SSL says.
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      // Called at every (re)authentication; a signed token lives 15 minutes, so it is never cached here.
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    },
  };
}

export function createKafka(cfg: KafkaClientConfig): Kafka {
  return new Kafka(buildKafkaConfig(cfg));
}

/** The parsed `kafkaEnv` fragment of @reelforge/config (plus AWS_REGION, which `s3Env` provides). */
export interface KafkaEnv {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_SSL: boolean;
  KAFKA_SASL: KafkaSasl;
  AWS_REGION?: string;
}

export function kafkaClientConfigFromEnv(env: KafkaEnv, logger?: Logger): KafkaClientConfig {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    ssl: env.KAFKA_SSL,
    sasl: env.KAFKA_SASL,
    region: env.AWS_REGION,
    logger,
  };
}

/** What services call: `kafkaFromEnv(env, logger)` with the env their `loadEnv` parsed. */
export function kafkaFromEnv(env: KafkaEnv, logger?: Logger): Kafka {
  return createKafka(kafkaClientConfigFromEnv(env, logger));
}
