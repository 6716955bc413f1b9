# driftwatch image: build with the dev dependencies, ship only the runtime ones.
#   docker build -t driftwatch .
#   docker run -e DATABASE_URL=postgres://… -e DRIFTWATCH_ADMIN_TOKENS=… -p 8080:8080 driftwatch
# Node 24 LTS: inside package.json's engines (^22.15.0 || >=24, what the
# OpenTelemetry 3.x packages and the dev tools declare); Node 20 is out of support.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script downloads CUDA files; its CPU binaries ship
# inside the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# Scripts run after the sources are in (the `prepare` script compiles them).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm rebuild \
  && npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
  ONNXRUNTIME_NODE_INSTALL=skip \
  DRIFTWATCH_PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY package.json driftwatch.yaml ./
COPY bin ./bin
COPY sql ./sql
COPY models ./models
# The image's files belong to root and are read-only for the service; the
# embedded PostgreSQL (used only without DATABASE_URL) writes to /data.
RUN mkdir -p /data /var/log/predictions \
  && chown node:node /data /var/log/predictions
ENV DRIFTWATCH_DATA_DIR=/data/pg
USER node
EXPOSE 8080
# Liveness only (/health never touches the database); slim images have no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DRIFTWATCH_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# DATABASE_URL and the tokens (DRIFTWATCH_INGEST_TOKENS, DRIFTWATCH_ADMIN_TOKENS,
# comma-separated, 16+ characters) come from the environment. Bound to 0.0.0.0
# without tokens, driftwatch refuses to start unless DRIFTWATCH_AUTH=none.
CMD ["node", "bin/driftwatch.js", "serve", "--host", "0.0.0.0"]
