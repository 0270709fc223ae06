import { ecsEnv } from '@reelforge/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { containerEnv, containerOf, logicalId, ref, type Synth, synth } from './testing/synth.js';

let s: Synth;
beforeAll(() => {
  s = synth();
});

/** What the dispatcher's ECS launcher reads in AWS: all of ecsEnv except the emulator endpoint. */
const required = Object.keys(ecsEnv)
  .filter((key) => key !== 'ECS_ENDPOINT')
  .sort();

describe("the dispatcher's ECS launcher config", () => {
  it('is set on the dispatcher container for exactly the ECS_* keys of ecsEnv', () => {
    const env = containerEnv(s.json, s.stack.services.dispatcher.taskDefinition);
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('ECS_'))
        .sort(),
    ).toEqual(required);
  });

  it('is exported as stack outputs named by those keys, with the same values', () => {
    const env = containerEnv(s.json, s.stack.services.dispatcher.taskDefinition);
    const outputs = Object.values(s.json.Outputs).filter((o) => o.Description?.startsWith('ECS_'));
    expect(outputs.map((o) => o.Description).sort()).toEqual(required);
    for (const output of outputs) expect(output.Value).toEqual(env[output.Description as string]);
  });

  it('points at this stack: its cluster, the transcoder task definition, container and security group', () => {
    const env = containerEnv(s.json, s.stack.services.dispatcher.taskDefinition);
    expect(env.ECS_CLUSTER).toEqual(ref(s.stack.cluster));
    expect(env.ECS_TASK_DEFINITION).toEqual(ref(s.stack.transcoder.taskDefinition));
    expect(env.ECS_SECURITY_GROUPS).toEqual({ 'Fn::GetAtt': [logicalId(s.stack.transcoder.securityGroup), 'GroupId'] });
    expect(env.ECS_CONTAINER_NAME).toBe(containerOf(s.json, s.stack.transcoder.taskDefinition).Name);
  });

  it('parses with the dispatcher’s own schema once CloudFormation has filled it in', () => {
    const env = containerEnv(s.json, s.stack.services.dispatcher.taskDefinition);
    // Deploy-time values stand in for the intrinsics; literals are kept as they are.
    const deployed: Record<string, string> = {
      ECS_CLUSTER: 'reelforge',
      ECS_TASK_DEFINITION: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/reelforge-transcoder:3',
      ECS_SUBNETS: 'subnet-1,subnet-2',
      ECS_SECURITY_GROUPS: 'sg-1',
    };
    const filled = Object.fromEntries(
      Object.entries(env)
        .filter(([k]) => k.startsWith('ECS_'))
        .map(([k, v]) => [k, typeof v === 'string' ? v : deployed[k]]),
    );
    expect(z.object(ecsEnv).parse(filled)).toEqual({
      ECS_CLUSTER: 'reelforge',
      ECS_TASK_DEFINITION: deployed.ECS_TASK_DEFINITION,
      ECS_CONTAINER_NAME: 'transcoder',
      ECS_SUBNETS: ['subnet-1', 'subnet-2'],
      ECS_SECURITY_GROUPS: ['sg-1'],
      ECS_ASSIGN_PUBLIC_IP: false,
    });
  });
});
