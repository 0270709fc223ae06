// Acknowledging a wildcard resource for cdk-nag: v3 matches the exact finding id, which for AwsSolutions-IAM5 is the
// resource as cdk-nag flattens it. Deriving the id from the very ARN a grant uses keeps the two from drifting.
import { Stack, Validations } from 'aws-cdk-lib';
import type { TaskDefinition } from 'aws-cdk-lib/aws-ecs';
// Not re-exported by the package index; the version is pinned, and a change surfaces as an unacknowledged finding.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const stack = Stack.of(scope);
  Validations.of(scope).acknowledge(
    ...resources.map((resource) => ({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`,
      reason,
    })),
  );
}

/**
 * What every task definition shares: env for configuration, and ECR's account-wide login call in its execution
 * role (acknowledged there, not on the task definition, so the task role's own wildcards stay checked).
 */
export function acknowledgeTaskDefinition(taskDefinition: TaskDefinition): void {
  Validations.of(taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'Environment variables carry non-secret configuration only; credentials arrive as ECS secrets.',
  });
  Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'The execution role calls ecr:GetAuthorizationToken, which has no resource-level permissions.',
  });
}
