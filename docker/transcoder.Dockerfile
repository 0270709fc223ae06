# syntax=docker/dockerfile:1
# The transcoder task image for ECR: Node 24 on Debian bookworm slim with Debian's FFmpeg 5.1 (the version the tests
# and the benchmark run against), a non-root user, and task mode (dist/task.main.js) as the entrypoint. The context
# is the repository root; docker/push-images.sh builds and pushes it:
#
#   docker build -f docker/transcoder.Dockerfile -t reelforge-transcoder .
#   docker run --rm -e JOB_SPEC='{…}' -e KAFKA_BROKERS=… reelforge-transcoder
#
# The CLI is in the image too:
#   docker run --rm -v "$PWD:/w" --entrypoint node reelforge-transcoder dist/cli.js /w/in.mp4 /w/out
#
# Stages: prune (the transcoder and the workspace packages it uses, `turbo prune --docker`) → build (install from the
# pruned lockfile, tsc, `pnpm deploy --prod` into /out) → runtime (FFmpeg, tini and /out, nothing else).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=10.34.9
ENV PNPM_HOME=/pnpm \
    npm_config_store_dir=/pnpm/store \
    PATH=/pnpm:$PATH
RUN npm install --global --no-fund --no-audit pnpm@${PNPM_VERSION}

FROM base AS prune
ARG TURBO_VERSION=2.11.11
WORKDIR /repo
COPY . .
RUN pnpm dlx turbo@${TURBO_VERSION} prune @reelforge/transcoder --docker

FROM base AS build
WORKDIR /repo
# Manifests and the pruned lockfile first: the install layer is reused until a dependency changes.
COPY --from=prune /repo/out/json/ .
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile
COPY --from=prune /repo/out/full/ .
# turbo prune copies the packages, not root files; every tsconfig extends this one.
COPY --from=prune /repo/tsconfig.base.json ./
RUN pnpm exec turbo run build --filter=@reelforge/transcoder...
# --legacy: this workspace does not inject workspace packages, which pnpm 10's default deploy requires. The result
# is self-contained: the transcoder's dist plus production node_modules holding the built workspace packages.
RUN --mount=type=cache,id=reelforge-pnpm-store,target=/pnpm/store \
    pnpm --filter=@reelforge/transcoder deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="reelforge-transcoder" \
      org.opencontainers.image.source="https://github.com/reelforge/reelforge"
# tini as PID 1 passes ECS's SIGTERM on to node (which kills ffmpeg's process group and reports INTERRUPTED within
# the task's stopTimeout) and reaps anything orphaned.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    SCRATCH_DIR=/scratch
# The downloaded source and the outputs before upload live here; the task's ephemeral storage is sized for both.
RUN mkdir /scratch && chown node:node /scratch
WORKDIR /app
# Owned by root and only readable by the runtime user: the task cannot rewrite its own code.
COPY --from=build /out ./
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/task.main.js"]
