"""Benchmarks: figures for the README, never timed tests."""
