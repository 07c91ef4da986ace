# PoseCraft's Python images, built from the repository root (docker-compose.yml builds all three):
#   docker build --target api --build-arg SERVICE=ingest -t posecraft-ingest .
#   docker build --target api --build-arg SERVICE=status -t posecraft-status .
#   docker build --target worker -t posecraft-worker .
# One base stage for all: Python, the sources and what every part needs; each image adds its own extra.

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
COPY shared/ shared/
COPY ingest-service/ ingest-service/
COPY status-service/ status-service/
COPY pose-worker/ pose-worker/
RUN pip install --no-cache-dir .

# The BlazePose model files, fetched at build time (never at run time) from the packages that ship them, checked
# by SHA-256: pip downloads the mediapipe wheel, npm packs @mediapipe/pose (Node from PyPI, the `node` extra).
FROM base AS models
RUN pip install --no-cache-dir '.[node]' && python -m posecraft.pose.models install --dir /models

# An API service under gunicorn: SERVICE names it (ingest or status); every gunicorn setting is in
# posecraft.http.gunicorn_config, which also checks the settings before it listens.
FROM base AS api
ARG SERVICE
RUN case "$SERVICE" in ingest|status) ;; *) echo "build with --build-arg SERVICE=ingest or SERVICE=status" >&2; exit 1 ;; esac
RUN pip install --no-cache-dir '.[api]'
ENV POSECRAFT_SERVICE=$SERVICE PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
USER nobody
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "--config", "python:posecraft.http.gunicorn_config"]

# The pose worker: the `worker` extra (LiteRT runtime, numpy) and the model files.
FROM base AS worker
RUN pip install --no-cache-dir '.[worker]'
COPY --from=models /models /app/models
ENV MODELS_DIR=/app/models
USER nobody
# SIGTERM lets the current job finish (or go back to the queue) before the worker exits.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "pose_worker"]
