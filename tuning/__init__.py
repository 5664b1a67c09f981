"""Fitting the confidence model on the content and the tuning set (never the held-out set)."""
