#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""validate.py - check LAVA jobs and test definitions with LAVA's own schemas.

usage: validate.py FILE...

Each FILE is YAML: a job (a mapping with 'actions') is checked with
lava_common.schemas.validate(job, strict=True), what lava-server checks on
submission, extra keys refused; a test definition (a mapping with
'metadata') with lava_common.schemas.test.testdef, as lava-dispatcher
checks it, and strictly too.  The schemas are those of Debian's lava-common
(/usr/lib/python3/dist-packages/lava_common/schemas/).

Prints one line a file: 'FILE: ok (job|test definition)', or
'FILE: invalid: MESSAGE at PATH'.

Exit: 0 every file valid; 1 one or more invalid; 2 usage, or a file that
cannot be read or is not YAML; 3 lava-common not installed.
"""
import sys


def fail(status, msg):
    print("validate: error: %s" % msg, file=sys.stderr)
    sys.exit(status)


try:
    import yaml
    from voluptuous import Invalid, MultipleInvalid, Schema
    from lava_common.schemas import validate as validate_job
    from lava_common.schemas.test.testdef import testdef
except ImportError as exc:
    fail(3, "%s; apt-get install lava-common (host/packages/lava.txt)" % exc)


def where(exc):
    return " at " + "/".join(str(p) for p in exc.path) if getattr(exc, "path", None) else ""


def check(path):
    """(ok, line) for one file; exits 2 on an unreadable or non-YAML file."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        fail(2, "cannot read %s: %s" % (path, exc.strerror))
    except yaml.YAMLError as exc:
        fail(2, "%s is not YAML: %s" % (path, str(exc).splitlines()[0]))
    if not isinstance(data, dict):
        return False, "%s: invalid: not a mapping (a job or a test definition)" % path
    if "actions" in data:
        kind = "job"
        run = lambda: validate_job(data, strict=True)
    elif "metadata" in data:
        kind = "test definition"
        run = lambda: Schema(testdef(), extra=False)(data)
    else:
        return False, "%s: invalid: neither a job ('actions') nor a test definition ('metadata')" % path
    try:
        run()
    except MultipleInvalid as exc:
        e = exc.errors[0]
        return False, "%s: invalid %s: %s%s" % (path, kind, e.msg, where(e))
    except Invalid as exc:
        return False, "%s: invalid %s: %s%s" % (path, kind, exc.msg, where(exc))
    return True, "%s: ok (%s)" % (path, kind)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        if argv:
            print(__doc__.split("\n\n", 1)[1].strip())
            return 0
        fail(2, "give the FILEs to check: see validate.py --help")
    bad = 0
    for path in argv:
        ok, line = check(path)
        print(line)
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
