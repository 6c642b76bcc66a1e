"""Plotly figures (pure builders) and ipywidgets panels shared by the use cases."""
