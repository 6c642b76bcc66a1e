"""Governance: audit trail, model cards, EU AI Act Annex IV documentation, German PII pseudonymisation.

Submodules are imported lazily by their users so that ``import workbench`` stays fast:

    from workbench.governance.audit import record_event, verify_log
    from workbench.governance.modelcard import write_model_card
    from workbench.governance.annex_iv import build_report
    from workbench.governance.pii import Pseudonymiser
"""

from __future__ import annotations

__all__ = ["audit", "modelcard", "annex_iv", "pii", "widgets"]
