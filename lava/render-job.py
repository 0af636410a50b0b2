#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""render-job.py - fill a LAVA job template (lava/jobs/*.yaml.j2) for one kernel.

usage: render-job.py TEMPLATE [--set NAME=VALUE]... [--out FILE]
       render-job.py TEMPLATE --list

The templates are Jinja2 (python3-jinja2, Debian), rendered with
StrictUndefined: every placeholder must be given with --set, or have a
default in the template ({{ x | default(...) }}).  Each value is one
string; the templates quote them with |tojson, so a URL with ':' or '#'
stays one YAML scalar.  The result must be one YAML mapping (the job); it is
printed on stdout, or written to FILE (atomically: a temporary file renamed).

--list prints the template's placeholders, one a line, those without a
default first, each with "required" or "default".

Exit: 0 ok; 2 usage or bad input (a missing placeholder, a malformed
--set, a template or result that is not YAML, an --out that is a folder, a
device, a FIFO or a symlink: one line naming it and the fix); 3
python3-jinja2 or python3-yaml missing, or FILE's folder cannot be written.
"""
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the tree: what is built goes to build/
from outfile import out_problem  # noqa: E402 (lava/outfile.py, beside this file)


def fail(status, msg):
    print("render-job: error: %s" % msg, file=sys.stderr)
    sys.exit(status)


try:
    import jinja2
    import jinja2.meta
    import yaml
except ImportError as exc:
    fail(3, "%s; apt-get install python3-jinja2 python3-yaml (host/packages/lava.txt)" % exc)


# What a placeholder's value must look like where the template needs a kind
# of value (an empty value is refused for every one): the job would
# otherwise render, validate, and fail on the device after the boot.
VALUE_RULES = {
    "no_kvm": (r"[01]", "0 (L1 under KVM) or 1 (under TCG)"),
    "runs": (r"[1-9][0-9]{0,3}", "a number of runs 1..9999"),
    "iterations": (r"[1-9][0-9]{0,7}", "a number of iterations 1..99999999"),
    "expect": (r"FIXED|UNFIXED|ON-TIME|LATE", "FIXED, UNFIXED, ON-TIME or LATE"),
    "backend": (r"kvm|lab|guest|model", "kvm, lab, guest or model"),
    "variant": (r"stock|fixed|unfixed|patch=.+", "stock, fixed, unfixed or patch=FILE"),
}


def check_value(name, value):
    if value == "":
        fail(2, "--set %s= is empty: give it a value (render-job.py TEMPLATE --list)" % name)
    rule = VALUE_RULES.get(name)
    if rule and not re.fullmatch(rule[0], value):
        fail(2, "--set %s=%s: give %s" % (name, value, rule[1]))


def parse_args(argv):
    template, out, values, list_only = None, None, {}, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.split("\n\n", 1)[1].strip())
            sys.exit(0)
        elif a == "--list":
            list_only = True
        elif a in ("--set", "--out"):
            if i + 1 >= len(argv):
                fail(2, "%s needs a value: see render-job.py --help" % a)
            v = argv[i + 1]
            i += 1
            if a == "--out":
                out = v
            else:
                name, eq, value = v.partition("=")
                if not eq or not name.isidentifier():
                    fail(2, "--set %s: give NAME=VALUE, NAME a placeholder of the template (render-job.py TEMPLATE --list)" % v)
                if name in values:
                    fail(2, "--set %s given twice: give each placeholder once" % name)
                check_value(name, value)
                values[name] = value
        elif a.startswith("-"):
            fail(2, "unknown option '%s': see render-job.py --help" % a)
        elif template is None:
            template = a
        else:
            fail(2, "unexpected argument '%s': one TEMPLATE" % a)
        i += 1
    if template is None:
        fail(2, "give a TEMPLATE (lava/jobs/*.yaml.j2): see render-job.py --help")
    return template, out, values, list_only


def placeholders(env, source):
    """(required, with_default): the undeclared variables of a template."""
    ast = env.parse(source)
    names = jinja2.meta.find_undeclared_variables(ast)
    defaulted = set()
    for f in ast.find_all(jinja2.nodes.Filter):
        if f.name == "default" and isinstance(f.node, jinja2.nodes.Name):
            defaulted.add(f.node.name)
    return sorted(names - defaulted), sorted(names & defaulted)


def main(argv):
    path, out, values, list_only = parse_args(argv)
    problem = out is not None and not list_only and out_problem(out, "job.yaml")
    if problem:
        fail(2, problem)
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        fail(2, "cannot read the template %s: %s; give one of lava/jobs/*.yaml.j2" % (path, exc.strerror))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True,
                             autoescape=False)
    try:
        required, defaulted = placeholders(env, source)
        tmpl = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        fail(2, "%s:%d: not a Jinja2 template: %s" % (path, exc.lineno, exc.message))
    if list_only:
        for n in required:
            print("%s required" % n)
        for n in defaulted:
            print("%s default" % n)
        return 0
    unknown = sorted(set(values) - set(required) - set(defaulted))
    if unknown:
        fail(2, "%s has no placeholder %s: see render-job.py %s --list" % (path, unknown[0], path))
    missing = [n for n in required if n not in values]
    if missing:
        fail(2, "%s needs %s: give --set %s=VALUE" % (path, ", ".join(missing), missing[0]))
    try:
        text = tmpl.render(**values)
    except jinja2.UndefinedError as exc:
        fail(2, "%s: %s: give it with --set NAME=VALUE" % (path, exc.message))
    try:
        job = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " line %d" % (mark.line + 1) if mark else ""
        fail(2, "%s renders to invalid YAML%s (%s); check the template and the --set values"
             % (path, where, str(exc).splitlines()[0]))
    if not isinstance(job, dict):
        fail(2, "%s renders to a YAML %s, not a job (a mapping); check the template"
             % (path, type(job).__name__))
    if out is None:
        sys.stdout.write(text)
        return 0
    d = os.path.dirname(os.path.abspath(out))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".render-job.", dir=d)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(tmp, out)
    except OSError as exc:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)  # no temporary file left beside --out
        fail(3, "cannot write %s: %s; give --out a writable place" % (out, exc.strerror))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
