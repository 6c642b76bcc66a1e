"""The library version, recorded in every run's ``run_info.json`` and audit entry."""

__version__ = "0.1.0"
