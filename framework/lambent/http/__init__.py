"""HTTP and edge: one router for API Gateway REST and HTTP APIs, Function URLs, ALB,
WebSockets, authorizers and Lambda@Edge.

```python
from typing import Annotated
from uuid import UUID
from lambent import App
from lambent.http import Header, Response

app = App()

@app.get("/orders/{order_id}")
async def get_order(order_id: UUID, verbose: bool = False) -> dict[str, object]:
    return {"id": str(order_id), "verbose": verbose}

@app.post("/orders")
async def create(order: Order, key: Annotated[str, Header("x-api-key")]) -> Response:
    return Response(order, status=201, headers={"Location": f"/orders/{order.id}"})
```

The same routes answer every HTTP source; see :mod:`lambent.http._router` for the request
pipeline, :mod:`._routing` for templates and the trailing-slash policy, :mod:`._params`
for where handler parameters come from, :mod:`._render` for the wire shapes.
"""

from __future__ import annotations

from lambent._inject import Depends as Depends
from lambent.http._authorizer import Policy as Policy
from lambent.http._authorizer import SimpleAuthorization as SimpleAuthorization
from lambent.http._authorizer import Unauthorized as Unauthorized
from lambent.http._cors import CORS as CORS
from lambent.http._edge_views import EdgeRequest as EdgeRequest
from lambent.http._edge_views import EdgeResponse as EdgeResponse
from lambent.http._edge_views import EdgeResultError as EdgeResultError
from lambent.http._headers import MutableHeaders as MutableHeaders
from lambent.http._middleware import CallNext as CallNext
from lambent.http._middleware import Middleware as Middleware
from lambent.http._plan import Body as Body
from lambent.http._plan import Cookie as Cookie
from lambent.http._plan import Header as Header
from lambent.http._plan import Query as Query
from lambent.http._request import Request as Request
from lambent.http._response import HTTPException as HTTPException
from lambent.http._response import RequestValidationError as RequestValidationError
from lambent.http._response import Response as Response
from lambent.http._response import SetCookie as SetCookie
from lambent.http._router import HttpConfig as HttpConfig
from lambent.http._router import HttpRouter as HttpRouter
from lambent.http._streaming import StreamingResponse as StreamingResponse

__all__ = [
    "CORS",
    "Body",
    "CallNext",
    "Cookie",
    "Depends",
    "EdgeRequest",
    "EdgeResponse",
    "EdgeResultError",
    "HTTPException",
    "Header",
    "HttpConfig",
    "HttpRouter",
    "Middleware",
    "MutableHeaders",
    "Policy",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "SetCookie",
    "SimpleAuthorization",
    "StreamingResponse",
    "Unauthorized",
]
