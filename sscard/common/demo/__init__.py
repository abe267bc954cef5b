"""Demo data for one real city, Guangzhou: reference data, a fast bulk load, and scenarios
played through the real services. Used by `manage.py demo` and by `bench/`."""
