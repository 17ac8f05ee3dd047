"""A handler module whose import fails."""

# the module does not exist: importing it is the failure under test
import lambent_no_such_module  # type: ignore[import-not-found]  # noqa: F401


def handler(event: object, context: object) -> object:
    return event
