# syntax=docker/dockerfile:1
#
# One image for every service. The services run from TypeScript source with
# tsx (there is no build step); SERVICE_ENTRY picks which one this container
# runs:
#
#   docker build --build-arg SERVICE_ENTRY=subgraphs/catalogue/src/index.ts -t shop-catalogue .
#   docker run -e PORT=4001 -e DATABASE_URL=… -e INTERNAL_SECRET=… shop-catalogue
#
# SERVICE_ENTRY is also an environment variable, so `docker run -e SERVICE_ENTRY=…`
# runs another service from the same image. docker-compose.yml builds the image
# once per service with the matching build argument (they share every layer up to SERVICE_ENTRY).
FROM node:20-bookworm-slim

# The version package.json's `packageManager` names, so the lockfile is read by the pnpm that wrote it.
RUN npm install --global pnpm@10.34.9

WORKDIR /app

# Manifests first: the install layer is rebuilt only when a manifest or the
# lockfile changes, not on every source edit. --frozen-lockfile needs every
# workspace project's package.json (test/ included); add new packages here.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/platform/package.json packages/platform/
COPY packages/seed/package.json packages/seed/
COPY packages/stack/package.json packages/stack/
COPY subgraphs/catalogue/package.json subgraphs/catalogue/
COPY subgraphs/inventory/package.json subgraphs/inventory/
COPY subgraphs/pricing/package.json subgraphs/pricing/
COPY subgraphs/orders/package.json subgraphs/orders/
COPY subgraphs/personalization/package.json subgraphs/personalization/
COPY packages/bff/package.json packages/bff/
COPY bff-web/package.json bff-web/
COPY bff-mobile/package.json bff-mobile/
COPY packages/relay/package.json packages/relay/
COPY gateway/package.json gateway/
COPY schema/package.json schema/
COPY test/package.json test/

# A full install (devDependencies included): NODE_ENV=production is set only
# after this step, because pnpm skips devDependencies under it, and the root's
# tsx (a devDependency) is what `node --import tsx` resolves from /app.
# The store lives in a BuildKit cache mount, so it stays out of the image
# (pnpm copies into node_modules instead of hard-linking).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store

# Sources (see .dockerignore), including schema/supergraph.graphql, which the gateway reads at start.
COPY . .

ENV NODE_ENV=production
# Listen on every interface, not the loopback default, so other containers and published ports reach the service.
ENV HOST=0.0.0.0

# The entry file, relative to /app: subgraphs/<name>/src/index.ts, gateway/src/index.ts, bff-web/src/index.ts, ….
# Declared this late so that the images of all services share every layer above.
ARG SERVICE_ENTRY=""
ENV SERVICE_ENTRY=${SERVICE_ENTRY}

# Files stay owned by root, so the service cannot modify its own code; tsx's cache goes to /tmp.
USER node

# /health answers as soon as the server listens (a subgraph listens after its
# migrations ran). PORT must be the port the service listens on: compose sets
# it; without it the check probes 4000, the gateway's default.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `exec` makes node PID 1, so SIGTERM from `docker stop` reaches it and it drains in-flight requests.
CMD ["sh", "-c", "exec node --import tsx \"${SERVICE_ENTRY:?set SERVICE_ENTRY, e.g. subgraphs/catalogue/src/index.ts}\""]
