// The container's health check (Docker HEALTHCHECK and the ECS task definitions): exit 0 when the service answers
// GET /healthz on its port, given as the first argument or HEALTH_PORT. Node is the one binary the image surely has.
const env = process.env;
const port = process.argv[2] ?? env.HEALTH_PORT ?? '8080';

try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
