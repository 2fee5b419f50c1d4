"""The one error root of streamproc and its few subclasses.

Bad *mentions* are not errors: they are `Rejection` values routed to the
dead-letter topic. These exceptions are for bad configuration, bad files
given on the command line and unreachable services, where the right answer
is a one-line message and a non-zero exit.
"""

from __future__ import annotations


class StreamprocError(Exception):
    """Root of every error streamproc raises on purpose."""


class ConfigError(StreamprocError):
    """The configuration (TOML files or environment) is invalid."""


class InputFileError(StreamprocError):
    """A file given on the command line cannot be used (names the line)."""


class BrokerError(StreamprocError):
    """The Kafka broker cannot be started or reached."""


class AlertDeliveryError(StreamprocError):
    """An alert could not be delivered yet; it stays pending and is retried.

    `retry_after` (seconds) is the delay the far side asked for, if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
