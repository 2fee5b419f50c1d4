"""streamproc: crisis alerts for brands from a stream of social mentions.

The package holds the pure core (parsing, brand matching, sentiment, windows,
detector, alert state machine, incidents) and the command line. Kafka, Faust,
Slack and Prometheus live in the separate `agents` package.
"""

from streamproc.errors import ConfigError, InputFileError, StreamprocError

__version__ = "0.1.0"

__all__ = ["ConfigError", "InputFileError", "StreamprocError", "__version__"]
