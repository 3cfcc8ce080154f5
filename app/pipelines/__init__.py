"""The pipeline domain: every rule about pipelines, between the blueprints and the store.

Blueprints call the operations in `reads`, `writes`, `lifecycle` and `importer` with a
`Context` (the store and the settings); every change goes through `catch_up.write`, the one
unit of work that opens a write transaction with the simulation caught up.
"""
