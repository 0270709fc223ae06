// The dispatcher's ECS launcher settings as the stack must provide them: the keys of `ecsEnv` in
// @reelforge/config, less the emulator-only endpoint. The record type makes a missing key a compile error here.
import { ecsEnv } from '@reelforge/config';

/** Only for moto/LocalStack: in AWS the SDK finds ECS by region. */
const emulatorOnly = ['ECS_ENDPOINT'] as const;

export type LauncherEnvKey = Exclude<keyof typeof ecsEnv, (typeof emulatorOnly)[number]>;
export type LauncherEnv = Record<LauncherEnvKey, string>;

export const launcherEnvKeys = Object.keys(ecsEnv).filter(
  (key) => !(emulatorOnly as readonly string[]).includes(key),
) as LauncherEnvKey[];
