// One S3 client factory for AWS and S3-compatible servers (s3proxy, LocalStack) alike.
import { S3Client } from '@aws-sdk/client-s3';

interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Config {
  region: string;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  /**
   * Emulators' keys, or a transcoder task's job session (static, or a provider the client calls again before each
   * session ends); otherwise the default provider chain (task role, env, profile) applies.
   */
  credentials?: StaticCredentials | (() => Promise<StaticCredentials & { expiration: Date }>) | undefined;
}

export function createS3Client(cfg: S3Config): S3Client {
  return new S3Client({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.forcePathStyle ?? Boolean(cfg.endpoint),
    ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
    // The SDK's default (CRC32 on every request, validated on every response) breaks presigned URLs that clients
    // PUT with plain curl and trips emulators that don't echo checksums; send them only where S3 demands one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
