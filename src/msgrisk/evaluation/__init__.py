"""Evaluation: metrics, evaluation reports, baselines, benchmarks, hardening and load tests."""
