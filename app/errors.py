"""Every error_code the server sends, declared once: status, message template, details fields.

Each class is one `error_code` (its name, unless `code` says otherwise, as for dotted codes).
`template` is formatted with the keyword arguments the error is raised with, and `fields`
names those that become `details`, in order (`None`: `details` is `null`). Read top to
bottom, this module is the server's whole error vocabulary; `/openapi.json` documents each
operation's errors from these classes (see `app.http.api.Blueprint.errors`).
"""

# The message of both config errors (crud.md §4.5): the submitted value, pretty-printed.
CONFIG_TEMPLATE = "JSON for '{field}' field:\n{pretty}\n\n... is not valid due to: {reason}"
RESTART_HINT = (
    "Cannot restart the pipeline while it is stopping. Wait for it to stop before starting a "
    "new instance of the pipeline."
)


class ApiError(Exception):
    """An error answered as `{message, error_code, details}`."""

    status = 500
    code: str | None = None
    template = "{message}"
    fields: tuple[str, ...] | None = ()
    # Seconds for a `Retry-After` header (upstream's manager sends 5 with every 503).
    retry_after: int | None = None

    def __init__(self, **values):
        self.values = values
        self.message = self.template.format(**values)
        self.details = None if self.fields is None else {k: values[k] for k in self.fields}
        self.error_code = self.code or type(self).__name__
        super().__init__(self.message)

    @property
    def headers(self) -> dict:
        """Extra response headers."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def body(self) -> dict:
        """Return the envelope in upstream's key order."""
        return {"message": self.message, "error_code": self.error_code, "details": self.details}


def catalogue() -> dict[str, type[ApiError]]:
    """Return every declared error class by its error_code."""
    found, pending = {}, [ApiError]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            found[cls.code or cls.__name__] = cls
    return found


# --- Requests the framework refuses (spec/README.md decision 1: JSON, own codes) ------------


class InvalidRequestBody(ApiError):
    """The body is not JSON of the expected shape, or the content type is not JSON."""

    status = 400


class InvalidQueryParameter(ApiError):
    """A query parameter does not parse (`Query deserialize error: ...`)."""

    status = 400


class PayloadTooLarge(ApiError):
    """The body is larger than `MAX_BODY_BYTES` (upstream: 2 MiB)."""

    status = 413


class UnknownEndpoint(ApiError):
    """No route has this path."""

    status = 404
    template = "Unknown endpoint '{path}'"


class MethodNotAllowed(ApiError):
    """The route exists but not with this method; `Allow` lists the ones it has."""

    status = 405
    template = "Method {method} is not allowed on '{path}'"

    @property
    def headers(self) -> dict:
        """`Allow`, as RFC 9110 requires of a 405."""
        return {"Allow": ", ".join(self.values["allowed"])}


class RequestRefused(ApiError):
    """Any other refusal of the HTTP layer, with the status it chose (e.g. 414 or 431)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message=message)


class RequestTimeout(ApiError):
    """The client took longer than `REQUEST_TIMEOUT_SECONDS` to send its request (gunicorn)."""

    status = 408
    template = "The request was not received within {seconds:g} s"


class RequestLineTooLong(ApiError):
    """The request line is longer than gunicorn's `limit_request_line` (app/gunicorn_conf.py)."""

    status = 414
    template = "Invalid HTTP request: {reason}"


class RequestHeaderFieldsTooLarge(ApiError):
    """A header field, or their number, is over gunicorn's limits (app/gunicorn_conf.py)."""

    status = 431
    template = "Invalid HTTP request: {reason}"


class InvalidHttpRequest(ApiError):
    """gunicorn cannot parse the request: not HTTP, a malformed header or chunk."""

    status = 400
    template = "Invalid HTTP request: {reason}"


class InternalServerError(ApiError):
    """An unexpected failure; the body says nothing more."""

    template = "An internal server error occurred"


# --- Authentication and roles (platform.md) -----------------------------------------------


class AuthenticationFailed(ApiError):
    """Missing, malformed or rejected credential (JSON here, unlike upstream's empty body)."""

    status = 401

    @property
    def headers(self) -> dict:
        """RFC 6750 challenge; upstream names the JWT failure kind in error_description."""
        description = self.values.get("description")
        challenge = f'Bearer error_description="{description}"' if description else "Bearer"
        return {"WWW-Authenticate": challenge}


class InsufficientPermissions(ApiError):
    """The caller's role is below the route's minimum."""

    status = 403
    template = (
        "Insufficient permissions: this action requires the '{required}' role, "
        "but the caller has '{actual}'"
    )
    fields = ("required", "actual")


class OriginNotAllowed(ApiError):
    """A state-changing request from a web page whose origin is not allowed (CSRF)."""

    status = 403
    template = (
        "Cross-origin request from '{origin}' refused: only this server's own origin and "
        "CORS_ORIGINS may send requests that change state"
    )
    fields = ("origin",)


class HostNotAllowed(ApiError):
    """A request for a host name the server does not answer to (DNS rebinding)."""

    status = 403
    template = "Host '{host}' is not served here: add it to ALLOWED_HOSTS to allow it"
    fields = ("host",)


# --- The database (crud.md §6) --------------------------------------------------------------


class LockTookTooLong(ApiError):
    """Another worker held the database's write lock past `BUSY_TIMEOUT_MS`; retry."""

    status = 503
    retry_after = 5
    template = "The database is busy: waiting for its lock took too long. Please retry."


class DatabaseUnavailable(ApiError):
    """The database cannot be used now (read-only, damaged, disk full); see the server log."""

    status = 503
    retry_after = 5
    template = "The database is unavailable: {reason}"
    fields = ("reason",)


# --- Pipeline names and metadata (crud.md §4) -----------------------------------------------


class UnknownPipelineName(ApiError):
    """No pipeline has this name."""

    status = 404
    template = "Unknown pipeline name '{pipeline_name}'"
    fields = ("pipeline_name",)


class DuplicateName(ApiError):
    """The name is taken (pipelines and API keys alike)."""

    status = 409
    template = "An entity with this name already exists"


class EmptyName(ApiError):
    """The name is empty (upstream's doubled "be" kept)."""

    status = 400
    template = "Name cannot be be empty"


class TooLongName(ApiError):
    """The name has more UTF-8 bytes than allowed."""

    status = 400
    template = "Name '{name}' is longer ({length}) than maximum allowed ({maximum})"
    fields = ("name", "length", "maximum")


class NameDoesNotMatchPattern(ApiError):
    """The name has characters, or a first or last character, that are not allowed."""

    status = 400
    template = "Name '{name}' should {pattern_description} (pattern: '{pattern}')"
    fields = ("name", "pattern", "pattern_description")


class TooLongDescription(ApiError):
    """The description has more than 300 characters."""

    status = 400
    template = "Description is longer ({length}) than maximum allowed ({maximum})"
    fields = ("length", "maximum")


class TooManyTags(ApiError):
    """More than 50 tags."""

    status = 400
    template = "Pipeline has more tags ({count}) than the maximum allowed ({maximum})"
    fields = ("count", "maximum")


class InvalidTag(ApiError):
    """A tag is empty, too long or uses characters outside the allowed set."""

    status = 400
    template = "Tag '{tag}' is invalid: {reason}"
    fields = ("tag", "reason")


class InvalidRuntimeConfig(ApiError):
    """`runtime_config` does not deserialize, needs the enterprise edition or sets reserved env."""

    status = 400
    template = CONFIG_TEMPLATE
    fields = ("value", "error")


class InvalidProgramConfig(ApiError):
    """`program_config` does not deserialize."""

    status = 400
    template = CONFIG_TEMPLATE
    fields = ("value", "error")


# --- Pipeline edits (crud.md §3, §5) --------------------------------------------------------


class CannotRenameNonExistingPipeline(ApiError):
    """PUT with a body name that differs from an unknown path name."""

    status = 400
    template = (
        "The pipeline name in the request body does not match the one provided in the URL "
        "path. This is not allowed when no pipeline with the name provided in the URL path "
        "exists."
    )


class UpdateRestrictedToStopped(ApiError):
    """A core edit of a pipeline that is not fully stopped."""

    status = 400
    template = "Pipeline can only be updated while stopped. Stop it first by invoking '/stop'."


class EditRestrictedToClearedStorage(ApiError):
    """Core edits that need cleared storage (crud.md §5.3)."""

    status = 400
    template = "The following pipeline edits are not allowed while storage is not cleared: {listed}"
    fields = ("not_allowed",)


class DeleteRestrictedToFullyStopped(ApiError):
    """DELETE of a pipeline that is not fully stopped."""

    status = 400
    template = (
        "Cannot delete a pipeline which is not fully stopped. Stop the pipeline first "
        "fully by invoking the '/stop' endpoint."
    )


class DeleteRestrictedToClearedStorage(ApiError):
    """DELETE of a pipeline whose storage is not cleared."""

    status = 400
    template = (
        "Cannot delete pipeline unless its storage is cleared. Clear storage first using `/clear`."
    )


# --- Lifecycle actions (lifecycle.md B.5, E) ------------------------------------------------


class UnsupportedPipelineAction(ApiError):
    """An unknown `initial`, or a suspend the pipeline cannot do."""

    status = 405
    template = "Unsupported pipeline action '{action}': {reason}"
    fields = ("action", "reason")


class EnterpriseFeature(ApiError):
    """A feature of upstream's enterprise edition, refused by the open-source one."""

    status = 501
    # dataplane.md §10 (which wins over lifecycle.md, spec README) gives the text.
    template = "Cannot use enterprise-only feature ({feature}) in Feldera community edition."
    fields = ("feature",)


class InvalidBootstrapConfig(ApiError):
    """/start or /approve with both silent and concurrent bootstrap."""

    status = 400
    template = (
        "Invalid bootstrap configuration: `silent_bootstrap` and `concurrent_bootstrap` are "
        "mutually exclusive"
    )


class IllegalPipelineAction(ApiError):
    """/start while a stop is still in progress."""

    status = 400
    template = (
        "Deployment resources status (current: '{status}', desired: '{current_desired_status}') "
        "cannot have desired changed to '{new_desired_status}'. {hint}"
    )
    fields = ("status", "current_desired_status", "new_desired_status", "hint")


class CannotStartWithUndismissedError(ApiError):
    """/start?dismiss_error=false while a deployment error is present."""

    status = 400
    template = (
        "Cannot start the pipeline because it has a deployment error that has not been "
        "dismissed. Dismiss it first by invoking '/dismiss_error', or start with "
        "'dismiss_error=true'."
    )


class CannotStartWhileClearingStorage(ApiError):
    """/start while the storage is being cleared."""

    status = 400
    template = (
        "Cannot start the pipeline while its storage is being cleared. Wait for the storage "
        "status to become 'cleared' first."
    )


class CannotStartWithCompilationError(ApiError):
    """/start of a program that failed to compile."""

    status = 400
    template = (
        "Cannot start the pipeline because its program failed to compile (program status: "
        "{program_status}). Edit the program so that it compiles, then start it."
    )


class InitialImmutableUnlessStopped(ApiError):
    """/start with another `initial` than the start in progress."""

    status = 400
    template = (
        "The initial runtime desired status cannot be changed unless the pipeline is stopped "
        "(current: '{current_text}', new: '{new_text}'). Stop it first by invoking '/stop'."
    )
    fields = ("current", "new")


class BootstrapPolicyImmutableUnlessStopped(ApiError):
    """/start with another bootstrap configuration than the start in progress."""

    status = 400
    template = (
        "The bootstrap policy cannot be changed unless the pipeline is stopped. Stop it first "
        "by invoking '/stop'."
    )
    fields = ("current", "new")


class InitialStandbyNotAllowed(ApiError):
    """/start?initial=standby without a file storage backend that syncs."""

    status = 400
    template = (
        "The pipeline can only start in standby when its storage backend is 'file' with "
        "'sync' configured (runtime_config.storage.backend.config.sync)."
    )


class PipelineInteractionNotDeployed(ApiError):
    """A call forwarded to the pipeline process while resources are not Provisioned."""

    status = 503
    retry_after = 5
    # Upstream's manager prints N/A: the id is not at hand where it formats (dataplane.md §1.2).
    template = (
        "Unable to interact with pipeline because the deployment status ({status_text}) "
        "indicates it is not (yet) fully provisioned pipeline-id=N/A "
        'pipeline-name="{pipeline_name}"'
    )
    fields = ("pipeline_name", "status", "desired_status")


class PipelineUnavailable(ApiError):
    """The same calls while the runtime status is Unavailable (never simulated)."""

    status = 503
    retry_after = 5
    template = (
        "Unable to interact with pipeline because its status is currently 'unavailable' "
        'pipeline-id=N/A pipeline-name="{pipeline_name}"'
    )
    fields = ("pipeline_name",)


class InvalidTransition(ApiError):
    """The process refuses pause/start/suspend/activate from Standby or Suspended."""

    status = 400
    template = "Cannot execute {action} transition starting from {current}"


class InvalidActivateStatus(ApiError):
    """/activate?initial= other than running or paused."""

    status = 400
    template = "Invalid initial status for activation: '{value}' (expected 'running' or 'paused')"


class StorageStatusImmutableUnlessStopped(ApiError):
    """/clear when the pipeline is not fully stopped."""

    status = 400
    template = (
        "Storage status cannot be changed from '{current_text}' to 'clearing' unless the "
        "pipeline is fully stopped (deployment resources status: '{resources_text}', desired: "
        "'{desired_text}'). Stop it first by invoking '/stop' and wait for it to be stopped."
    )
    fields = ("resources_status", "resources_desired_status", "current_status", "new_status")


class DismissErrorRestrictedToFullyStopped(ApiError):
    """/dismiss_error with an error present while not fully stopped."""

    status = 400
    template = (
        "The deployment error can only be dismissed when the pipeline is fully stopped. Stop "
        "it first by invoking '/stop' and wait for it to be stopped."
    )


# --- Programs (compiler-and-events.md §4) --------------------------------------------------


class InvalidRuntimeVersion(ApiError):
    """`runtime_version` is neither `vX.Y.Z` nor a 40-character lower-case hex SHA."""

    status = 400
    template = "Invalid runtime version: {error}"
    fields = ("error",)


class CompilerTimeout(ApiError):
    """The compiler did not finish within `COMPILE_BUDGET_SECONDS`."""

    status = 504
    template = "The compiler did not respond within the configured {seconds}s timeout."


# --- The data plane: the manager's answers (dataplane.md §1) ------------------------------


class PipelineInteractionUnreachable(ApiError):
    """The pipeline process did not answer in time (an unforced ingress into a paused pipeline)."""

    status = 503
    retry_after = 5
    template = (
        "Error sending HTTP request to pipeline: {error} Failed request: {request} "
        'pipeline-id=N/A pipeline-name="{pipeline_name}"'
    )
    fields = ("pipeline_name", "request", "error")


# --- The data plane: the pipeline process's answers (dataplane.md §2-§8, Appendix A) --------
# The engine (app/dataplane) builds their messages and details; they never carry Retry-After.


class ProcessError(ApiError):
    """An answer of the pipeline process; message and details come from the data plane engine."""

    fields = None

    def __init__(self, message: str | None = None, details: object = None):
        super().__init__(message=message or self.template)
        self.details = details


class Initializing(ProcessError):
    """The process has no controller yet (Initializing, Standby, AwaitingApproval)."""

    status = 503
    template = "Operation failed because the pipeline has not finished initializing."


class Suspended(ProcessError):
    """The process has been suspended and is about to stop."""

    status = 503
    template = "Operation failed because the pipeline has been suspended."


class BootstrapInProgress(ProcessError):
    """A new ingress endpoint while the pipeline bootstraps."""

    status = 503
    template = "Operation cannot be initiated while the pipeline is bootstrapping."


class RestoreInProgress(ProcessError):
    """Queries and new endpoints while the pipeline replays its journal."""

    status = 503
    template = (
        "Operation cannot be initiated now because the pipeline is restoring from a checkpoint."
    )


class Terminating(ProcessError):
    """The process is shutting down while the request waits."""

    status = 410
    template = "Operation failed because the pipeline is shutting down."


class PipelineRestarted(ProcessError):
    """A completion token of an earlier process incarnation."""

    status = 410
    template = "{message}"


class UnknownEndpointInCompletionToken(ProcessError):
    """A completion token naming an input endpoint that no longer exists."""

    status = 410
    template = "{message}"


class UnknownInputStream(ProcessError):
    """An ingress path that names no table."""

    status = 404
    code = "ConfigError.UnknownInputStream"
    template = "{message}"


class UnknownInputEndpoint(ProcessError):
    """No input connector has this name."""

    status = 404
    template = "{message}"


class UnknownOutputEndpoint(ProcessError):
    """No output connector has this name."""

    status = 404
    template = "{message}"


class UnknownInputFormat(ProcessError):
    """`format` is neither json nor csv."""

    status = 400
    code = "ConfigError.UnknownInputFormat"
    template = "{message}"


class ParserConfigParseError(ProcessError):
    """A JSON parser setting in the ingress query string has a bad value."""

    status = 400
    code = "ConfigError.ParserConfigParseError"
    template = "{message}"


class InputFormatNotSupported(ProcessError):
    """An update format or input format pipeline-store (or upstream) cannot ingest."""

    status = 400
    code = "ConfigError.InputFormatNotSupported"
    template = "{message}"


class ParseErrors(ProcessError):
    """Records that did not parse; the good records of the request were ingested."""

    status = 400
    template = "{message}"


class AdHocQueryError(ProcessError):
    """An ad-hoc query that does not parse, plan or run."""

    status = 400
    template = "{message}"


class InvalidParam(ProcessError):
    """A query parameter the process refuses (for example a malformed completion token)."""

    status = 400
    template = "{message}"


# --- The data plane: pipeline-store's own limits (README "Data") ---------------------------


class IngressRowLimitExceeded(ApiError):
    """One request carries more rows than `DATA_MAX_REQUEST_ROWS`; nothing was ingested."""

    status = 413
    template = (
        "The request carries {rows} records, more than the {limit} one request may ingest "
        "(DATA_MAX_REQUEST_ROWS); nothing was ingested. Split the input into smaller requests."
    )
    fields = ("rows", "limit")


class IngressBodyTooLarge(ApiError):
    """An ingress body larger than `DATA_MAX_REQUEST_BYTES`; nothing was ingested."""

    status = 413
    template = (
        "The request body ({size} bytes) is larger than the {limit} bytes one request may "
        "ingest (DATA_MAX_REQUEST_BYTES); nothing was ingested."
    )
    fields = ("size", "limit")


class PipelineRowLimitExceeded(ApiError):
    """The change would leave more rows in the pipeline's tables than `DATA_MAX_ROWS`."""

    status = 507
    template = (
        "Pipeline '{pipeline_name}' would hold {rows} rows, more than the {limit} pipeline-store "
        "keeps per pipeline (DATA_MAX_ROWS); nothing was ingested."
    )
    fields = ("pipeline_name", "rows", "limit")


# --- Change streams, connectors, events and the rest of the pipeline surface (issue 12) -----


class UnknownOutputStream(ProcessError):
    """An egress path that names no table or view."""

    status = 404
    code = "ConfigError.UnknownOutputStream"
    template = "{message}"


class UnknownOutputFormat(ProcessError):
    """An egress `format` other than json or csv."""

    status = 400
    code = "ConfigError.UnknownOutputFormat"
    template = "{message}"


class OutputFormatNotSupported(ProcessError):
    """An update format the JSON output encoder cannot produce (`raw`, `weighted`)."""

    status = 400
    code = "ConfigError.OutputFormatNotSupported"
    template = "{message}"


class InvalidTransportConfig(ProcessError):
    """An egress request the transport refuses (a snapshot of a non-materialized relation)."""

    status = 400
    code = "ConfigError.InvalidTransportConfig"
    template = "{message}"


class ApiConnectionLimit(ProcessError):
    """100 API connections (ingress endpoints and open streams) exist already."""

    status = 429
    template = (
        "The API connections limit has been exceded. Close some of the existing connections "
        "before opening new ones."
    )


class InvalidConnectorAction(ApiError):
    """A connector action other than `start` or `pause` (the manager's check)."""

    status = 400
    template = "Invalid connector action '{action}'; valid actions are: 'start' or 'pause'"
    fields = ("action",)


class HeapProfilerError(ProcessError):
    """Heap profiles need a profiling build, which the simulated process is not."""

    status = 400
    template = "Heap profiler error: heap profiling is not available in this build."


class TransactionInProgress(ProcessError):
    """A second `start_transaction` while one is open."""

    status = 409
    template = "Cannot perform this operation while there is a transaction in progress"


class NoTransactionInProgress(ProcessError):
    """`commit_transaction` without an open transaction."""

    status = 400
    template = "This operation requires an active transaction, but none is currently in progress"


class NoSamplyProfile(ProcessError):
    """No samply profile was taken in this process yet."""

    status = 400
    template = (
        "no samply profile found; trigger a samply profile by making a POST request to "
        "`/samply_profile`"
    )


class SamplyProfilingFailure(ProcessError):
    """A samply profile that could not be taken."""

    status = 500
    template = "{message}"

    def __init__(self, error: str):
        super().__init__(f"Samply profiling failed: {error}", {"error": error})


class NoCheckpointsToSync(ProcessError):
    """`/checkpoint/sync` before any checkpoint exists (upstream's code is the string "400")."""

    status = 400
    code = "400"
    template = "no checkpoints found; make a POST request to `/checkpoint` to make a new checkpoint"


class IncarnationUuidMismatch(ProcessError):
    """A checkpoint status asked for another process incarnation."""

    status = 400
    template = "{message}"


class CheckpointFetchError(ProcessError):
    """Remote checkpoints need checkpoint sync, which is not configured."""

    status = 500
    template = (
        "Error fetching checkpoint from object store: listing remote checkpoints requires sync "
        "to be configured"
    )


class ProgramNotCompiled(ApiError):
    """The dataflow graph or a diff of a pipeline without program_info."""

    status = 404
    template = (
        "Pipeline '{pipeline_name}' has not been compiled yet. Please compile the pipeline first."
    )
    fields = ("pipeline_name",)


class InvalidSupportBundleParameter(ApiError):
    """A support bundle `limit` of 0."""

    status = 400
    template = "Invalid support bundle parameter: {reason}"
    fields = ("reason",)


class InvalidNewProgramSql(ApiError):
    """`/diff` with a program that does not compile."""

    status = 400
    template = "The new program does not compile:\n{messages}"
    fields = ()


class InvalidUuidParam(ApiError):
    """An event id that is neither `latest` nor a UUID."""

    status = 400
    template = "Invalid UUID string '{value}': {error}"
    fields = ("value", "error")


class UnknownPipelineMonitorEvent(ApiError):
    """No pipeline event has this id (it may have been pruned)."""

    status = 404
    template = (
        "Pipeline monitor event with identifier '{event_id}' does not exist -- it might have "
        "been deleted as only a limited number of events are retained"
    )
    fields = ("event_id",)


class NoPipelineMonitorEventsAvailable(ApiError):
    """`events/latest` before any event was recorded."""

    status = 404
    template = "There are not yet any pipeline monitor events recorded"


class UnknownClusterMonitorEvent(ApiError):
    """No cluster event has this id."""

    status = 404
    template = (
        "Cluster monitor event with identifier '{event_id}' does not exist -- it might have been "
        "deleted as monitor events are only retained for 72h and at most 1000"
    )
    fields = ("event_id",)


class NoClusterMonitorEventsAvailable(ApiError):
    """`cluster/events/latest` before the first health round."""

    status = 404
    template = "There are not yet any cluster monitor events recorded"


class SingleTenant(ApiError):
    """pipeline-store has one tenant and no members or OIDC trusts to manage."""

    status = 501
    template = (
        "pipeline-store serves a single tenant ('default'); {what} cannot be managed through "
        "the API"
    )
    fields = ("what",)


class UnknownOidcTrust(ApiError):
    """No OIDC trust relationship has this name (pipeline-store keeps none)."""

    status = 404
    template = "Unknown OIDC trust relationship '{name}'"
    fields = ("name",)


class UnknownTenantMember(ApiError):
    """No member of the tenant has this user id (pipeline-store keeps no members)."""

    status = 404
    template = "User '{user_id}' is not a member of the tenant"
    fields = ("user_id",)


class UnknownTenant(ApiError):
    """No tenant has this name or identifier."""

    status = 404
    template = "Unknown tenant '{tenant}'"
    fields = ("tenant",)


class InputTransportError(ApiError):
    """A connector failed while running (a datagen plan invalid for its column)."""

    status = 500
    template = "FATAL error on input endpoint '{endpoint_name}': {error}"
    fields = ("endpoint_name", "fatal", "error")


# --- API keys (platform.md §A3) -------------------------------------------------------------


class UnknownApiKey(ApiError):
    """No API key has this name in the caller's tenant."""

    status = 404
    template = "Unknown API key '{name}'"
    fields = ("name",)


class RoleExceedsCreator(ApiError):
    """A key may not carry a role above its creator's."""

    status = 403
    template = "Cannot grant the '{requested}' role: it exceeds the creator's own '{creator}' role"
    fields = ("requested", "creator")


class OwnerAdminNotMintableAsApiKey(ApiError):
    """API keys carry only `read` or `write`."""

    status = 403
    template = (
        "The '{role}' role cannot be granted to an API key: API keys carry "
        "only the 'read' or 'write' role"
    )
    fields = ("role",)


# --- Deployment errors: stored in `deployment_error`, never an HTTP answer -------------------


class StartFailedDueToFailedCompilation(ApiError):
    """T-E after an early start whose compilation failed (lifecycle.md B.3)."""

    template = "Not possible to start the pipeline because the program failed to compile"
    fields = ("compiler_error",)


class AutomatonProvisioningTimeout(ApiError):
    """The runner gave up waiting for resources (`provisioning-timeout` directive)."""

    template = (
        "Provisioning timed out: the pipeline was not provisioned within {shown}. This can "
        "happen when resources are scarce or the pipeline takes too long to start; check the "
        "pipeline logs."
    )
    fields = ("timeout",)


class WorkerPanic(ApiError):
    """A worker thread of the pipeline process panicked (`crash-after` directive)."""

    code = "RuntimeError.WorkerPanic"
    template = (
        "One or more worker threads terminated unexpectedly\n"
        "worker thread 0 panicked\npanic message: {panic_message}\n"
        "panic location: {location_text}"
    )
    fields = ("panic_info",)


class InitializationError(ApiError):
    """The process failed to initialise (bootstrap refused, standby in the open-source build)."""

    status = 500
    template = "Pipeline initialization failed: {error}"
    fields = ("error",)


# --- The admin API under /__admin/ (pipeline-store's own; README "Testing with pipeline-store")


class AdminCredentialRefused(ApiError):
    """An API key on the admin API: only an `admin` token or JWT may drive it."""

    status = 403
    template = "The admin API does not accept API keys: use a token or JWT with the 'admin' role"


class UnknownFaultRule(ApiError):
    """No fault rule has this id."""

    status = 404
    template = "Unknown fault rule {fault_id}"
    fields = ("fault_id",)


class UnknownSnapshot(ApiError):
    """No snapshot has this name."""

    status = 404
    template = "Unknown snapshot '{name}'"
    fields = ("name",)


class InvalidSnapshotName(ApiError):
    """A snapshot name must be 1 to 100 of `[A-Za-z0-9_.-]`, not starting with a dot."""

    status = 400
    template = (
        "Invalid snapshot name '{name}': use 1 to 100 letters, digits, '_', '-' or '.', "
        "not starting with '.'"
    )
    fields = ("name",)


class SnapshotsUnavailable(ApiError):
    """Snapshots are files of SQLite's online backup; a Postgres store has its own backups."""

    status = 501
    template = (
        "Snapshots need the SQLite backend; on Postgres use the server's own backups "
        "(pg_dump, or the provider's snapshots)"
    )


class SnapshotTooNew(ApiError):
    """The snapshot was saved by a newer pipeline-store (a higher schema version)."""

    status = 409
    template = (
        "Snapshot '{name}' has schema version {version}, newer than this server's ({current})"
    )
    fields = ("name", "version", "current")


class InjectedFault(ApiError):
    """The answer of a fault rule: its status, and its error_code (this one unless it names one)."""

    status = 500
    template = "Injected fault: HTTP {status}"

    def __init__(self, status: int, error_code: str | None, message: str | None, details, retry):
        super().__init__(status=status)
        self.status = status
        self.error_code = error_code or self.error_code
        self.message = message or self.message
        self.details = {} if details is None else details
        self.retry_after = retry
