// The Reelforge services `./reelforge up` runs on top of the stack, and the set-up they need first
// (migrations, topics). A service whose build output is missing is skipped.
export interface ServiceSpec {
  name: string;
  /** Built entry point, relative to the repo root. */
  entry: string;
  port: number;
  portVar: string;
  url: string;
  env: Record<string, string>;
}

type SetupStep = (env: Record<string, string>, log: (s: string) => void) => Promise<void>;

const port = (name: string, fallback: number) => Number.parseInt(process.env[name] ?? String(fallback), 10);

const apiPort = port('PORT', 8080);

export const services: { list: ServiceSpec[]; setup: SetupStep[] } = {
  list: [
    {
      name: 'upload-api',
      entry: 'services/upload-api/dist/main.js',
      port: apiPort,
      portVar: 'PORT',
      url: `http://127.0.0.1:${apiPort}`,
      env: { PORT: String(apiPort) },
    },
  ],
  setup: [],
};
