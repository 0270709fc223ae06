import { type App, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synth } from './testing/synth.js';

/** Every finding cdk-nag's AwsSolutions pack reports that no acknowledgement covers, errors and warnings alike. */
function unacknowledged(app: App) {
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, unknown>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

const variants: Record<string, [Record<string, unknown>, string?]> = {
  'defaults, environment-agnostic': [{}],
  'defaults, synthesized for a region (ALB access logs on)': [{}, 'eu-west-1'],
  'custom domains, existing MSK brokers, multi-AZ, throwaway data': [
    {
      cdnDomainName: 'media.example.com',
      cdnCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/cdn',
      apiCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/api',
      kafkaBrokers: 'b-1.msk.example:9098,b-2.msk.example:9098',
      kafkaSsl: 'true',
      kafkaSasl: 'aws-msk-iam',
      kafkaClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/shared/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
      dbMultiAz: 'true',
      cacheMultiAz: 'true',
      retainData: 'false',
      uploadCorsOrigins: 'https://app.example.com',
    },
    'eu-west-1',
  ],
  'existing plain brokers': [{ kafkaBrokers: 'kafka.internal:9092' }],
};

describe('cdk-nag AwsSolutions', () => {
  const apps: App[] = [];
  for (const [name, [context, region]] of Object.entries(variants)) {
    it(`reports nothing unacknowledged: ${name}`, () => {
      const { app } = synth(context, region);
      apps.push(app);
      expect(unacknowledged(app)).toEqual([]);
    });
  }

  it('gives every acknowledgement a reason', () => {
    expect(apps).toHaveLength(Object.keys(variants).length);
    for (const app of apps) {
      const all = acknowledgements(app);
      expect(all.length).toBeGreaterThan(10);
      for (const a of all) {
        // Rule ids without a plugin namespace are stored under `Annotation::`.
        expect(a.id, a.path).toMatch(/^(Annotation::AwsSolutions-|CloudFormation-Validate::)/);
        expect(typeof a.reason === 'string' && a.reason.length >= 30, `${a.path} ${a.id}`).toBe(true);
      }
    }
  });

  it('reports a finding nobody acknowledged, so the checks above can fail', () => {
    const { app, stack } = synth();
    new Bucket(stack, 'Unlogged', { enforceSSL: true });
    expect(unacknowledged(app)).toEqual(['error AwsSolutions-S1: Reelforge/Unlogged/Resource']);
  });
});
