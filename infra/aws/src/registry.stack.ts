// The ECR repositories, in a stack of their own: images must be pushed before the services that run them can start,
// so a first deployment creates this stack, pushes, then deploys the rest (docs/deploy-aws.md).
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';
import type { DeploySettings } from './settings.js';

/** One image per service plus the transcoder task; docker/push-images.sh pushes exactly these. */
export const imageNames = [
  'upload-api',
  'dispatcher',
  'completion',
  'notifier',
  'engagement-metrics',
  'transcoder',
] as const;
export type ImageName = (typeof imageNames)[number];

export const repositoryName = (prefix: string, image: ImageName) => `${prefix}/${image}`;

/** `upload-api` → `UploadApi`, for construct ids and output names. */
export const pascalCase = (name: string) =>
  name
    .toLowerCase()
    .split(/[-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export class RegistryStack extends Stack {
  readonly repositories: Record<ImageName, Repository>;

  constructor(scope: Construct, id: string, props: StackProps & { settings: DeploySettings }) {
    super(scope, id, props);
    const { settings } = props;
    const entries = imageNames.map((image) => {
      const repository = new Repository(this, pascalCase(image), {
        repositoryName: repositoryName(settings.prefix, image),
        imageScanOnPush: true,
        // Tags are git commits by convention (push-images.sh); mutable so re-pushing one commit is not an error.
        imageTagMutability: TagMutability.MUTABLE,
        lifecycleRules: [
          {
            description: `keep the last ${settings.imageRetainCount} images`,
            maxImageCount: settings.imageRetainCount,
          },
        ],
        removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        // A throwaway stack's tear-down deletes the images with the repository (CloudFormation's EmptyOnDelete).
        emptyOnDelete: !settings.retainData,
      });
      new CfnOutput(this, `${pascalCase(image)}RepositoryUri`, { value: repository.repositoryUri });
      return [image, repository] as const;
    });
    this.repositories = Object.fromEntries(entries) as Record<ImageName, Repository>;
  }
}
