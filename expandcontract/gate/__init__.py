"""The contract gate: manifests, the app registry, and the evidence that contract may run.

Kept import-light on purpose: ``expandcontract.runtime`` imports ``gate.schema`` and
``gate.manifest`` inside applications, which must not pull in the CLI's dependencies.
"""
