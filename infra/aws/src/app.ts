// The Reelforge CDK app: the registry stack, the main stack that depends on it, and the AwsSolutions checks, which
// stop a synth (and so a deploy) on any finding not acknowledged with a reason.
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReelforgeStack } from './reelforge.stack.js';
import { pascalCase, RegistryStack } from './registry.stack.js';
import { type DeploySettings, settingsFromContext } from './settings.js';

export interface ReelforgeApp {
  settings: DeploySettings;
  registry: RegistryStack;
  stack: ReelforgeStack;
}

/**
 * `region` pins the stacks to a region (main.ts passes the CLI's); the account stays unresolved, so nothing is ever
 * looked up and the same app synthesizes offline, environment-agnostic, when no region is given.
 */
export function buildApp(app: App, region?: string): ReelforgeApp {
  const settings = settingsFromContext(app.node);
  const name = pascalCase(settings.prefix);
  const env = region ? { region } : undefined;
  const registry = new RegistryStack(app, `${name}Registry`, {
    env,
    settings,
    description: 'Reelforge image repositories (deployed first: images are pushed before services start)',
  });
  const stack = new ReelforgeStack(app, name, {
    env,
    settings,
    description: 'Reelforge: buckets, CDN, network, MySQL, Kafka, ECS services and the transcoder task',
  });
  // Order only, no exports: the main stack finds the repositories by name.
  stack.addStackDependency(registry);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, registry, stack };
}
