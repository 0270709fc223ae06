import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { healthPorts } from './reelforge.stack.js';
import { RegistryStack } from './registry.stack.js';
import { settingsFromContext } from './settings.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../docker/push-images.sh', import.meta.url));
const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** The repositories as the registry stack creates them (that stack alone: nothing else matters here). */
let repositories: string[];
beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false });
  const registry = new RegistryStack(app, 'Registry', { settings: settingsFromContext(app.node) });
  repositories = Object.values(Template.fromStack(registry).findResources('AWS::ECR::Repository')).map(
    (r) => (r.Properties as { RepositoryName: string }).RepositoryName,
  );
});

async function dryRun(args: string[], env: Record<string, string> = {}) {
  const { stdout } = await run('bash', [script, '--dry-run', '--tag', 'abc123', ...args], {
    env: { PATH: process.env.PATH ?? '', AWS_ACCOUNT_ID: '123456789012', AWS_REGION: 'eu-west-1', ...env },
  });
  return stdout.split('\n').filter((line) => line.startsWith('+ docker '));
}

describe('docker/push-images.sh', () => {
  it('pushes every image to exactly the repositories the registry stack creates, as the tag and latest', async () => {
    const lines = await dryRun([]);
    const pushed = lines.filter((l) => l.startsWith('+ docker push ')).map((l) => l.slice('+ docker push '.length));
    expect(pushed.sort()).toEqual(
      repositories.flatMap((name) => [`${registry}/${name}:abc123`, `${registry}/${name}:latest`]).sort(),
    );
  });

  it('builds the services from service.Dockerfile with their health ports, the transcoder from its own file', async () => {
    const builds = (await dryRun([])).filter((l) => l.startsWith('+ docker build '));
    expect(builds).toHaveLength(6);
    for (const [service, port] of Object.entries(healthPorts)) {
      expect(builds).toContainEqual(
        expect.stringContaining(
          `-f docker/service.Dockerfile --build-arg SERVICE=${service} --build-arg HEALTH_PORT=${port} ` +
            `-t ${registry}/reelforge/${service}:abc123`,
        ),
      );
    }
    expect(builds).toContainEqual(
      expect.stringContaining(`-f docker/transcoder.Dockerfile -t ${registry}/reelforge/transcoder:abc123`),
    );
    for (const build of builds) expect(build).toContain('--platform linux/amd64');
  });

  it('pushes only the images asked for, under another prefix when given', async () => {
    const lines = await dryRun(['transcoder'], { REELFORGE_PREFIX: 'staging' });
    expect(lines.filter((l) => l.startsWith('+ docker push '))).toEqual([
      `+ docker push ${registry}/staging/transcoder:abc123`,
      `+ docker push ${registry}/staging/transcoder:latest`,
    ]);
  });

  it('refuses an unknown image before touching anything', async () => {
    const failed = (await dryRun(['nope']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(failed.code).toBe(64);
    expect(failed.stderr).toContain('unknown image: nope');
  });
});
