# Not built on the development machines (no Docker engine there): keep it plain.
# Node 24 (active LTS), pinned to the release the suite also runs on (package.json: node24, engines).
FROM node:24.22.3-slim AS build
WORKDIR /code
COPY package.json package-lock.json ./
# The optional package is the suite's Node 24 binary: not needed to build.
RUN npm ci --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/gen-types.mjs ./scripts/
COPY schemas ./schemas
COPY component_config ./component_config
COPY templates ./templates
COPY src ./src
# The component only: no tests, simulator, benchmark or demo are compiled or shipped.
RUN npm run gen:types && npx tsc -p tsconfig.build.json && npm prune --omit=dev --omit=optional

FROM node:24.22.3-slim
WORKDIR /code
ENV NODE_ENV=production
COPY --from=build --chown=root:root /code/package.json ./
COPY --from=build --chown=root:root /code/node_modules ./node_modules
COPY --from=build --chown=root:root /code/dist/src ./dist/src
COPY --from=build --chown=root:root /code/templates ./templates
# The image's unprivileged user: the code stays root's (read-only to it); it writes only to the data directory.
USER node
# The platform mounts /data; KBC_DATADIR may point elsewhere.
# Exec form: node runs as PID 1 and gets SIGTERM itself (no shell, no npm in between). The kernel delivers a
# signal to PID 1 only if it has a handler: main.ts installs them for SIGTERM and SIGINT (stop, no state, exit 1).
CMD ["node", "dist/src/main.js"]
