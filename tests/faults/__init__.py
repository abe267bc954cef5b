"""Faults the service survives, each shown with real processes: gunicorn, `sscard worker`, a
PostgreSQL cluster and a Redis server of the test's own, a database on a disk that fills up."""
