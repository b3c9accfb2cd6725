"""A stage's v2 settings (OnFailure, BeforeEntry, OnSuccess) back into `on_failure`,
`before_entry` and `on_success`, checked against the forward mapping (stage_settings.emit):
a setting is typed only when emitting the typed keys gives it back exactly.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pipegen import stage_settings
from pipegen.cfn import plain

KINDS = {v: k for k, v in stage_settings.RULE_KINDS.items()}
OPERATORS = {v: k for k, v in stage_settings.OPERATORS.items()}


def _rules(condition: Any) -> tuple[str, list] | None:
    if not isinstance(condition, dict) or not isinstance(condition.get("Rules"), list):
        return None
    rules = []
    for i, rule in enumerate(condition["Rules"]):
        tid = rule.get("RuleTypeId") or {}
        kind = KINDS.get(tid.get("Provider"))
        config = rule.get("Configuration") or {}
        if kind is None or not isinstance(config, dict):
            return None
        out: dict[str, Any] = {}
        if rule.get("Name") != f"{tid.get('Provider')}{i + 1}":
            out["name"] = rule.get("Name")
        if kind == "alarm":
            out["alarm"] = config.get("AlarmName")
            if "WaitTime" in config:
                out["wait"] = f"{config['WaitTime']}m"
        elif kind == "deployment_window":
            window = {"cron": config.get("Cron")}
            if "TimeZone" in config:
                window["timezone"] = config["TimeZone"]
            out["deployment_window"] = window
        elif kind == "lambda":
            out["lambda"] = config.get("FunctionName")
        else:
            check = {"variable": config.get("Variable"), "value": config.get("Value")}
            operator = OPERATORS.get(config.get("Operator"))
            if operator is None:
                return None
            if operator != "eq":
                check["operator"] = operator
            out["variable_check"] = check
        rules.append(out)
    return str(condition.get("Result", "")).lower(), rules


def typed(stage: dict) -> dict | None:
    """{on_failure, before_entry, on_success} for a stage, or None if any cannot be typed."""
    out: dict[str, Any] = {}
    failure = stage.get("OnFailure")
    if failure is not None:
        result = str(failure.get("Result", "")).lower()
        if result == "retry":
            mode = (failure.get("RetryConfiguration") or {}).get("RetryMode", "FAILED_ACTIONS")
            out["on_failure"] = "retry" if mode == "FAILED_ACTIONS" else {
                "result": "retry", "retry_mode": mode.lower().replace("_", "-")}
        elif result == "rollback":
            conditions = failure.get("Conditions") or []
            if conditions:
                found = _rules(conditions[0]) if len(conditions) == 1 else None
                if found is None:
                    return None
                out["on_failure"] = {"result": "rollback", "rules": found[1]}
            else:
                out["on_failure"] = "rollback"
        elif result == "fail":
            out["on_failure"] = "fail"
        else:
            return None
    for key, typed_key, default in (("BeforeEntry", "before_entry", "fail"),
                                    ("OnSuccess", "on_success", "rollback")):
        value = stage.get(key)
        if value is None:
            continue
        conditions = value.get("Conditions") if isinstance(value, dict) else None
        if not isinstance(conditions, list) or len(conditions) != 1:
            return None
        found = _rules(conditions[0])
        if found is None:
            return None
        result, rules = found
        spec: dict[str, Any] = {"rules": rules}
        if result != default:
            spec = {"result": result, **spec}
        out[typed_key] = spec
    # The forward mapping must give the same properties back.
    fake_ctx = SimpleNamespace(policy=SimpleNamespace(allow=lambda *a, **k: None))
    try:
        again = plain(stage_settings.emit(SimpleNamespace(settings=out), fake_ctx))
    except Exception:  # noqa: BLE001 - a shape the forward mapping cannot take: keep raw
        return None
    original = {k: stage[k] for k in ("OnFailure", "BeforeEntry", "OnSuccess") if k in stage}
    if {k: v for k, v in again.items()} != original:
        return None
    return out
