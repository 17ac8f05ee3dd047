"""A handler module whose import fails."""

import lambent_no_such_module  # noqa: F401


def handler(event: object, context: object) -> object:
    return event
