"""HTTP endpoints on the worker's web port (`/metrics` comes from Faust's sensor).

`/healthz` answers while the process runs (liveness); `/ready` once the app
has its partitions assigned and tables recovered (readiness). `/slack/actions`
takes Slack's button clicks (interactivity requests). The review pages
(`/incidents`) are `agents.review_pages`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import faust
from faust import web
from faust.tables.manager import TableManager

from agents.adapters.slack_actions import handle_interaction

if TYPE_CHECKING:
    from agents.services import Services

log = logging.getLogger(__name__)

SLACK_ACTIONS_PATH = "/slack/actions"
SEND_TIMEOUT_S = 2.0
"""How long a click may wait for the producer: Slack wants an answer within 3 s."""


def register(app: faust.App) -> None:
    """Declare the health views on `app`."""

    async def healthz(self: web.View, request: web.Request) -> web.Response:
        return self.json({"status": "ok"})

    async def ready(self: web.View, request: web.Request) -> web.Response:
        tables = app.tables
        recovered = isinstance(tables, TableManager) and tables.recovery.completed.is_set()
        is_ready = not app.rebalancing and recovered
        return self.json({"ready": is_ready}, status=200 if is_ready else 503)

    app.page("/healthz")(healthz)
    app.page("/ready")(ready)


def register_slack(app: faust.App, actions: faust.TopicT, services: Services) -> None:
    """Declare ``POST /slack/actions`` (see `slack_actions_view`)."""
    app.page(SLACK_ACTIONS_PATH)(slack_actions_view(actions, services))


def slack_actions_view(actions: faust.TopicT, services: Services) -> type[web.View]:
    """The view of Slack's button clicks: a signed click becomes an `incident-actions` record.

    The signature (``SLACK_SIGNING_SECRET``) and its timestamp are checked
    before anything is parsed: a forged or stale request gets 401 and changes
    nothing. Acknowledge, snooze and resolve go to the topic keyed by brand,
    where the `windows` agent applies them; the root's edit follows from the
    alert event that produces. "Open review" is a link button when
    ``STREAMPROC_REVIEW_URL`` is set: the browser opens the incident's page
    (`agents.review_pages`) and Slack still sends the click, which is answered
    ok and changes nothing; unset, the button has no link and the click does
    nothing either (`streamproc incident report` writes the review).
    """
    secret = services.env.slack_signing_secret or ""
    if not secret:
        log.info("slack actions: SLACK_SIGNING_SECRET is unset: every click gets 401")

    class SlackActions(web.View):
        async def post(self, request: web.Request, **kwargs: Any) -> web.Response:
            body = await self.read_request_content(request)
            headers = {str(k): str(v) for k, v in request.headers.items()}
            status, action, text = handle_interaction(
                headers, body, secret, services.clock() / 1000
            )
            if status != 200:
                log.warning("slack actions: refused with %d: %s", status, text)
                return self.text(text, status=status)
            if action is None or action.action == "review":
                return self.text("")
            try:
                await asyncio.wait_for(
                    actions.send(key=action.brand.encode(), value=action.to_dict()),
                    SEND_TIMEOUT_S,
                )
            except (TimeoutError, OSError) as exc:
                log.error("slack actions: %s not sent: %s", action.action, exc)
                return self.text("could not record the action, try again", status=503)
            log.info(
                "slack actions: %s on incident %s (%s) by %s",
                action.action,
                action.incident_id,
                action.brand,
                action.actor,
            )
            return self.text("")

    return SlackActions
