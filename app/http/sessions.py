"""No cookie sessions: the API authenticates every request by its bearer token."""

from flask.sessions import SessionInterface


class NoSessions(SessionInterface):
    """Flask's null session on every request, without building a signer or reading cookies."""

    def open_session(self, app, request):
        """Return None, so Flask uses its (empty, read-only) null session."""
        return None

    def save_session(self, app, session, response) -> None:
        """Write nothing."""


def init_app(app) -> None:
    """Turn Flask's signed-cookie sessions off (nothing in pipeline-store uses them)."""
    app.session_interface = NoSessions()
