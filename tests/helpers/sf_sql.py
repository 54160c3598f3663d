"""sf_sql.py PORT SQL: runs SQL on fakesnow through the official Snowflake
connector (snowflake-connector-python) and prints its rows as psql -At
does: values joined by |, NULL empty, booleans t/f, doubles in the
shortest form (6, not 6.0)."""
import sys
import warnings

warnings.filterwarnings("ignore")
import snowflake.connector  # noqa: E402


def text(v):
    if v is None:
        return ""
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, float):
        # psql's float8 text: shortest round trip, a whole number without
        # ".0" (6, not 6.0; 1.5; 1e+20)
        r = repr(v)
        return r[:-2] if r.endswith(".0") else r
    return str(v)


def main():
    port, sql = int(sys.argv[1]), sys.argv[2]
    con = snowflake.connector.connect(
        user="check", password="x", account="test", host="127.0.0.1",
        port=port, protocol="http", database="STAGE_TEST",
        # fakesnow answers a statement it cannot run with a 500, which
        # the connector retries until this (default: for ever)
        network_timeout=10,
        session_parameters={"QUOTED_IDENTIFIERS_IGNORE_CASE": True})
    cur = con.cursor()
    for stmt in [s for s in sql.split(";\n") if s.strip()]:
        cur.execute(stmt)
        if cur.description:
            for row in cur.fetchall():
                print("|".join(text(v) for v in row))
    con.close()


if __name__ == "__main__":
    main()
