"""Benchmarks: each module has run(results_dir, ...) writing JSON to bench/results/."""
