"""Operation types, one module each. Importing ``load_all`` registers every type."""

from .base import REGISTRY, Operation, PlanContext, TableOperation, operation_types

__all__ = ["REGISTRY", "Operation", "PlanContext", "TableOperation", "operation_types"]
