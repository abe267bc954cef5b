"""Metrics in the Prometheus format at `/metrics`: requests, their latency and database time per
route, sign-in codes and PIN locks as counted events, and the business figures (loss reports,
applications, the outbox, the worker, readiness) read from the database at each scrape.
docs/metrics.md lists every metric."""
