# The simulator's command line in a container, for sweeps sharded over a cluster
# (deploy/k8s/sweep-job.yaml runs one shard per pod). Build it from the project root:
#   docker build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t brtc-sim .
# and run any command of `npm run sim --`, with a folder for the results:
#   docker run --rm -v "$PWD/results:/results" brtc-sim sweep scenarios/sweep-degree.yaml --out /results/sweep-degree
FROM node:20-bookworm-slim

WORKDIR /app
# Dependencies first, so that a change to the sources does not reinstall them. tsx, which runs
# the TypeScript, is a runtime dependency; the dev ones (typescript, playwright) are not needed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .

# Result files name the commit they came from; the image has no .git, so it is told at build time.
ARG GIT_COMMIT=unknown
ENV BRTC_GIT_COMMIT=$GIT_COMMIT

RUN mkdir -p /app/results /results && chown node:node /app/results /results
USER node
ENTRYPOINT ["node", "--import", "tsx", "cli/sim.ts"]
CMD ["help"]
