"""Benchmarks of the workbench: speed and memory as ratios against a baseline measured in the same run.

Run them all with ``make bench`` (``python -m benchmarks``); each ``bench_*.py`` also runs alone and
prints one JSON object on its last line.
"""
