"""The official `feldera` SDK, imported without letting it rewire the test process.

Importing `feldera` runs `pretty_errors.activate()`, which calls `colorama.init()` (wrapping
`sys.stdout` and `sys.stderr`) and replaces `sys.excepthook`. Under pytest that would wrap the
capture streams and prettify every uncaught error of the worker, so the import is done here
and the three are put back. Test modules take the SDK's names from this module.
"""

import importlib
import sys


def _import_quietly(name: str):
    saved = sys.stdout, sys.stderr, sys.excepthook
    try:
        return importlib.import_module(name)
    finally:
        sys.stdout, sys.stderr, sys.excepthook = saved


feldera = _import_quietly("feldera")

SDK_VERSION = feldera.__version__
FelderaClient = feldera.FelderaClient
Pipeline = feldera.Pipeline
PipelineBuilder = feldera.PipelineBuilder
FelderaAPIError = feldera.rest.errors.FelderaAPIError
InnerPipeline = feldera.rest.pipeline.Pipeline
RuntimeConfig = feldera.runtime_config.RuntimeConfig
PipelineFieldSelector = feldera.enums.PipelineFieldSelector
PipelineStatus = feldera.enums.PipelineStatus
StorageStatus = feldera.enums.StorageStatus
ProgramStatus = feldera.enums.ProgramStatus
FelderaEdition = feldera.rest.feldera_config.FelderaEdition
