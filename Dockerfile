# Livechat's image: one node, as `npm start` runs it. The first stage installs with
# `npm ci` and builds the pages (`npm run build`, i.e. next build); the second runs
# the result as the unprivileged `node` user. Several nodes, PostgreSQL, Redis and
# nginx together: docker-compose.yml. Not built where it was written (no Docker
# engine there): see docs/scaling.md#containers.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
# npm start runs the TypeScript server through tsx, so the sources come along with the build.
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "start"]
