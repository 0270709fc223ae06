// The deployment's knobs, read from CDK context (cdk.json or `-c key=value`) and validated once, so a wrong value
// stops the synth with its key and what was expected instead of deploying something odd.
import { envBool, envList, parseEnv } from '@reelforge/config';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';

/** Fargate sizes for the transcoder task; docs/deploy-aws.md prices each one. */
export const transcoderSizes = {
  small: { cpu: 1024, memoryMiB: 2048 },
  medium: { cpu: 2048, memoryMiB: 4096 },
  large: { cpu: 4096, memoryMiB: 8192 },
  xlarge: { cpu: 8192, memoryMiB: 16384 },
} as const;
export type TranscoderSize = keyof typeof transcoderSizes;

// Fargate allows 21-200 GiB of ephemeral storage.
const FARGATE_MIN_STORAGE_GIB = 21;
const FARGATE_MAX_STORAGE_GIB = 200;
/** The largest input whose transcode still fits Fargate's biggest disk (see ephemeralStorageGiB). */
export const MAX_INPUT_GIB = Math.floor((FARGATE_MAX_STORAGE_GIB - 1) / 3);

/**
 * The transcoder downloads the source, then writes every rendition twice (MP4 and HLS segments) before uploading,
 * so the disk holds about three times the input at its peak; 1 GiB more covers posters, sprites and the runtime.
 */
export function ephemeralStorageGiB(maxInputGiB: number): number {
  return Math.max(FARGATE_MIN_STORAGE_GIB, Math.ceil(maxInputGiB * 3 + 1));
}

const retentionDays = new Set(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));
const imageTag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker image tag');
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const acmArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/, 'an ACM certificate ARN');

export const DeploySettings = z
  .object({
    /** Names the cluster, the ECR repositories, the task family and the secret. */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,23}$/, '2-24 lowercase letters, digits or dashes')
      .default('reelforge'),
    imageTag: imageTag.default('latest'),
    /** Rolls the transcoder independently of the services; defaults to imageTag. */
    transcoderImageTag: imageTag.optional(),
    transcoderSize: z.enum(Object.keys(transcoderSizes) as [TranscoderSize, ...TranscoderSize[]]).default('medium'),
    /** The largest upload: upload-api's MAX_UPLOAD_BYTES, the transcoder's MAX_INPUT_BYTES and its disk. */
    maxInputGiB: count(1, MAX_INPUT_GIB, 20),
    /** Sources move to S3 Glacier Flexible Retrieval this many days after upload (the cold archive). */
    rawArchiveAfterDays: count(1, 3650, 30),
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine((d) => retentionDays.has(d), `one of ${[...retentionDays].join(', ')}`)
      .default(30),
    /** ECR keeps this many images per repository. */
    imageRetainCount: count(1, 1000, 20),
    natGateways: count(1, 2, 1),
    dbInstanceClass: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an RDS class without the db. prefix, e.g. t4g.small')
      .default('t4g.small'),
    dbAllocatedStorageGiB: count(20, 16384, 20),
    dbMultiAz: envBool.default(false),
    dbBackupRetentionDays: count(1, 35, 7),
    /** The upload API's cache of hot reads (ElastiCache for Valkey). */
    cacheNodeType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'a cache node type without the cache. prefix, e.g. t4g.micro')
      .default('t4g.micro'),
    cacheMultiAz: envBool.default(false),
    /** Existing brokers instead of an MSK Serverless cluster. */
    kafkaBrokers: envList.optional(),
    kafkaSsl: envBool.default(false),
    kafkaSasl: z.enum(['none', 'aws-msk-iam']).default('none'),
    /** With kafkaSasl=aws-msk-iam: the existing MSK cluster the task roles may connect to. */
    kafkaClusterArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/, 'an MSK cluster ARN')
      .optional(),
    /** A custom domain for the CDN; its certificate must live in us-east-1 (a CloudFront rule). */
    cdnDomainName: z.string().min(3).optional(),
    cdnCertificateArn: acmArn.optional(),
    /** Serves the API over HTTPS on 443 (HTTP on 80 then redirects). */
    apiCertificateArn: acmArn.optional(),
    /** Browser origins allowed to PUT presigned uploads into the raw bucket. */
    uploadCorsOrigins: envList.optional(),
    apiDesiredCount: count(1, 100, 2),
    dispatcherDesiredCount: count(1, 20, 1),
    completionDesiredCount: count(1, 20, 1),
    notifierDesiredCount: count(1, 20, 1),
    /** false: a tear-down also deletes buckets, repositories, the database and logs (dev stacks). */
    retainData: envBool.default(true),
  })
  .superRefine((s, ctx) => {
    if (Boolean(s.cdnDomainName) !== Boolean(s.cdnCertificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cdnCertificateArn'],
        message: 'cdnDomainName and cdnCertificateArn go together',
      });
    }
    if (s.cdnCertificateArn && !s.cdnCertificateArn.includes(':acm:us-east-1:')) {
      ctx.addIssue({ code: 'custom', path: ['cdnCertificateArn'], message: 'a certificate in us-east-1 (CloudFront)' });
    }
    if (!s.kafkaBrokers && (s.kafkaSsl || s.kafkaSasl !== 'none')) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafkaBrokers'],
        message: 'set with kafkaSsl/kafkaSasl (MSK sets its own)',
      });
    }
    if (s.kafkaBrokers && s.kafkaSasl === 'aws-msk-iam' && !s.kafkaClusterArn) {
      ctx.addIssue({ code: 'custom', path: ['kafkaClusterArn'], message: 'the MSK cluster ARN, to grant IAM access' });
    }
  });
export type DeploySettings = z.infer<typeof DeploySettings>;

/**
 * `-c` values arrive as strings and cdk.json values as JSON; both go through the same string coercion the services
 * use for env, so `-c dbMultiAz=true` and `"dbMultiAz": true` mean the same.
 */
export function settingsFromContext(node: Node): DeploySettings {
  const raw = Object.fromEntries(
    Object.keys(DeploySettings.shape).map((key) => [key, contextString(node.tryGetContext(key))]),
  );
  return parseEnv(DeploySettings, raw);
}

function contextString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const transcoderImageTagOf = (s: DeploySettings) => s.transcoderImageTag ?? s.imageTag;
