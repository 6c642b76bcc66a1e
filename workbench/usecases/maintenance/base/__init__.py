"""Shipped weights of the maintenance factory base (see MODEL_CARD.md)."""
