# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 DEBUG=0 PORT=8000
RUN useradd --system --create-home --uid 1000 registry
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=registry:registry . .
# Translations and static files are build output; the key is a throwaway for collectstatic only.
RUN pybabel compile --domain django --directory locale \
    && SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input -v0
USER registry
EXPOSE 8000
# Plain http to gunicorn itself: /healthz is exempt from the SSL redirect (SECURE_REDIRECT_EXEMPT), and
# the Host header is the first ALLOWED_HOSTS entry so that a production host list does not answer 400.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request as u; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.*') or 'localhost'; u.urlopen(u.Request(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', headers={'Host': host}), timeout=4)"
# Workers: WEB_CONCURRENCY (default 2 × cores + 1); bind: 0.0.0.0:$PORT. See gunicorn.conf.py.
CMD ["gunicorn", "registry.wsgi"]
