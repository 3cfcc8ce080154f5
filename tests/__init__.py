"""pipeline-store test suite."""
