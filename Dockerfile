# Not built on the development machines (no Docker engine there): keep it plain.
FROM node:20-slim AS build
WORKDIR /code
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY scripts ./scripts
COPY schemas ./schemas
COPY component_config ./component_config
COPY templates ./templates
COPY src ./src
COPY tests ./tests
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /code
ENV NODE_ENV=production
COPY --from=build /code/package.json ./
COPY --from=build /code/node_modules ./node_modules
COPY --from=build /code/dist ./dist
COPY --from=build /code/templates ./templates
# The platform mounts /data; KBC_DATADIR may point elsewhere.
# Exec form: node runs as PID 1 and gets SIGTERM itself (no shell, no npm in between). The kernel delivers a
# signal to PID 1 only if it has a handler: main.ts installs them for SIGTERM and SIGINT (stop, no state, exit 1).
CMD ["node", "dist/src/main.js"]
