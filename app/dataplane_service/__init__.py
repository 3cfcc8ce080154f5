"""The data plane of running pipelines: the domain between the data blueprints and the store.

Every rule of upstream's data plane that depends on a pipeline's state lives here; the pure
engine (`app.dataplane`) decodes, evaluates and encodes, and the store keeps the bytes.
- Who may be asked: `gate` (deployment-state answers, spec §1.2/§1.3), `errors`.
- State: `transitions` (what lifecycle steps do to data, applied with the row write),
  `cache` (each worker's copy, keyed by the version read from the store), `loading`.
- Writes: `ingest` (ingress and ad-hoc INSERT through one commit), `tokens`.
- Reads: `query`, `stats`, `metrics`, `time_series`, `logbook` (log lines), `logs` (replay
  and follow).
"""
