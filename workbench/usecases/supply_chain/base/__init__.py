"""Demand base models shipped with the package (see MODEL_CARD.md); data only."""
