"""``lambent dev`` (lambent._cli.dev): a user's mistake is one line on stderr and
exit status 2."""

from __future__ import annotations

import pytest

from tests.cli._voice import MISSING, lambent, one_line


@pytest.mark.network
def test_dev_mistakes(apps: dict[str, str], busy_port: int) -> None:
    one_line(lambent("dev", MISSING, "--port", "0"), "lambent dev", MISSING)
    one_line(lambent("dev", apps["config"], "--port", "0"), "lambent dev", "id")
    one_line(
        lambent("dev", apps["config"], "--port", str(busy_port)),
        "lambent dev", f"cannot listen on 127.0.0.1:{busy_port}",
    )  # fmt: skip
    one_line(lambent("dev", apps["config"], "--source", "sqs"), "lambent dev", "--source")
    one_line(lambent("dev", apps["config"], "--host", "10.1.2.3"), "lambent dev", "--allow-remote")
