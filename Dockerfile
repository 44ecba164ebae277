# syntax=docker/dockerfile:1
# Node 24, the current LTS: NestJS 11 (>= 20), TypeORM 0.3 (>= 16.13), BullMQ 5, @nestjs/throttler 6 (20.19, 22.12, 24+)
# and content-disposition 3 (>= 22, under @fastify/static) all support it.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# dist/ holds main.js (the service, every ROLE) and cli.js (the operators' CLI, migrations included): no ts-node.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
# Owned by root, run as `node`: the process cannot change its own code.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# No curl in the image: Node's fetch. A ROLE=worker container has no API: docker-compose.yml probes it on METRICS_PORT.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The V8 flags of `npm start`, measured under a steady stream of webhooks (docs/benchmarks.md): a young generation of
# 16 MB (shorter minor GCs) and an old generation allowed to grow to 3x its live size before a major GC.
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=200", "dist/main.js"]
