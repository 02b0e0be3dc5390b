"""OpenTelemetry tracer and meter providers, configured from the standard OTEL_* variables, and
spans for the statements sent to PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from partyledger.infra.shards import drain_pools


def _span_exporter(name: str) -> SpanExporter | None:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    return None


def _metric_reader(name: str) -> MetricReader | None:
    if name == "console":
        return PeriodicExportingMetricReader(ConsoleMetricExporter())
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        return PeriodicExportingMetricReader(OTLPMetricExporter())
    return None


def configure_telemetry(environ: Mapping[str, str] | None = None) -> None:
    """Install global providers once; a process that installed its own (tests) keeps them.
    Statements sent to PostgreSQL are traced either way (``instrument_database``).

    ``OTEL_TRACES_EXPORTER`` / ``OTEL_METRICS_EXPORTER``: ``otlp``, ``console`` or ``none``
    (the default); OTLP reads its endpoint from the usual ``OTEL_EXPORTER_OTLP_*`` variables.
    """
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "partyledger")})
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        tracer_provider = TracerProvider(resource=resource)
        if exporter := _span_exporter(env.get("OTEL_TRACES_EXPORTER", "none")):
            tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(tracer_provider)
    if type(metrics.get_meter_provider()).__name__ == "_ProxyMeterProvider":
        reader = _metric_reader(env.get("OTEL_METRICS_EXPORTER", "none"))
        metrics.set_meter_provider(
            MeterProvider(resource=resource, metric_readers=[reader] if reader else [])
        )
    instrument_database()


def instrument_database() -> None:
    """A span for each statement sent to PostgreSQL. A span holds the statement's text only:
    values travel apart from it as parameters, and the instrumentation is told not to record
    them. Connections are traced as they open: those opened before (``serve`` opens the
    database before the app) are replaced."""
    instrumentor = PsycopgInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(capture_parameters=False)
        drain_pools()
