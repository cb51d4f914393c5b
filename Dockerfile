# The Thunderline image: `thunderline start` (the application tree, its dashboard and /health on
# port 4100) as a non-root user, its SQLite ledger on the /data volume. docs/deploy.md says how
# to build, run and deploy it; test/deploy/image.test.ts builds and runs the runtime stage below.
#
#   docker build -t thunderline:0.1.0 .
#   docker run -d --name thunderline -p 4100:4100 -v thunderline-data:/data \
#     -e THUNDERLINE_TOKEN=change-me-to-a-long-random-token thunderline:0.1.0

# --- builder: the TypeScript build and better-sqlite3's native module, on the runtime's Debian
# release (bookworm), so the module links against the same glibc and libstdc++.
FROM node:20-bookworm-slim AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (a layer that survives source edits); better-sqlite3 is the one install
# script the runtime needs (package.json "allowScripts").
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json index.ts ./
COPY src ./src
COPY actors ./actors
COPY supervisors ./supervisors
COPY bin ./bin
COPY drizzle ./drizzle
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /out/src/server \
 && cp -R package.json dist bin drizzle node_modules /out/ \
 && cp -R src/server/public /out/src/server/public

# --- base: Node 20 on bookworm, tini as PID 1, the thunderline user (uid 10001) owning /data.
FROM node:20-bookworm-slim AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 thunderline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin thunderline \
 && mkdir -p /data \
 && chown 10001:10001 /data

# --- runtime: what runs. test/deploy/image.test.ts builds these lines on its own base.
FROM base AS runtime
ENV NODE_ENV=production \
    HEALTHCHECK_PORT=4100
WORKDIR /app
COPY --from=builder /out/ /app/
USER 10001:10001
VOLUME ["/data"]
EXPOSE 4100
# /health is open without the token; 503 (failing) and no answer are unhealthy. Set
# HEALTHCHECK_PORT when you pass another --port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTHCHECK_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it passes SIGTERM (docker stop, Kubernetes) to node, which stops the tree
# gracefully (reverse start order, the run closed as "shutdown", exit 0), and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/thunderline.js"]
# Every address of the container (a token is then required: -e THUNDERLINE_TOKEN=…); the
# browser origins of `-p 4100:4100`.
CMD ["start", "--host", "0.0.0.0", "--port", "4100", "--db", "/data/thunderline.db", "--allow-origin", "http://127.0.0.1:4100", "--allow-origin", "http://localhost:4100"]
