"""Request hooks: admin authorization, the shared clock, fault rules and the journal.

On the Feldera API surface (`/v0`, `/config/…`) every request reads the admin state once (one
statement, see state.py). Rules are read only when some exist, and the journal is written
only while it is on (a write per request; off by default).
"""

import logging

from flask import current_app
from flask import g
from flask import request

from app import errors
from app import storage
from app.admin import faults
from app.admin import journal
from app.admin import state
from app.auth import ANONYMOUS_ADMIN
from app.auth import authenticate
from app.http.context import domain
from app.logs import STARTED

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/__admin"


def is_admin_path(path: str) -> bool:
    """Whether the path is the admin API's."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def is_watched(path: str) -> bool:
    """Whether faults, the clock and the journal apply: the API clients use."""
    return path == "/v0" or path.startswith(("/v0/", "/config/"))


def authorize_admin() -> None:
    """Admit the admin API's caller: anyone with `AUTH=none`, else an `admin` token or JWT."""
    if current_app.config["AUTH"] != "bearer":
        g.principal = ANONYMOUS_ADMIN
        return
    principal = authenticate()
    g.principal = principal
    if principal.kind == "apikey":
        raise errors.AdminCredentialRefused()
    if principal.role != "admin":
        raise errors.InsufficientPermissions(required="admin", actual=principal.role)


def before_request() -> None:
    """Read the admin state; apply the clock and any fault rule that fires."""
    path = request.path
    if is_admin_path(path):
        if request.url_rule is not None:
            authorize_admin()
        return
    if not is_watched(path):
        return
    try:
        store = storage.get_store()
        current = state.request_state(store)
    except storage.StorageError:
        return  # the view reports the unusable database in its own way (health checks)
    if current.rule_count:
        rule = faults.firing_rule(store, current, state.rule_cache(), request.method, path)
        if rule is not None:
            faults.apply(rule, request.environ)


def after_request(response):
    """Record the request in the journal while it is on."""
    if not is_watched(request.path):
        return response
    try:
        # Refused before before_request ran (a 401, say): read the state now.
        current = state.request_state(storage.get_store())
        if current.journal_size:
            journal.record(
                domain(), current.journal_size, response.status_code, request.environ.get(STARTED)
            )
    except storage.StorageError as exc:
        # The journal is an aid: a busy database must not fail the request it records.
        log.warning("request not journaled: %s", exc)
    return response


def init_app(app) -> None:
    """Install the hooks (after authentication's) and the worker's rule cache."""
    state.init_app(app)
    app.before_request(before_request)
    app.after_request(after_request)
