"""The artifact store's cross-account rules: checks before emitting, and the policy statements
that `artifacts.grant` adds to the bucket policy and to a generated key's policy.

AWS's recipe for cross-account actions: the store is encrypted with a customer-managed key
(the aws/s3 key's policy cannot be edited, so no other account can ever use it); the bucket
policy and the key policy both allow the other account's roles; and a key is named by its key
ARN, because another account cannot resolve this account's aliases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awacs.aws import Action as IamAction
from awacs.aws import Allow, Condition, Principal, Statement, StringEquals
from troposphere import Sub

from pipegen import cfn, iam
from pipegen.references import same_json

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext

# What a granted role may do with artifacts: read objects, list the bucket (so a missing object
# is a 404, not a 403); a `write` role may also put objects. Object ownership is enforced by the
# bucket, so no ACLs. Read-only is the default: a role that could write could replace what a
# later stage (production) deploys.
GRANT_OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"]
GRANT_WRITE_ACTIONS = ["s3:PutObject"]
GRANT_BUCKET_ACTIONS = ["s3:ListBucket"]
GRANT_KEY_ACTIONS = iam.KMS_READ
GRANT_KEY_WRITE_ACTIONS = [a for a in iam.KMS_USE if a not in iam.KMS_READ]


def grant_entries(store: dict) -> list[tuple[tuple, Any, bool]]:
    """(path, role, may write) for every role `artifacts.grant` names, in the spec's order.

    `grant: [ARN...]` is read-only; `grant: {read: [...], write: [...]}` names writers too.
    """
    grant = store.get("grant", [])
    if isinstance(grant, list):
        return [(("artifacts", "grant", i), r, False) for i, r in enumerate(grant)]
    if not isinstance(grant, dict) or cfn.is_intrinsic(grant):
        return []
    return [(("artifacts", "grant", kind, i), r, kind == "write")
            for kind in ("read", "write") for i, r in enumerate(grant.get(kind, []))]


def region_entries(regions: Any) -> list[dict]:
    """`artifacts.regions` in either form as [{region, bucket, encryption?}], spec order."""
    if isinstance(regions, list):
        return list(regions)
    return [{"region": r, **spec} for r, spec in (regions or {}).items()]


def region_store(regions: Any, region: Any) -> dict | None:
    """The store entry for an action's `region` (a literal, or the same intrinsic)."""
    for entry in region_entries(regions):
        if same_json(entry["region"], region):
            return entry
    return None


def region_candidates(region: Any, mappings: Any) -> list[str] | None:
    """The regions `!FindInMap [Map, Key, Column]` can name: Column in every row of Map.

    The row usually depends on the deploy (`!Ref AWS::Region`), the column does not; each
    region it can take needs its own store. None when the region is not such a lookup, or a
    cell is not a literal region.
    """
    if not (isinstance(region, dict) and set(region) == {"Fn::FindInMap"}):
        return None
    args = region["Fn::FindInMap"]
    if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)
            and isinstance(args[2], str) and isinstance(mappings, dict)):
        return None
    table = mappings.get(args[0])
    if not isinstance(table, dict):
        return None
    rows = [table[args[1]]] if isinstance(args[1], str) and args[1] in table else \
        list(table.values())
    out: list[str] = []
    for row in rows:
        cell = row.get(args[2]) if isinstance(row, dict) else None
        if not isinstance(cell, str):
            return None
        if cell not in out:
            out.append(cell)
    return out or None


def may_be_cross_account(role: Any) -> bool:
    """Whether a role ARN may live in another account (any ARN pipegen cannot place here).

    A role made in this template (`!GetAtt Role.Arn`) or written with `${AWS::AccountId}` is
    this account's; a literal ARN or a parameter may name any account.
    """
    if isinstance(role, dict) and len(role) == 1:
        fn, arg = next(iter(role.items()))
        if fn in ("Fn::GetAtt", "Ref"):
            return False
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg \
                else ""
            return not (isinstance(text, str) and ":${AWS::AccountId}:role/" in text)
    return True


def assumed_roles(data: dict) -> list[tuple[tuple, Any, str]]:
    """(path, role, description) for every source and action that runs as its own role."""
    out = []
    for i, s in enumerate(data.get("sources", [])):
        if "role" in s:
            out.append((("sources", i, "role"), s["role"],
                        f"source '{s.get('name', s.get('provider'))}'"))
    for si, stage in enumerate(data.get("stages", [])):
        for ai, a in enumerate(stage.get("actions", [])):
            # An action in another region reads that region's store (build.py checks its key).
            if "role" in a and a.get("region", {"Ref": "AWS::Region"}) == {"Ref": "AWS::Region"}:
                out.append((("stages", si, "actions", ai, "role"), a["role"],
                            f"action '{a.get('name')}'"))
    return out


def _generated_bucket(store: dict) -> bool:
    bucket = store.get("bucket", "generated")
    return bucket == "generated" or (isinstance(bucket, dict) and not cfn.is_intrinsic(bucket))


def check(ctx: BuildContext) -> None:
    store = ctx.data.get("artifacts", {})
    encryption = store.get("encryption", "aws-managed")
    entries = grant_entries(store)
    grant = [role for _, role, _ in entries]
    cross = [r for r in assumed_roles(ctx.data) if may_be_cross_account(r[1])]

    if encryption == "aws-managed":
        why = ("the artifacts are encrypted with the AWS-managed aws/s3 key, whose key policy "
               "cannot be changed, so no other account can decrypt them")
        fix = ("set `artifacts.encryption: generated` (or the ARN of a customer-managed key) and "
               "list the role under `artifacts.grant`")
        for path, _, who in cross:
            ctx.error("PG378", f"{who} runs as a role that may be in another account, and {why}",
                      path, fix + "; a role in this account can be written "
                      "!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/NAME")
        for path, _, _ in entries:
            ctx.error("PG378", f"`grant` shares the artifacts with another account's role, and "
                      f"{why}", path,
                      "set `artifacts.encryption: generated` or the ARN of a customer-managed "
                      "key")
        return

    if isinstance(encryption, str) and ":alias/" in encryption and (cross or grant):
        ctx.error("PG379", "another account cannot use a KMS key named by its alias",
                  ("artifacts", "encryption"), "name the key by its key ARN "
                  "(arn:aws:kms:REGION:ACCOUNT:key/ID)")

    generated_bucket = _generated_bucket(store)
    if grant and not generated_bucket:
        ctx.warn("PG390", "`grant` on an existing bucket makes pipegen write the bucket's "
                 "policy, which replaces the policy the bucket has now",
                 ("artifacts", "grant"), "copy any statements the bucket needs into this "
                 "template's `overrides`, or acknowledge PG390")
    if generated_bucket or encryption == "generated":
        for path, role, who in cross:
            if not any(same_json(role, g) for g in grant):
                ctx.warn("PG391", f"{who} runs as a role that is not in `artifacts.grant`, so "
                         "the bucket and key policies do not let it read or write artifacts",
                         path, "add the role to `artifacts.grant` (a role in this account "
                         "needs no grant: write its ARN with ${AWS::AccountId})")
        writers = [role for _, role, write in entries if write]
        for path, role, who in cross:
            if who.startswith("action") and _writes(ctx.data, path) and \
                    any(same_json(role, g) for g in grant) and \
                    not any(same_json(role, w) for w in writers):
                ctx.warn("PG393", f"{who} has `outputs` and runs as a role that "
                         "`artifacts.grant` lets read artifacts only, so it cannot write them",
                         path, "list the role under `artifacts.grant.write` (grant: {read: "
                         "[...], write: [ROLE]})")


def _writes(data: dict, role_path: tuple) -> bool:
    """Whether the action whose `role` is at role_path has output artifacts."""
    node: Any = data
    for part in role_path[:-1]:
        node = node[part]
    return bool(node.get("outputs")) or bool(node.get("output_file"))


def principal(roles: list[Any]) -> Principal:
    return Principal("AWS", [cfn.value(r) for r in roles])


def _actions(names: list[str]) -> list[IamAction]:
    return [IamAction(*a.split(":")) for a in names]


def bucket_statements(roles: list[Any], bucket_arn: Any, objects_arn: Any,
                      writers: list[Any] = ()) -> list[Statement]:
    """Bucket-policy statements: every granted role reads, `writers` also put objects."""
    if not roles:
        return []
    out = [
        Statement(Sid="GrantedRolesReadArtifacts", Effect=Allow, Principal=principal(roles),
                  Action=_actions(GRANT_OBJECT_ACTIONS), Resource=[objects_arn]),
        Statement(Sid="GrantedRolesListArtifacts", Effect=Allow, Principal=principal(roles),
                  Action=_actions(GRANT_BUCKET_ACTIONS), Resource=[bucket_arn]),
    ]
    if writers:
        out.append(Statement(Sid="GrantedRolesWriteArtifacts", Effect=Allow,
                             Principal=principal(list(writers)),
                             Action=_actions(GRANT_WRITE_ACTIONS), Resource=[objects_arn]))
    return out


def key_statements(roles: list[Any], writers: list[Any] = ()) -> list[Statement]:
    """Key-policy statements, usable only through S3 (kms:ViaService): the granted roles
    decrypt artifacts, `writers` also encrypt them."""
    if not roles:
        return []
    via = Condition(StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.amazonaws.com")))
    # In a key policy, Resource "*" means this key and nothing else.
    out = [Statement(Sid="GrantedRolesDecrypt", Effect=Allow, Principal=principal(roles),
                     Action=_actions(GRANT_KEY_ACTIONS), Resource=["*"], Condition=via)]
    if writers:
        out.append(Statement(Sid="GrantedRolesEncrypt", Effect=Allow,
                             Principal=principal(list(writers)),
                             Action=_actions(GRANT_KEY_WRITE_ACTIONS), Resource=["*"],
                             Condition=via))
    return out
