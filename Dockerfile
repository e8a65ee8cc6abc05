# incident-agent: `agent serve` (and every other `agent` command) in a small, non-root image.
# Runs with a read-only root filesystem: state goes to /var/lib/incident-agent (a volume),
# scratch files to /tmp (an emptyDir). The replay environment's Prometheus is not installed:
# a cluster investigates its live backends; bundles are replayed on a workstation or in CI.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY tools ./tools
COPY policies ./policies
COPY evals ./evals
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AGENT_STATE_DIR=/var/lib/incident-agent \
    AGENT_CACHE_DIR=/tmp/cache \
    HOME=/tmp
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home agent \
    && install -d -o 10001 -g 10001 /var/lib/incident-agent
USER 10001:10001
VOLUME ["/var/lib/incident-agent"]
EXPOSE 8080
ENTRYPOINT ["agent"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
