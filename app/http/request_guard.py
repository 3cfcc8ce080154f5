"""Refuse what a hostile web page can make a browser send: cross-origin writes, rebound hosts.

A page on another origin can POST to a local server without a CORS preflight (a form, or
`text/plain`), and, through DNS rebinding, can even read its answers under a name of its own.
With `AUTH=none` nothing else would stop either, so every state-changing request that carries
a foreign `Origin` is refused, and so is every request whose `Host` is not a name this server
answers to (ALLOWED_HOSTS). The SDK and scripts send no `Origin` and use the address they
connect to, so they pass.
"""

import functools
import ipaddress
import urllib.parse

from flask import current_app
from flask import request

from app.auth.roles import SAFE_METHODS
from app.errors import HostNotAllowed
from app.errors import OriginNotAllowed
from app.http.cors import allowed_origins
from app.http.cors import allows

EXTENSION = "pipeline-store.request-guard"
ANY = "*"


def init_app(app) -> None:
    """Read the allowed origins and hosts once, and check every request against them."""
    hosts = allowed_hosts(app.config["ALLOWED_HOSTS"], app.config["AUTH"])
    app.extensions[EXTENSION] = {
        "origins": allowed_origins(app.config["CORS_ORIGINS"]),
        "hosts": hosts,
    }
    app.before_request(guard)


def allowed_hosts(value, auth_mode: str) -> frozenset | None:
    """Normalise ALLOWED_HOSTS; None means any host is served."""
    # The same list syntax as CORS_ORIGINS.
    names = frozenset(name.lower().rstrip(".") for name in allowed_origins(value))
    if ANY in names or (not names and auth_mode != "none"):
        # With credentials required, a rebound page has none to send: no check by default.
        return None
    return names


def guard() -> None:
    """Before each request: refuse a foreign Host, then a foreign Origin on a write."""
    settings = current_app.extensions[EXTENSION]
    host = request.host.lower()
    if settings["hosts"] is not None and not host_allowed(host, settings["hosts"]):
        raise HostNotAllowed(host=request.host)
    origin = request.headers.get("Origin")
    if origin is None or request.method in SAFE_METHODS:
        return
    if allows(settings["origins"], origin):
        return
    # The server's own origin: a page it served (Swagger UI) writing back to it.
    if urllib.parse.urlsplit(origin.lower()).netloc == host:
        return
    raise OriginNotAllowed(origin=origin)


@functools.lru_cache(maxsize=256)
def host_allowed(host: str, names: frozenset) -> bool:
    """Whether a Host header names this server: an IP address, localhost, or a listed name.

    A browser sends an IP literal only to a page loaded from that very address, and resolves
    `localhost` itself, so neither can be rebound; any other name must be listed.
    """
    name = hostname(host)
    if name in names or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def hostname(host: str) -> str:
    """The name in a Host header, without port, IPv6 brackets or a trailing dot."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
        name = host
    return name.rstrip(".")
