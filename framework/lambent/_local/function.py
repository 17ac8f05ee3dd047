"""A local function (its runner and its concurrency) and the table that finds one by name.

Concurrency is shared by synchronous and asynchronous invocations, as reserved
concurrency is in Lambda: a synchronous call finding every slot busy is throttled
(``TooManyRequestsException``), an Event invocation waits in its queue for a slot.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager

import anyio

from lambent._errors import ConfigurationError
from lambent._local import errors
from lambent._local.inprocess import Runner
from lambent._local.model import LATEST, FunctionConfig, Invocation, InvocationResult

#: a function's name, as Lambda takes it
_NAME_TEXT = r"[a-zA-Z0-9_-]{1,64}"
_FUNCTION = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):)?"
    r"(?:(?P<account>\d{12}):function:)?"
    rf"(?P<name>{_NAME_TEXT})"
    r"(?::(?P<qualifier>[a-zA-Z0-9$_-]{1,128}))?$"
)
_QUALIFIER = re.compile(r"^[a-zA-Z0-9$_-]{1,128}$")
_NAME = re.compile(rf"^{_NAME_TEXT}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ENV_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]+$")
#: variables Lambda sets itself and refuses in a function's configuration (LAMBDA.md §3.4)
RESERVED_ENV = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
        "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
    }
)  # fmt: skip
#: all of a function's variables together, keys and values (LAMBDA.md §3.4)
ENV_LIMIT = 4096


def check_config(config: FunctionConfig) -> None:
    """Raise :class:`ConfigurationError` for a function Lambda would not create: a name
    no Invoke request can reach, a region or account no ARN has, variables it refuses."""
    if not _NAME.match(config.name):
        raise ConfigurationError(
            f"function name {config.name!r}: 1 to 64 letters, digits, '-' or '_' "
            "(Lambda's names; an Invoke request could not name it otherwise)"
        )
    if not _REGION.match(config.region):
        raise ConfigurationError(f"region {config.region!r} is no AWS region (us-east-1)")
    if not _ACCOUNT.match(config.account_id):
        raise ConfigurationError(f"account id {config.account_id!r} is not 12 digits")
    for key in config.environment:
        if key in RESERVED_ENV:
            raise ConfigurationError(
                f"environment variable {key} is reserved: Lambda sets it and refuses it "
                "in a function's configuration"
            )
        if not _ENV_KEY.match(key):
            raise ConfigurationError(
                f"environment variable {key!r}: a letter, then at least one more letter, "
                "digit or '_' (Lambda's rule)"
            )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in config.environment.items())
    if size > ENV_LIMIT:
        raise ConfigurationError(
            f"{config.name}: environment variables take {size} bytes; Lambda allows "
            f"{ENV_LIMIT} in all"
        )


class LocalFunction:
    """One function: what runs it and how many invocations may run at once."""

    def __init__(self, config: FunctionConfig, runner: Runner) -> None:
        self.config = config
        self.runner = runner
        self.running = 0
        self._slots = anyio.Semaphore(max(1, config.concurrency))

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()

    async def invoke_now(self, invocation: Invocation) -> InvocationResult:
        """Run at once, or raise a 429 service error when every slot is busy."""
        try:
            self._slots.acquire_nowait()
        except anyio.WouldBlock:
            raise errors.throttled() from None
        async with self._running():
            return await self.runner.run(invocation)

    async def invoke_when_free(
        self, invocation: Invocation, wait_limit: float
    ) -> InvocationResult | None:
        """Wait up to ``wait_limit`` seconds for a slot, then run; ``None`` if none came."""
        acquired = False
        with anyio.move_on_after(wait_limit):
            await self._slots.acquire()
            acquired = True
        if not acquired:
            return None
        async with self._running():
            return await self.runner.run(invocation)


class FunctionTable:
    """The functions of one server, found the way the Invoke API names them."""

    def __init__(self, functions: Iterable[LocalFunction]) -> None:
        self._by_name = {f.config.name: f for f in functions}

    def __iter__(self) -> Iterator[LocalFunction]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> LocalFunction | None:
        return self._by_name.get(name)

    def resolve(self, raw: str, qualifier: str | None) -> tuple[LocalFunction, str]:
        """Find ``name``, ``name:qualifier``, a full or a partial ARN; returns the invoked ARN.

        Raises the service errors Lambda answers: 400 for a malformed name or qualifier
        or two qualifiers that disagree, 404 for a function, version or alias that does
        not exist here. Only ``$LATEST`` exists locally.
        """
        match = _FUNCTION.match(raw)
        if match is None:
            raise errors.invalid_parameter(
                f"1 validation error detected: Value '{raw}' at 'functionName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern"
            )
        if qualifier is not None and not _QUALIFIER.match(qualifier):
            raise errors.invalid_parameter(
                f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern"
            )
        named = match["qualifier"]
        if named is not None and qualifier is not None and named != qualifier:
            raise errors.invalid_parameter(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        qualifier = named or qualifier
        function = self._by_name.get(match["name"])
        arn = self._arn(match, function)
        shown = f"{arn}:{qualifier}" if qualifier else arn
        if function is None:
            raise errors.not_found(shown)
        cfg = function.config
        if (match["region"] not in (None, cfg.region)) or (
            match["account"] not in (None, cfg.account_id)
        ):
            raise errors.not_found(shown)
        if qualifier is not None and qualifier != LATEST:
            raise errors.not_found(shown)
        return function, shown

    def _arn(self, match: re.Match[str], function: LocalFunction | None) -> str:
        cfg = function.config if function is not None else None
        region = match["region"] or (cfg.region if cfg else "us-east-1")
        account = match["account"] or (cfg.account_id if cfg else "123456789012")
        return f"arn:aws:lambda:{region}:{account}:function:{match['name']}"
