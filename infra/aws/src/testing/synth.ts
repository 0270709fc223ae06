// Synthesizes the app for tests as `cdk synth` would: cdk.json's context plus overrides, no account, and a region
// only when asked. Each test file synthesizes once and shares the result.
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp, type ReelforgeApp } from '../app.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Synth extends ReelforgeApp {
  app: App;
  template: Template;
  json: TemplateJson;
  registryTemplate: Template;
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown; Description?: string }>;
}

export function synth(context: Record<string, unknown> = {}, region?: string): Synth {
  // CDK's own CloudFormation schema check costs ~20 s of WASM start-up per process; `cdk synth` still runs it,
  // and what the tests assert is ours (template shape, IAM, cdk-nag), which it does not touch.
  const app = new App({ context: { ...cdkJson.context, ...context }, builtinCloudFormationValidation: false });
  const built = buildApp(app, region);
  const template = Template.fromStack(built.stack);
  return {
    app,
    ...built,
    template,
    json: template.toJSON() as TemplateJson,
    registryTemplate: Template.fromStack(built.registry),
  };
}

/** The logical id of a construct's CloudFormation resource, as the template names it. */
export function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
  const stack = Stack.of(construct);
  return stack.resolve(stack.getLogicalId(cfn)) as string;
}

export const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
export const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

export const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Every statement of the AWS::IAM::Policy resources attached to a role. */
export function statementsOfRole(json: TemplateJson, role: IConstruct): Statement[] {
  const id = logicalId(role);
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: id })))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The Properties of a construct's resource in the template. */
export function propertiesOf(json: TemplateJson, construct: IConstruct): Record<string, unknown> {
  const resource = json.Resources[logicalId(construct)];
  if (!resource) throw new Error(`no resource for ${construct.node.path}`);
  return resource.Properties;
}

export interface ContainerJson {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  HealthCheck?: { Command: string[] };
  [key: string]: unknown;
}

/** The (only) container of a task definition. */
export function containerOf(json: TemplateJson, taskDefinition: IConstruct): ContainerJson {
  const [container] = propertiesOf(json, taskDefinition).ContainerDefinitions as ContainerJson[];
  if (!container) throw new Error(`no container in ${taskDefinition.node.path}`);
  return container;
}

/** The container env of a task definition as name → CloudFormation value. */
export function containerEnv(json: TemplateJson, taskDefinition: IConstruct): Record<string, unknown> {
  return Object.fromEntries((containerOf(json, taskDefinition).Environment ?? []).map((e) => [e.Name, e.Value]));
}

export function containerSecrets(json: TemplateJson, taskDefinition: IConstruct): Record<string, unknown> {
  return Object.fromEntries((containerOf(json, taskDefinition).Secrets ?? []).map((e) => [e.Name, e.ValueFrom]));
}
