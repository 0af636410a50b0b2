# kcidb-check.py - checks a KCIDB document of `irqlbench results export
# --format kcidb` (run with Debian's /usr/bin/python3 and python3-jsonschema):
#   kcidb-check.py SCHEMA DOC
# 1. validates DOC against SCHEMA (tests/fixtures/kcidb/io-v5.0-subset.schema.json,
#    the subset of kernelci/kcidb-io kcidb_io/schema/v05_00.py it writes);
# 2. what a JSON Schema cannot say: no null anywhere (v5.0: "no properties
#    can be null"), ids unique per kind, every build's checkout and every
#    test's build in the document, origin irqlbench, a number only on
#    DONE/PASS/FAIL/ERROR tests, misc.record_id and misc.emulated on run
#    tests, misc.verdict on verdict tests.
# Prints "ok: N checkouts, N builds, N tests" or one line per problem;
# exit 0 ok, 1 problems, 2 usage.
import json
import sys

import jsonschema

if len(sys.argv) != 3:
    print("usage: kcidb-check.py SCHEMA DOC", file=sys.stderr)
    sys.exit(2)
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
problems = ["schema: %s at %s" % (e.message, "/".join(map(str, e.absolute_path)))
            for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]


def nulls(j, where):
    if j is None:
        problems.append("null at " + where)
    elif isinstance(j, dict):
        for k, v in j.items():
            nulls(v, where + "/" + k)
    elif isinstance(j, list):
        for i, v in enumerate(j):
            nulls(v, "%s/%d" % (where, i))


nulls(doc, "")
ids = {}
for kind in ("checkouts", "builds", "tests"):
    seen = set()
    for o in doc.get(kind, []):
        if o.get("id") in seen:
            problems.append("%s: id %s twice" % (kind, o.get("id")))
        seen.add(o.get("id"))
        if o.get("origin") != "irqlbench" or not str(o.get("id")).startswith("irqlbench:"):
            problems.append("%s %s: origin %s" % (kind, o.get("id"), o.get("origin")))
    ids[kind] = seen
for b in doc.get("builds", []):
    if b.get("checkout_id") not in ids["checkouts"]:
        problems.append("build %s: checkout %s not in the document" % (b["id"], b.get("checkout_id")))
for t in doc.get("tests", []):
    misc = t.get("misc", {})
    if t.get("build_id") not in ids["builds"]:
        problems.append("test %s: build %s not in the document" % (t["id"], t.get("build_id")))
    if "number" in t and t.get("status") not in ("DONE", "PASS", "FAIL", "ERROR"):
        problems.append("test %s: a number with status %s" % (t["id"], t.get("status")))
    if t.get("path", "").startswith("irqlbench.verify"):
        if not isinstance(misc.get("verdict"), str):
            problems.append("verdict test %s: no misc.verdict" % t["id"])
    elif not isinstance(misc.get("record_id"), str) or not isinstance(misc.get("emulated"), bool):
        problems.append("run test %s: misc lacks record_id or emulated" % t["id"])
    env = t.get("environment", {})
    if not env.get("comment") or "backend" not in env.get("misc", {}):
        problems.append("test %s: environment names no host and backend" % t["id"])
for p in problems[:20]:
    print(p)
if problems:
    sys.exit(1)
print("ok: %d checkouts, %d builds, %d tests" % (len(ids["checkouts"]), len(ids["builds"]),
                                                 len(ids["tests"])))
