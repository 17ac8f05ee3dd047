"""A local AWS Lambda: the Invoke API and the Runtime API on one aiohttp server.

Nothing here is imported by ``import lambent``; ``lambent invoke`` and ``lambent serve``
load it on demand. The pieces, each a small module:

* :mod:`.model`       function configuration, one invocation, its result
* :mod:`.errors`      service errors (``x-amzn-ErrorType``) and function-error payloads
* :mod:`.context`     the ``LambdaContext`` handed to in-process handlers
* :mod:`.logs`        per-invocation log capture and the ``X-Amz-Log-Result`` tail
* :mod:`.inprocess`   runs a handler inside this process (a worker thread, or the loop)
* :mod:`.worker`      runs a handler in ``python -m awslambdaric`` worker processes
* :mod:`.runtime_api` the Runtime API those workers poll
* :mod:`.invoke_api`  the Invoke API boto3 calls
* :mod:`.async_queue` Event invocations: queue, retries, maximum event age
* :mod:`.destinations` on-success / on-failure records: JSONL file, SQS, SNS, local function
* :mod:`.server`      wires it together, starts and stops it
"""

from __future__ import annotations
