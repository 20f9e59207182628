"""Kernels: snapshots (file format, import, cache, bundled names), kernel facts from source and probe, versions. A snapshot holds data; it decides no verdict."""
