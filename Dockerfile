# One image for every Hookrail process; the compose file picks the entry point (the default is
# `npm start`'s: API and worker in one process). The base is the Node version package.json pins
# for development (devDependencies.node), so the image runs what the tests ran.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# The manifests of the root and of every workspace, and the lockfile: the dependency layers
# below depend on these alone, so a change to the sources reuses them.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY apps/standalone/package.json apps/standalone/
COPY apps/worker/package.json apps/worker/
COPY bench/package.json bench/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/delivery/package.json packages/delivery/
COPY packages/ids/package.json packages/ids/
COPY packages/logger/package.json packages/logger/
COPY packages/outbound/package.json packages/outbound/
COPY packages/queue/package.json packages/queue/
COPY packages/runtime/package.json packages/runtime/
COPY packages/secrets/package.json packages/secrets/
COPY packages/signing/package.json packages/signing/
COPY packages/telemetry/package.json packages/telemetry/

# The browser dashboard is built with the dev tools (vite, react), which the image leaves out.
FROM manifests AS dashboard
RUN npm ci --no-audit --no-fund
COPY apps/dashboard apps/dashboard
RUN npm run build:dashboard

FROM manifests AS runtime
ENV NODE_ENV=production
# Production dependencies only: Node 24 runs the TypeScript sources directly (type stripping),
# so neither the pinned dev runtime nor the build tools are needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# .dockerignore keeps out node_modules, .env, local data (.hookrail) and test output.
COPY . .
COPY --from=dashboard /app/apps/dashboard/dist apps/dashboard/dist
# The sources stay root's and read-only to the process; only the data directory (where a
# generated encryption key goes) is the node user's.
RUN mkdir -p /app/.hookrail && chown node:node /app/.hookrail

USER node
EXPOSE 8080
# Liveness only (the process answers; Postgres and Redis untouched): `GET /health` is the
# readiness check. A worker on its own answers on HOOKRAIL_WORKER_METRICS_PORT instead, so the
# compose file gives workers their own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8's heap sized for a process whose live heap is some 40 MB: a 16 MB semi-space (Node 24's
# default is 64 MB), a first full GC at 32 MB of old space (module loading leaves about 200 MB
# of garbage), and an old space let grow by half its live size between full GCs. The same
# options as the npm start scripts; see the README, "Sizing and scaling".
CMD ["node", "--max-semi-space-size=16", "--initial-old-space-size=32", "--heap-growing-percent=50", "apps/standalone/src/main.ts"]
