"""Evaluation against the sandbox's ground truth: serves the tests, benchmarks, demo and CLI; no
production package imports it. scoring.score() puts together truth.py (the truth, pyarrow),
warehouse.py (the marts, through the pipeline's engine), truth_names.py (the truth's names as
the pipeline maps them), metrics.py (the measures) and report.py (the text, by sections)."""
