"""Benchmarks of the multistore write side; each package writes a JSON + markdown + plot report."""
