"""Data folder of the shipped PII tagger (weights, config, model card): a package, so that wheels carry it."""
