# The one image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 reactivate

COPY pyproject.toml README.md ./
COPY reactivate ./reactivate
COPY contacts ./contacts
COPY campaigns ./campaigns
COPY outreach ./outreach
COPY scoreboard ./scoreboard
RUN pip install .

COPY . .
# collectstatic needs settings that import cleanly; these values are never served.
# (DATABASE_URL is only read, never connected to.)
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    ANYMAIL_WEBHOOK_SECRET=collectstatic:only DATABASE_URL=postgres://collectstatic@localhost/none \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R reactivate /app/var

USER reactivate
EXPOSE 8000
CMD ["gunicorn", "reactivate.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)ss"]
