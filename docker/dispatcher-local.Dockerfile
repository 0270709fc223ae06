# syntax=docker/dockerfile:1
# The dispatcher with the transcoder beside it, for docker compose: there is no ECS to launch tasks on, so the
# dispatcher's LocalProcessLauncher runs the transcoder's task mode as a child process in the same container
# (FFmpeg included). On AWS the dispatcher uses service.Dockerfile and launches transcoder.Dockerfile on Fargate.
#   docker build -f docker/dispatcher-local.Dockerfile .
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    npm_config_store_dir=/pnpm/store
RUN corepack enable

FROM base AS prune
ARG TURBO_VERSION=2.11.11
WORKDIR /repo
COPY . .
RUN pnpm dlx turbo@${TURBO_VERSION} prune @reelforge/dispatcher @reelforge/transcoder --docker

FROM base AS build
WORKDIR /repo
COPY --from=prune /repo/out/json/ .
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /repo/out/full/ .
COPY --from=prune /repo/tsconfig.base.json ./
RUN pnpm exec turbo run build --filter=@reelforge/dispatcher... --filter=@reelforge/transcoder...
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store \
    pnpm --filter=@reelforge/dispatcher deploy --prod --legacy /out/dispatcher \
 && pnpm --filter=@reelforge/transcoder deploy --prod --legacy /out/transcoder

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HEALTH_PORT=9401 \
    TASK_LAUNCHER=local \
    TRANSCODER_ENTRY=/app/transcoder/dist/task.main.js \
    SCRATCH_DIR=/scratch
RUN mkdir /scratch && chown node:node /scratch
WORKDIR /app
COPY --from=build /out ./
COPY docker/healthcheck.mjs ./
USER node
EXPOSE 9401
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dispatcher/dist/main.js"]
