# The Tandem relay with the built editor. One image for one relay or many:
# DATABASE_URL and REDIS_URL decide (see README, "Self-hosting").
# Build: docker build -t tandem .
# Run:   docker run -p 1234:1234 -v tandem-data:/data -e AUTH_SECRET=$(openssl rand -hex 32) tandem

# --- build: install everything, build the editor, then keep production deps only
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json vite.config.ts ./
COPY client client
COPY shared shared
COPY server server
COPY scripts scripts
RUN npm run build && npm prune --omit=dev

# --- runtime: no compilers, a non-root user, data on a volume
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=1234 \
    DATA_DIR=/data \
    CLIENT_DIR=/app/dist/client
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist/client dist/client
COPY --from=build --chown=root:root /app/dist/server dist/server
COPY --from=build --chown=root:root /app/package.json /app/tsconfig.json ./
COPY --from=build --chown=root:root /app/server server
COPY --from=build --chown=root:root /app/shared shared
COPY --from=build --chown=root:root /app/scripts scripts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 1234
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||1234)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM (docker stop) closes clients, commits and exits cleanly. The relay
# runs as plain JavaScript (built by `npm run build`); server/ and shared/ stay
# for the backup, restore and token scripts, which run under tsx.
CMD ["node", "dist/server/main.js"]
