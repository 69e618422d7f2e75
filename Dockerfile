# Flywheel's one image: every role (gateway, worker, training worker, console, CLI) is `flywheel <command>`.
# Node 24 runs the TypeScript sources as they are (type stripping): there is no build step, only the
# production dependencies, installed in a stage with a compiler for any native addon.

FROM node:24-bookworm AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    FLYWHEEL_LOG_FORMAT=json \
    # Scratch space only: in production every role keeps its state in PostgreSQL, S3 and Unleash.
    FLYWHEEL_DATA_DIR=/tmp/flywheel
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY activities ./activities
COPY adapters ./adapters
COPY cli ./cli
COPY client ./client
COPY console ./console
COPY core ./core
COPY gateway ./gateway
COPY workers ./workers
COPY workflows ./workflows
# The image's own unprivileged user (uid 1000): nothing runs as root.
USER node
EXPOSE 8080
# The gateway answers GET /healthz; a worker started with --metrics-port answers GET /metrics (set
# FLYWHEEL_HEALTHCHECK_URL to it, as docker-compose.yml does).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.FLYWHEEL_HEALTHCHECK_URL ?? 'http://127.0.0.1:8080/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "cli/bin.ts"]
CMD ["gateway", "--host", "0.0.0.0", "--port", "8080"]
