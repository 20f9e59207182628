"""Across kernels and programs: diff and timeline, the dependency graph, impact, the kfunc audit."""
