"""Field-by-field checks of rendered results against LAMBDA.md §5.7-§5.11."""

from __future__ import annotations

from typing import Any


def _str_map(value: Any) -> None:
    assert isinstance(value, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _multi_map(value: Any) -> None:
    assert isinstance(value, dict)
    for k, v in value.items():
        assert isinstance(k, str) and isinstance(v, list) and v
        assert all(isinstance(x, str) for x in v)


def assert_rest(out: dict[str, Any]) -> None:
    """§5.7: statusCode, headers, multiValueHeaders, body (str), isBase64Encoded; nothing else."""
    assert set(out) == {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
    assert type(out["statusCode"]) is int
    _str_map(out["headers"])
    _multi_map(out["multiValueHeaders"])
    assert isinstance(out["body"], str)
    assert type(out["isBase64Encoded"]) is bool
    assert "set-cookie" not in {k.lower() for k in out["headers"]}


def assert_v2(out: dict[str, Any]) -> None:
    """§5.8: statusCode (so no inference), headers str->str, cookies list, body, isBase64Encoded."""
    assert set(out) == {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}
    assert type(out["statusCode"]) is int
    _str_map(out["headers"])
    assert "set-cookie" not in out["headers"]
    assert isinstance(out["cookies"], list) and all(isinstance(c, str) for c in out["cookies"])
    assert isinstance(out["body"], str)
    assert type(out["isBase64Encoded"]) is bool


def assert_alb(out: dict[str, Any], *, multi_value: bool) -> None:
    """§5.9: statusCode, statusDescription "200 OK", headers XOR multiValueHeaders by mode."""
    headers_key = "multiValueHeaders" if multi_value else "headers"
    assert set(out) == {"statusCode", "statusDescription", headers_key, "body", "isBase64Encoded"}
    status = out["statusCode"]
    assert type(status) is int
    assert out["statusDescription"].startswith(f"{status} ")
    (_multi_map if multi_value else _str_map)(out[headers_key])
    assert isinstance(out["body"], str)
    assert type(out["isBase64Encoded"]) is bool


def assert_http(source: str, out: dict[str, Any], *, multi_value: bool = False) -> None:
    if source == "apigw-rest":
        assert_rest(out)
    elif source in ("apigw-http", "function-url"):
        assert_v2(out)
    else:
        assert_alb(out, multi_value=multi_value)


def assert_cf_headers(headers: Any) -> None:
    """§5.11: lowercase name -> list of {key, value}."""
    assert isinstance(headers, dict)
    for name, values in headers.items():
        assert name == name.lower()
        assert isinstance(values, list) and values
        for h in values:
            assert set(h) <= {"key", "value"} and isinstance(h["value"], str)
            assert h.get("key", name).lower() == name


def assert_iam_policy(out: dict[str, Any]) -> None:
    assert {"principalId", "policyDocument"} <= set(out) <= {
        "principalId", "policyDocument", "context", "usageIdentifierKey",
    }  # fmt: skip
    doc = out["policyDocument"]
    assert doc["Version"] == "2012-10-17"
    for statement in doc["Statement"]:
        assert statement["Action"] == "execute-api:Invoke"
        assert statement["Effect"] in ("Allow", "Deny")
        assert all(r.startswith("arn:aws:execute-api:") for r in statement["Resource"])
