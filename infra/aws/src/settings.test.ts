import { ConfigError } from '@reelforge/config';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ephemeralStorageGiB, MAX_INPUT_GIB, settingsFromContext, transcoderImageTagOf } from './settings.js';

const read = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

function problems(context: Record<string, unknown>): string[] {
  try {
    read(context);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.variable).sort();
    throw err;
  }
  return [];
}

describe('settingsFromContext', () => {
  it('defaults to a small, retained deployment with MSK Serverless', () => {
    expect(read({})).toEqual({
      prefix: 'reelforge',
      imageTag: 'latest',
      transcoderSize: 'medium',
      maxInputGiB: 20,
      rawArchiveAfterDays: 30,
      logRetentionDays: 30,
      imageRetainCount: 20,
      natGateways: 1,
      dbInstanceClass: 't4g.small',
      dbAllocatedStorageGiB: 20,
      dbMultiAz: false,
      cacheNodeType: 't4g.micro',
      cacheMultiAz: false,
      dbBackupRetentionDays: 7,
      kafkaSsl: false,
      kafkaSasl: 'none',
      apiDesiredCount: 2,
      dispatcherDesiredCount: 1,
      completionDesiredCount: 1,
      notifierDesiredCount: 1,
      retainData: true,
    });
  });

  it('reads `-c` strings and cdk.json values alike', () => {
    const fromCli = read({ rawArchiveAfterDays: '90', dbMultiAz: 'true', kafkaBrokers: 'a:9092, b:9092' });
    const fromJson = read({ rawArchiveAfterDays: 90, dbMultiAz: true, kafkaBrokers: ['a:9092', 'b:9092'] });
    for (const s of [fromCli, fromJson]) {
      expect(s.rawArchiveAfterDays).toBe(90);
      expect(s.dbMultiAz).toBe(true);
      expect(s.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    }
  });

  it('names every wrong key at once', () => {
    expect(
      problems({
        transcoderSize: 'huge',
        logRetentionDays: 31,
        maxInputGiB: 67,
        prefix: 'Reel_Forge',
        imageTag: 'a b',
      }),
    ).toEqual(['imageTag', 'logRetentionDays', 'maxInputGiB', 'prefix', 'transcoderSize']);
  });

  it('wants a CDN domain with its certificate, and that certificate in us-east-1', () => {
    expect(problems({ cdnDomainName: 'media.example.com' })).toEqual(['cdnCertificateArn']);
    expect(
      problems({
        cdnDomainName: 'media.example.com',
        cdnCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      }),
    ).toEqual(['cdnCertificateArn']);
    expect(
      problems({
        cdnDomainName: 'media.example.com',
        cdnCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      }),
    ).toEqual([]);
  });

  it('takes Kafka auth settings only with existing brokers, and a cluster ARN for their IAM auth', () => {
    expect(problems({ kafkaSasl: 'aws-msk-iam' })).toEqual(['kafkaBrokers']);
    expect(problems({ kafkaBrokers: 'b:9098', kafkaSasl: 'aws-msk-iam' })).toEqual(['kafkaClusterArn']);
    expect(
      problems({
        kafkaBrokers: 'b:9098',
        kafkaSasl: 'aws-msk-iam',
        kafkaClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/shared/abc-1',
      }),
    ).toEqual([]);
  });

  it('rolls the transcoder on its own tag, or the shared one', () => {
    expect(transcoderImageTagOf(read({ imageTag: 'abc' }))).toBe('abc');
    expect(transcoderImageTagOf(read({ imageTag: 'abc', transcoderImageTag: 'def' }))).toBe('def');
  });
});

describe('ephemeralStorageGiB', () => {
  it('holds three times the largest input plus 1 GiB, within Fargate’s 21-200 GiB', () => {
    expect(ephemeralStorageGiB(1)).toBe(21);
    expect(ephemeralStorageGiB(6)).toBe(21);
    expect(ephemeralStorageGiB(7)).toBe(22);
    expect(ephemeralStorageGiB(20)).toBe(61);
    expect(MAX_INPUT_GIB).toBe(66);
    expect(ephemeralStorageGiB(MAX_INPUT_GIB)).toBe(199);
  });
});
