"""lambent: asynchronous, typed event processing for AWS Lambda.

```python
from lambent import App

app = App()

@app.sqs("orders")
async def on_order(order: Order) -> None: ...

handler = app.handler
```
"""

from __future__ import annotations

import typing as _typing

from lambent._errors import BatchFailedError as BatchFailedError
from lambent._errors import ConfigurationError as ConfigurationError
from lambent._errors import DeadlineExceeded as DeadlineExceeded
from lambent._errors import DecodeError as DecodeError
from lambent._errors import EventDecodeError as EventDecodeError
from lambent._errors import HandlerError as HandlerError
from lambent._errors import LambentError as LambentError
from lambent._errors import ResponseTooLargeError as ResponseTooLargeError
from lambent._errors import RoutingError as RoutingError

if _typing.TYPE_CHECKING:
    from lambent._app import App as App
    from lambent._context import LambdaContext as LambdaContext
    from lambent._inject import Depends as Depends
    from lambent._logging import Logger as Logger
    from lambent._outcomes import Dropped as Dropped
    from lambent._outcomes import DroppedType as DroppedType
    from lambent._outcomes import Transformed as Transformed
    from lambent._pipeline import BatchInfo as BatchInfo
    from lambent._routers import Router as Router
    from lambent.http import CORS as CORS
    from lambent.http import EdgeRequest as EdgeRequest
    from lambent.http import EdgeResponse as EdgeResponse
    from lambent.http import HTTPException as HTTPException
    from lambent.http import Policy as Policy
    from lambent.http import Request as Request
    from lambent.http import Response as Response
    from lambent.sources import detect as detect

#: where each public name lives: imported on first use, so ``import lambent`` loads only
#: the errors, an app loads its core when it names ``App``, and apps without HTTP routes
#: never load ``lambent.http`` (nor a process that only runs a plain handler, the core)
_LAZY = {
    "App": "lambent._app",
    "LambdaContext": "lambent._context",
    "Depends": "lambent._inject",
    "Logger": "lambent._logging",
    "Dropped": "lambent._outcomes",
    "DroppedType": "lambent._outcomes",
    "Transformed": "lambent._outcomes",
    "BatchInfo": "lambent._pipeline",
    "Router": "lambent._routers",
    "detect": "lambent.sources",
    **dict.fromkeys(
        ("CORS", "EdgeRequest", "EdgeResponse", "HTTPException", "Policy", "Request", "Response"),
        "lambent.http",
    ),
}

__version__ = "0.1.0"


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lambent' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CORS",
    "App",
    "BatchFailedError",
    "BatchInfo",
    "ConfigurationError",
    "DeadlineExceeded",
    "DecodeError",
    "Depends",
    "Dropped",
    "DroppedType",
    "EdgeRequest",
    "EdgeResponse",
    "EventDecodeError",
    "HTTPException",
    "HandlerError",
    "LambdaContext",
    "LambentError",
    "Logger",
    "Policy",
    "Request",
    "Response",
    "ResponseTooLargeError",
    "Router",
    "RoutingError",
    "Transformed",
    "__version__",
    "detect",
]
