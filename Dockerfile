# One image for every Redub process: `docker run IMAGE serve <service>` (or `migrate`).
# It talks to real NATS and PostgreSQL servers: the `embedded` extra (NATS and PostgreSQL as
# wheels, for `redub dev` and the tests) is never installed here.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Media tools the stages call: ffmpeg/ffprobe (probe, mix), espeak-ng (speech), rubberband.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ffmpeg espeak-ng rubberband-cli \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
COPY redub ./redub
# No extras: the build fails if a bundled server distribution slipped into the dependencies.
RUN pip install . \
    && rm -rf /src \
    && ! pip list --format=freeze | grep -iE '^(embedded[-_]postgres|nats[-_]server[-_]bin)=='

# Non-root; blobs live in a volume shared by every service (REDUB_STORAGE_DIR).
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/redub redub \
    && mkdir -p /var/lib/redub/blobs \
    && chown -R redub:redub /var/lib/redub
USER redub
WORKDIR /var/lib/redub

ENV REDUB_STATE_DIR=/var/lib/redub/state \
    REDUB_STORAGE_DIR=/var/lib/redub/blobs \
    REDUB_GATEWAY_HOST=0.0.0.0 \
    REDUB_GATEWAY_PORT=8080 \
    REDUB_METRICS_PORT=9100

# Gateway HTTP (with /metrics, /healthz, /readyz); a stage's /metrics, /healthz, /readyz.
EXPOSE 8080 9100

ENTRYPOINT ["redub"]
CMD ["serve", "gateway"]
