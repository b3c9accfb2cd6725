"""`python -m pipegen.strategies > docs/strategies.md` regenerates the strategies table."""

from pipegen.strategies import markdown

print(markdown(), end="")
