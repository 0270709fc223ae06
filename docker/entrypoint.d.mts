// Types of the container entrypoint's one export, for the infra/aws tests that import it.
export function mysqlUrlFromEnv(env: Record<string, string | undefined>): { url?: string; missing: string[] };
