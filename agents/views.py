"""HTTP endpoints on the worker's web port (`/metrics` comes from Faust's sensor).

`/healthz` answers while the process runs (liveness); `/ready` once the app
has its partitions assigned and tables recovered (readiness).
"""

from __future__ import annotations

import faust
from faust import web


def register(app: faust.App) -> None:
    """Declare the health views on `app`."""

    async def healthz(self: web.View, request: web.Request) -> web.Response:
        return self.json({"status": "ok"})

    async def ready(self: web.View, request: web.Request) -> web.Response:
        is_ready = bool(app.rebalancing is False and app.tables.recovery.completed.is_set())
        return self.json({"ready": is_ready}, status=200 if is_ready else 503)

    app.page("/healthz")(healthz)
    app.page("/ready")(ready)
