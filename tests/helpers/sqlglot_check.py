"""sqlglot_check.py: reads a dry run's output (one statement a line, ending
in ';'; '-- ' lines are comments) and parses every statement as Snowflake
SQL with sqlglot, an independent parser.  A statement it cannot parse, or
only keeps as an opaque command, fails the check: prints it and exits 1.
Prints the number of statements checked and their kinds."""
import collections
import sys

import sqlglot
from sqlglot import exp


def main():
    kinds = collections.Counter()
    bad = 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line or line.startswith("-- "):
            continue
        if not line.endswith(";"):
            print("not a statement: " + line)
            bad += 1
            continue
        try:
            tree = sqlglot.parse_one(line[:-1], read="snowflake")
        except sqlglot.errors.ParseError as e:
            print(f"does not parse: {line}\n  {e}")
            bad += 1
            continue
        if isinstance(tree, exp.Command) and tree.name.upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            print("kept as an opaque command: " + line)
            bad += 1
            continue
        kinds[type(tree).__name__] += 1
    print(sum(kinds.values()), "statements:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    sys.exit(1 if bad else 0)


main()
