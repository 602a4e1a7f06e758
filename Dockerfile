# The Tandem relay with the built editor. One image for one relay or many:
# DATABASE_URL and REDIS_URL decide (see README, "Self-hosting").
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 installs a prebuilt binary; no compiler needed.
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npx vite build --logLevel warn
ENV HOST=0.0.0.0 PORT=1234 DATA_DIR=/data
# Used only without DATABASE_URL (SQLite).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 1234
USER node
CMD ["node", "--import", "tsx", "server/main.ts"]
