# One image for every Hookrail process; the compose file picks the entry point.

# The browser dashboard is built with the dev tools (vite, react), which the image leaves out.
FROM node:24-bookworm-slim AS dashboard
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build:dashboard

FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

COPY . .
COPY --from=dashboard /app/apps/dashboard/dist apps/dashboard/dist
# Production dependencies only: the image's own Node 24 runs the TypeScript sources directly
# (type stripping), so neither the pinned dev runtime nor the build tools are needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /app/.hookrail && chown node:node /app/.hookrail

USER node
EXPOSE 8080
CMD ["node", "apps/standalone/src/main.ts"]
