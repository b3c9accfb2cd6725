"""Mutation fuzzing: real specs and templates, one to a few values changed; pipegen must answer
with located errors (SpecError), never crash (PG901).

`tests/test_mutations.py` runs a few hundred fixed-seed mutations in the suite. Run more by hand
(each crash found is printed once, with the mutated input written to --out):

    .venv/bin/python tests/mutations.py specs --runs 5000 --seed 7
    .venv/bin/python tests/mutations.py templates --runs 2000 --seed 7

`specs` mutates the samples and the corpus specs as text (a value replaced by an odd one or an
intrinsic, a block deleted or repeated, a provider or mode swapped) and compiles them without
lint; `templates` mutates the golden templates as JSON and runs `pipegen import` and its
round-trip check on them.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Values a user could plausibly write, or mistype, anywhere.
ODD_TEXT = [
    "null", "0", "-1", "99999999999", "true", "[]", "{}", "[a, b]", "{a: 1}", "''",
    '"#{Vars.x}"', '"{{resolve:ssm:x}}"', '"*"', '" "', "1.5", "[[1]]", "[{}]", "{Ref: X}",
    "{Fn::Sub: 1}", "{Fn::GetAtt: 1}", "{Fn::If: [C]}", "{Ref: [1]}", "!Ref AWS::Region",
    '!Sub "x-${AWS::AccountId}"', "!GetAtt Foo.Arn", "!If [C, a, b]", "!ImportValue X",
    "!Ref AWS::NoValue", "!Select [0, [a, b]]", '!Join ["", [a, b]]', "!FindInMap [M, a, b]",
    "!GetAZs ''", '!Split [",", "a,b"]', "!Base64 abc",
]
# Words that choose structure: providers, types, strategies, modes, triggers.
WORDS = [
    "codebuild", "commands", "codedeploy", "ecs", "lambda", "dns", "appconfig", "beanstalk",
    "cloudformation", "s3", "github", "codecommit", "ecr", "github-v1", "manual",
    "step-functions", "jenkins", "devicefarm", "deploy", "build", "test", "invoke", "approval",
    "canary", "blue-green", "all-at-once", "linear", "rolling", "a-b", "change-set",
    "create-update", "delete", "replace-on-failure", "generated", "none", "push",
    "pull-request", "events", "poll", "webhook", "v1", "v2", "clone-ref",
]
ODD_JSON = [
    None, 0, -1, 10**12, True, [], {}, ["a", "b"], {"a": 1}, "", "#{Vars.x}", "*", " ", 1.5,
    [[1]], [{}], {"Ref": "X"}, {"Ref": "AWS::NoValue"}, {"Fn::Sub": 1}, {"Fn::GetAtt": 1},
    {"Fn::If": ["C"]}, {"Ref": [1]}, {"Fn::Sub": "a-${AWS::Region}"},
    {"Fn::GetAtt": ["Foo", "Arn"]}, {"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]},
    {"Fn::ImportValue": "X"}, {"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]},
    {"Fn::Select": [0, ["a"]]}, {"Fn::FindInMap": ["M", "a", "b"]},
    "arn:aws:iam::111111111111:role/x", "CodeBuild", "Deploy", "ThirdParty", "Custom", "S3",
    "2", "Pipeline", {"Condition": "C"},
]


@dataclass
class Crash:
    origin: str
    text: str
    trace: str

    @property
    def key(self) -> str:
        """One crash site: the exception type and the innermost pipegen line."""
        lines = [ln for ln in self.trace.splitlines() if "/pipegen/" in ln]
        return self.trace.strip().splitlines()[-1].split(":")[0] + (lines[-1] if lines else "")


def spec_inputs() -> list[Path]:
    return sorted((ROOT / "samples").glob("*.yaml")) + sorted(
        (ROOT / "tests" / "corpus").glob("*/*.yaml"))


def _block_end(lines: list[str], i: int) -> int:
    indent = len(lines[i]) - len(lines[i].lstrip())
    j = i + 1
    while j < len(lines) and (not lines[j].strip()
                              or len(lines[j]) - len(lines[j].lstrip()) > indent):
        j += 1
    return j


def mutate_spec(text: str, rnd: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rnd.choice((1, 1, 2, 3))):
        spots = []
        for i, line in enumerate(lines):
            body = line.split(" #")[0]
            if body.lstrip().startswith("#"):
                continue
            if ": " in body:
                spots.append((i, body.index(": ") + 2))
            elif body.lstrip().startswith("- "):
                spots.append((i, body.index("- ") + 2))
        if not spots:
            break
        i, at = rnd.choice(spots)
        how = rnd.choice(("value", "value", "word", "delete", "repeat"))
        if how == "value":
            lines[i] = lines[i][:at] + rnd.choice(ODD_TEXT)
        elif how == "word":
            lines[i] = lines[i][:at] + rnd.choice(WORDS)
        elif how == "delete":
            del lines[i:_block_end(lines, i)]
        else:
            lines[i:i] = lines[i:_block_end(lines, i)]
    return "\n".join(lines) + "\n"


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def mutate_template(doc: dict, rnd: random.Random) -> dict:
    doc = copy.deepcopy(doc)
    for _ in range(rnd.choice((1, 1, 2, 3))):
        spots = [p for p in _paths(doc) if p and (p[0] == "Resources" or rnd.random() < 0.1)]
        if not spots:
            break
        *parent_path, last = rnd.choice(spots)
        parent = doc
        for part in parent_path:
            parent = parent[part]
        if rnd.random() < 0.2:
            parent.pop(last) if isinstance(parent, list) else parent.pop(last, None)
        else:
            parent[last] = copy.deepcopy(rnd.choice(ODD_JSON))
    return doc


def fuzz_specs(runs: int, seed: int, work: Path) -> list[Crash]:
    from pipegen.compiler import compile_spec
    from pipegen.errors import SpecError

    rnd = random.Random(seed)
    inputs = spec_inputs()
    texts = {p: p.read_text(encoding="utf-8") for p in inputs}
    crashes: dict[str, Crash] = {}
    for _ in range(runs):
        origin = rnd.choice(inputs)
        text = mutate_spec(texts[origin], rnd)
        spec = work / "spec.yaml"
        spec.write_text(text, encoding="utf-8")
        try:
            compile_spec(spec)
        except SpecError:
            pass
        except Exception:  # noqa: BLE001 - any other exception is what we look for
            crash = Crash(str(origin.relative_to(ROOT)), text, traceback.format_exc())
            crashes.setdefault(crash.key, crash)
    return list(crashes.values())


def fuzz_templates(runs: int, seed: int, work: Path) -> list[Crash]:
    from pipegen.errors import SpecError
    from pipegen.importer import check, import_pipelines, load

    rnd = random.Random(seed)
    inputs = sorted((ROOT / "templates").glob("*.json"))
    docs = {p: json.loads(p.read_text(encoding="utf-8")) for p in inputs}
    crashes: dict[str, Crash] = {}
    for _ in range(runs):
        origin = rnd.choice(inputs)
        text = json.dumps(mutate_template(docs[origin], rnd), indent=1)
        template = work / "template.json"
        template.write_text(text, encoding="utf-8")
        try:
            for imported in import_pipelines(load(template)):
                spec = work / "imported.yaml"
                spec.write_text(imported.text, encoding="utf-8")
                check(imported, spec)
        except SpecError:
            pass
        except Exception:  # noqa: BLE001
            crash = Crash(str(origin.relative_to(ROOT)), text, traceback.format_exc())
            crashes.setdefault(crash.key, crash)
    return list(crashes.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("specs", "templates"))
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("mutation-crashes"))
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        run = fuzz_specs if args.kind == "specs" else fuzz_templates
        crashes = run(args.runs, args.seed, Path(work))
    for n, crash in enumerate(crashes):
        args.out.mkdir(exist_ok=True)
        suffix = "yaml" if args.kind == "specs" else "json"
        (args.out / f"crash-{n}.{suffix}").write_text(crash.text, encoding="utf-8")
        (args.out / f"crash-{n}.txt").write_text(crash.trace, encoding="utf-8")
        print(f"crash {n} (from {crash.origin}): {crash.key}")
    print(f"{args.runs} mutations, {len(crashes)} distinct crash(es)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
