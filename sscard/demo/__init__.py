"""Demo data for one real city, Guangzhou: reference data, a fast bulk load, and scenarios
played through the real services. Used by `sscard demo` and by `bench/`.

The demo stands above every other app (it plays the services of all of them); no app imports it.
"""
