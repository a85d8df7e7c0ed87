FROM python:3.11-slim
# WEB_CONCURRENCY: gunicorn's number of workers. CI's stage .ci/production takes these same steps without Docker.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=dealer_crm.settings.production \
    WEB_CONCURRENCY=3
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The build needs settings but no secret: a random build-time key, never used at run time.
RUN SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))') sh -c \
    'python manage.py check --deploy --fail-level WARNING && python manage.py collectstatic --noinput'
RUN useradd --system --home /app crm && mkdir -p /app/var && chown -R crm /app/var
USER crm
EXPOSE 8000
CMD ["gunicorn", "dealer_crm.wsgi:application", "--bind", "0.0.0.0:8000"]
