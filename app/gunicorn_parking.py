"""Responses that park between polls (`app.http.followers`), for the gunicorn worker.

A followed body yields `Park` when it has nothing to send for a while. The worker then gives
the thread back and keeps the connection in a timer heap; when the pause is over, a pool
thread resumes the body where it stopped. 50 open change streams thus cost no thread between
polls, and list requests keep being answered.
"""

import dataclasses
import heapq
import itertools
import sys
import time
from datetime import datetime

from gunicorn import util
from gunicorn.http import wsgi

from app.http.followers import PARK_KEY
from app.http.followers import Park


@dataclasses.dataclass
class Parked:
    """A response between two polls of its body (`app.http.followers`): no thread holds it."""

    req: object
    resp: object
    environ: dict
    respiter: object
    body: object  # the iterator over respiter, resumed where it stopped
    started: datetime
    due: float = 0.0


class ParkingMixin:
    """Mixed into a `ThreadWorker`: request handling that can park a response's body."""

    def init_parking(self) -> None:
        """Start with no parked response (call before the event loop runs)."""
        # (due, tie-breaker, conn, parked) of responses waiting for their next poll.
        self.parked: list = []
        self.parked_order = itertools.count()

    def handle_request(self, req, conn):
        """gunicorn's request handling, except that a body may park between polls.

        Mirrors `ThreadWorker.handle_request` (gunicorn 27); a body that yields `Park` is
        returned as `Parked` and resumed later by `resume` (see `app.http.followers`).
        """
        # Bound every read of a body the thread reads itself, and every write of the answer.
        conn.sock.settimeout(self.request_timeout)
        environ = {}
        resp = None
        try:
            self.cfg.pre_request(self, req)
            started = datetime.now()
            resp, environ = wsgi.create(req, conn.sock, conn.client, conn.server, self.cfg)
            environ["wsgi.multithread"] = True
            environ[PARK_KEY] = True
            self.nr += 1
            if self.nr >= self.max_requests:
                if self.alive:
                    self.log.info("Autorestarting worker after current request.")
                    self.alive = False
                resp.force_close()
            if not self.alive or not self.cfg.keepalive:
                resp.force_close()
            elif len(self.keepalived_conns) >= self.max_keepalived:
                resp.force_close()
            respiter = self.wsgi(environ, resp.start_response)
            if isinstance(respiter, environ["wsgi.file_wrapper"]):
                parked = Parked(req, resp, environ, respiter, iter(()), started)
                try:
                    resp.write_file(respiter)
                except BaseException:
                    self.finish_response(parked, completed=False)
                    raise
                return self.finish_response(parked)
            parked = Parked(req, resp, environ, respiter, iter(respiter), started)
            return self.pump(parked)
        except OSError:
            util.reraise(*sys.exc_info())
        except (Exception, SystemExit):
            if resp and resp.headers_sent:
                self.log.exception("Error handling request")
                util.close_graceful(conn.sock)
                raise StopIteration() from None
            raise

    def pump(self, parked: Parked):
        """Write the body until it parks (return the Parked) or ends (return keep-alive)."""
        try:
            for item in parked.body:
                if isinstance(item, Park):
                    parked.due = time.monotonic() + item.seconds
                    return parked
                parked.resp.write(item)
        except BaseException:
            self.finish_response(parked, completed=False)
            raise
        return self.finish_response(parked)

    def finish_response(self, parked: Parked, completed: bool = True) -> bool:
        """End a response: close it, log it, close its body; return whether to keep alive."""
        resp = parked.resp
        try:
            if completed:
                resp.close()
        finally:
            self.log.access(resp, parked.req, parked.environ, datetime.now() - parked.started)
            if hasattr(parked.respiter, "close"):
                parked.respiter.close()
            try:
                self.cfg.post_request(self, parked.req, parked.environ, resp)
            except Exception:
                self.log.exception("Exception in post_request hook")
        return not resp.should_close()

    def _keepalive_after(self, conn, keepalive):
        """A parked response keeps its connection as it is (nothing follows it yet)."""
        if isinstance(keepalive, Parked):
            return keepalive
        return super()._keepalive_after(conn, keepalive)

    def finish_request(self, conn, fs):
        """Park a response that waits for its next poll; otherwise as gunicorn does."""
        result = None if fs.cancelled() or fs.exception() else fs.result()
        if isinstance(result, Parked):
            entry = (result.due, next(self.parked_order), conn, result)
            heapq.heappush(self.parked, entry)
            return
        super().finish_request(conn, fs)

    def wait_for_and_dispatch_events(self, timeout):
        """Wake up for the next parked response too, and hand the due ones to threads."""
        if self.parked:
            timeout = max(0.0, min(timeout, self.parked[0][0] - time.monotonic()))
        super().wait_for_and_dispatch_events(timeout)
        now = time.monotonic()
        while self.parked and self.parked[0][0] <= now:
            _, _, conn, parked = heapq.heappop(self.parked)
            fs = self.tpool.submit(self.resume, conn, parked)
            fs.add_done_callback(
                lambda fut, conn=conn: self.method_queue.defer(self.finish_request, conn, fut)
            )

    def resume(self, conn, parked: Parked):
        """On a pool thread: continue a parked body (a stopping worker ends it instead)."""
        try:
            if not self.alive:
                self.finish_response(parked, completed=False)
                return False
            return self._keepalive_after(conn, self.pump(parked))
        except OSError:
            return False  # the client went away: the body was closed by pump
        except Exception:
            self.log.exception("Error resuming a streamed response")
            util.close_graceful(conn.sock)
            return False
