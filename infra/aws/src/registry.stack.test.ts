import { beforeAll, describe, expect, it } from 'vitest';
import { imageNames } from './registry.stack.js';
import { type Synth, synth } from './testing/synth.js';

let s: Synth;
beforeAll(() => {
  s = synth({ imageRetainCount: '15' });
});

describe('registry stack', () => {
  it('has one repository per image, scanned on push, keeping the last N images', () => {
    const repos = Object.values(s.registryTemplate.findResources('AWS::ECR::Repository')).map(
      (r) => r.Properties as { RepositoryName: string; ImageScanningConfiguration: unknown; LifecyclePolicy: unknown },
    );
    expect(repos.map((r) => r.RepositoryName).sort()).toEqual(
      [
        'reelforge/completion',
        'reelforge/dispatcher',
        'reelforge/notifier',
        'reelforge/engagement-metrics',
        'reelforge/transcoder',
        'reelforge/upload-api',
      ].sort(),
    );
    expect(imageNames).toHaveLength(6);
    for (const repo of repos) {
      expect(repo.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
      const { LifecyclePolicyText } = repo.LifecyclePolicy as { LifecyclePolicyText: string };
      expect(JSON.parse(LifecyclePolicyText)).toEqual({
        rules: [
          {
            rulePriority: 1,
            description: 'keep the last 15 images',
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 15 },
            action: { type: 'expire' },
          },
        ],
      });
    }
  });

  it('keeps repositories and images on tear-down unless the stack is a throwaway one', () => {
    const props = (t: Synth) =>
      Object.values(t.registryTemplate.findResources('AWS::ECR::Repository')).map((r) => ({
        policy: r.DeletionPolicy,
        empty: (r.Properties as { EmptyOnDelete?: boolean }).EmptyOnDelete ?? false,
      }));
    expect(new Set(props(s).map((p) => JSON.stringify(p)))).toEqual(
      new Set([JSON.stringify({ policy: 'Retain', empty: false })]),
    );
    expect(new Set(props(synth({ retainData: 'false' })).map((p) => JSON.stringify(p)))).toEqual(
      new Set([JSON.stringify({ policy: 'Delete', empty: true })]),
    );
  });

  it('is deployed before the main stack, which pulls from those repositories by name', () => {
    expect(s.stack.dependencies).toContain(s.registry);
    const pulls = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap(
        (r) => (r.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      )
      .filter((st) => JSON.stringify(st.Action).includes('ecr:BatchGetImage'))
      .map((st) => JSON.stringify(st.Resource).match(/:repository\/([^"]+)"/)?.[1]);
    expect(pulls.sort()).toEqual([
      'reelforge/completion',
      'reelforge/dispatcher',
      'reelforge/engagement-metrics',
      'reelforge/notifier',
      'reelforge/transcoder',
      'reelforge/upload-api',
    ]);
  });
});
