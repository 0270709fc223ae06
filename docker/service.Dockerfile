# syntax=docker/dockerfile:1
# One image per Reelforge service, from one file:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=upload-api --build-arg HEALTH_PORT=8080 .
# SERVICE is the workspace package without its scope (upload-api, dispatcher, completion, notifier, events-ingest,
# events-lake, engagement-metrics, recommender, playback-edge, web — whose entry is dist/server/main.js); HEALTH_PORT
# is where it answers /healthz (8080 upload-api, 8081 events-ingest, 8090 playback-edge, 3000 web, or an ops port:
# 9401 dispatcher, 9402 completion, 9403 events-lake, 9404 notifier, 9405 engagement-metrics, 9406 recommender).
# The context is the repository root. docker/push-images.sh builds, tags and pushes all of them.
# The transcoder's image (docker/transcoder.Dockerfile) starts from the same base, so the layers are shared.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
# pnpm comes from package.json "packageManager" through corepack: the image builds with the repo's own version.
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    npm_config_store_dir=/pnpm/store
RUN corepack enable

# The service and the workspace packages it depends on, nothing else: package.json files and the pruned lockfile in
# out/json (the install layer), all sources in out/full.
FROM base AS prune
ARG SERVICE
ARG TURBO_VERSION=2.11.11
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<upload-api|dispatcher|completion>' >&2; exit 1; }
WORKDIR /repo
COPY . .
RUN pnpm dlx turbo@${TURBO_VERSION} prune "@reelforge/${SERVICE}" --docker

FROM base AS build
ARG SERVICE
WORKDIR /repo
# Reused until a package.json or the lockfile changes.
COPY --from=prune /repo/out/json/ .
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /repo/out/full/ .
# turbo prune copies packages, not root files; every tsconfig extends this one.
COPY --from=prune /repo/tsconfig.base.json ./
RUN pnpm exec turbo run build --filter="@reelforge/${SERVICE}..."
# A self-contained folder: the service's dist plus production node_modules with the built workspace packages.
# --legacy: this workspace does not inject workspace packages, which pnpm 10's default deploy requires.
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store \
    pnpm --filter="@reelforge/${SERVICE}" deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG HEALTH_PORT=8080
LABEL org.opencontainers.image.title="reelforge-${SERVICE}"
ENV NODE_ENV=production \
    HEALTH_PORT=${HEALTH_PORT}
WORKDIR /app
# Owned by root, run as `node` (uid 1000): the process cannot rewrite its own code.
COPY --from=build /out ./
COPY docker/entrypoint.mjs docker/healthcheck.mjs ./
USER node
EXPOSE ${HEALTH_PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
# The entrypoint builds MYSQL_URL from ECS secrets, then runs CMD's module in the same process.
ENTRYPOINT ["node", "/app/entrypoint.mjs"]
CMD ["dist/main.js"]
