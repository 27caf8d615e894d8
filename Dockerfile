# coordbot: one image for every process (web replicas, workers, the migration job).
# Build: docker build -t coordbot .   Run: see compose.yaml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A user of its own: the bot never runs as root.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin coordbot

# Pango lays out `coordbot notes export --format pdf` (WeasyPrint).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY schedules ./schedules
# The package from this repository, with its migrations and message catalogs (package data).
RUN pip install . && coordbot --help > /dev/null

USER coordbot
WORKDIR /home/coordbot
EXPOSE 8000

# Liveness of a web process; compose.yaml gives the workers their own (their --metrics-port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["coordbot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
