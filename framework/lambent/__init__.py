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

from lambent._app import App as App
from lambent._context import LambdaContext as LambdaContext
from lambent._errors import BatchFailedError as BatchFailedError
from lambent._errors import ConfigurationError as ConfigurationError
from lambent._errors import DecodeError as DecodeError
from lambent._errors import EventDecodeError as EventDecodeError
from lambent._errors import LambentError as LambentError
from lambent._errors import ResponseTooLargeError as ResponseTooLargeError
from lambent._errors import RoutingError as RoutingError
from lambent._handle import BatchInfo as BatchInfo
from lambent._logging import Logger as Logger
from lambent._respond import Dropped as Dropped
from lambent._respond import DroppedType as DroppedType
from lambent._respond import Transformed as Transformed
from lambent.sources import detect as detect

__version__ = "0.1.0"

__all__ = [
    "App",
    "BatchFailedError",
    "BatchInfo",
    "ConfigurationError",
    "DecodeError",
    "Dropped",
    "DroppedType",
    "EventDecodeError",
    "LambdaContext",
    "LambentError",
    "Logger",
    "ResponseTooLargeError",
    "RoutingError",
    "Transformed",
    "__version__",
    "detect",
]
