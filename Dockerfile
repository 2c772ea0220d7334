# The qcity image: Airflow 3, Cosmos, dbt, Great Expectations and the project, installed
# from uv.lock and nothing else. One image for every Airflow component in
# docker-compose.yml (api-server, scheduler, dag-processor, triggerer, Celery workers).
#
#   docker build -t qcity .
FROM python:3.11-slim-bookworm

ARG UV_VERSION=0.13.8
ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_FROZEN=1 \
    UV_PROJECT_ENVIRONMENT=/opt/qcity/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && useradd --create-home --uid 50000 --gid 0 airflow

WORKDIR /opt/qcity

# Dependencies first (cached while only the project's code changes), exactly as locked.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The project, installed editable: dags/ and orchestration/ import from /opt/qcity.
COPY . .
RUN uv sync --frozen --no-dev

# PYTHONPATH: the Celery 5.7 / apache-airflow-providers-celery 3.26 shim, see
# orchestration/celery_compat/sitecustomize.py (remove once celery<5.7 is pinned).
ENV PATH=/opt/qcity/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/qcity/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1 \
    GX_ANALYTICS_ENABLED=false \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    QCITY_LANDING=/data/landing \
    QCITY_ARCHIVE=/data/archive \
    QCITY_REJECTED=/data/rejected \
    QCITY_WAREHOUSE=/data/warehouse/qcity.duckdb \
    QCITY_BUILD_DIR=/data/build \
    QCITY_DBT_MANIFEST_DIR=/opt/qcity/dbt_project/target/cosmos \
    PYTHONPATH=/opt/qcity/orchestration/celery_compat

# The manifest Cosmos renders the warehouse DAG from: parsing a DAG never runs dbt.
RUN python -c "from orchestration.dbt_manifest import ensure_manifest; ensure_manifest(force=True)" \
    && mkdir -p /opt/airflow /data/landing /data/archive /data/rejected /data/warehouse /data/build \
    && chown -R airflow:0 /opt/airflow /data /opt/qcity/dbt_project /opt/qcity/expectations

USER airflow
EXPOSE 8080
ENTRYPOINT ["airflow"]
CMD ["api-server"]
