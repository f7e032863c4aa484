"""Throwaway PostgreSQL clusters (primary, optional streaming replica) for tests and the demo."""

from .cluster import Cluster, PostgresBinaries, find_binaries, throwaway_cluster

__all__ = ["Cluster", "PostgresBinaries", "find_binaries", "throwaway_cluster"]
