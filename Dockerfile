# syntax=docker/dockerfile:1
# Kestrel's web service with the trained model and the spaCy pipeline inside.
#
#   docker build -t kestrel .          # from a clean clone: installs, builds the pipeline, trains (~5 min)
#   docker run -p 8000:8000 kestrel    # one process, conversations in memory (see docs/deployment.md)
#
# The build stage runs the Makefile's own targets (`make install`, `make spacy`, `make train`), so the
# image is installed and trained exactly the way `make test` installs, trains and tests it:
# `pip install --no-deps -r requirements.lock`, the entity-ruler pipeline, `rasa train --force`.
# tests/deploy/test_dockerfile.py fails if this file stops doing so.

FROM python:3.10-slim AS build
ENV RASA_TELEMETRY_ENABLED=false \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# make runs the recipes; the compiler is for the few packages in the lock that ship no wheel.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first: a code change does not reinstall 2.7 GB.
COPY Makefile requirements.txt requirements.lock ./
RUN make install
COPY nlp/ nlp/
RUN make spacy
COPY config.yml domain.yml ./
COPY data/ data/
COPY actions/ actions/
COPY resources/ resources/
COPY content/ content/
RUN make train


FROM python:3.10-slim AS runtime
# A fixed, unprivileged user; its home is the only place besides /tmp that the service may write to.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/kestrel --shell /usr/sbin/nologin kestrel
WORKDIR /app
# The virtualenv's interpreter links to /usr/local/bin/python3.10 of the same base image.
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/models/kestrel.tar.gz /app/models/kestrel.tar.gz
COPY --from=build /app/build/spacy_en /app/build/spacy_en
COPY api/ api/
COPY actions/ actions/
COPY nlp/ nlp/
COPY resources/ resources/
COPY content/ content/
ENV PATH=/app/.venv/bin:$PATH \
    HOME=/home/kestrel \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONWARNINGS=ignore::DeprecationWarning \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    MODEL_PATH=/app/models/kestrel.tar.gz \
    HOST=0.0.0.0 \
    PORT=8000
USER 10001:10001
EXPOSE 8000
# Ready = model loaded and conversation store reachable. Loading takes 15-70 s, hence the start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/ready' % os.environ.get('PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
CMD ["python", "-m", "api"]
