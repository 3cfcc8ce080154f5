"""What every domain operation needs: the store it works on and the settings that shape rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.pipelines.bodies import NoBodies
from app.pipelines.bodies import RenderedBodies
from app.simulator.model import SimConfig
from app.storage import Store


@dataclass(frozen=True)
class DataSettings:
    """Limits and timings of the simulated data plane."""

    max_rows: int
    max_request_rows: int
    max_request_bytes: int
    cache_pipelines: int
    paused_wait_seconds: float
    follow_seconds: float
    egress_idle_seconds: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DataSettings:
        """Build from a Flask config."""
        return cls(
            max_rows=int(config["DATA_MAX_ROWS"]),
            max_request_rows=int(config["DATA_MAX_REQUEST_ROWS"]),
            max_request_bytes=int(config["DATA_MAX_REQUEST_BYTES"]),
            cache_pipelines=max(1, int(config["DATA_CACHE_PIPELINES"])),
            paused_wait_seconds=max(0.0, float(config["INGRESS_PAUSED_WAIT_SECONDS"])),
            follow_seconds=max(0.0, float(config["STREAM_FOLLOW_SECONDS"])),
            egress_idle_seconds=max(0.0, float(config["EGRESS_IDLE_SECONDS"])),
        )


@dataclass(frozen=True)
class Settings:
    """The server settings domain rules depend on, read once from the app config."""

    platform_version: str
    simulation: SimConfig
    data: DataSettings

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Build from a Flask config."""
        return cls(
            platform_version=config["PLATFORM_VERSION"],
            simulation=SimConfig.from_settings(config),
            data=DataSettings.from_config(config),
        )

    @property
    def enterprise(self) -> bool:
        """Whether the server imitates upstream's enterprise edition."""
        return self.simulation.enterprise


@dataclass(frozen=True)
class Context:
    """A store (one connection) and the settings, for one request or command."""

    store: Store
    settings: Settings
    # Simulation events of the open write transaction, logged once it commits (catch_up.py).
    pending_events: list = field(default_factory=list, compare=False, repr=False)
    # The worker's rendered answers by entity tag (see bodies.py); commands keep none.
    bodies: RenderedBodies = field(default_factory=NoBodies, compare=False, repr=False)
    # The change stamp and whether a transition was due when the request began (read with the
    # admin state, see app/admin/state.py); the request's first probe takes it (catch_up.py).
    first_look: list = field(default_factory=list, compare=False, repr=False)
