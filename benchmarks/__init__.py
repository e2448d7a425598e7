"""Benchmarks: each ``bench_<name>.py`` prints one JSON object when run with ``-m``."""
