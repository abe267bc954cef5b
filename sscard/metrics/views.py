"""`GET /metrics`: the Prometheus text format, for whom `access` allows; 404 for anyone else.

The text is the classic format (version 0.0.4), which every Prometheus reads.
With PROMETHEUS_MULTIPROC_DIR set (gunicorn's several workers), the counted metrics are summed
over every process's files; otherwise they are this process's. The business figures are read
from the database at each scrape either way.
"""

from __future__ import annotations

import os

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from sscard.metrics import instruments
from sscard.metrics.access import may_read_metrics
from sscard.metrics.business import BusinessCollector

_BUSINESS = CollectorRegistry(auto_describe=False)
_BUSINESS.register(BusinessCollector())


def scrape() -> bytes:
    """Every metric, as one text in the Prometheus format."""
    instruments.start()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
        events = generate_latest(counted)
    else:
        events = generate_latest(REGISTRY)
    return events + generate_latest(_BUSINESS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_read_metrics(request):
        raise Http404("There is nothing at this address.")
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
