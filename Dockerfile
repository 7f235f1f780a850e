# The dagen app image: one image for `dagen api`, `dagen worker`, `dagen migrate` and the admin commands.
# Node 22 runs the TypeScript sources directly (type stripping), so the image holds the sources and there
# is no build step.
FROM node:22-bookworm-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so a source change does not reinstall them.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

ENV HOST=0.0.0.0 \
    PORT=8080 \
    METRICS_PORT=9464
EXPOSE 8080 9464

ENTRYPOINT ["node", "bin/dagen.js"]
CMD ["api"]
