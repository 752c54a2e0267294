"""Evaluation against the sandbox's ground truth (scoring.py): serves the tests, benchmarks, demo and CLI; no production package imports it."""
