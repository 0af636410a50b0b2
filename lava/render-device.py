#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""render-device.py - a device dictionary rendered as lava-server renders it.

usage: render-device.py DICT --device-types DIR [--job JOB] [--out FILE]

DICT is a device dictionary (lava/devices/*.jinja2: '{% extends
"qemu.jinja2" %}' and its '{% set ... %}' lines), what an admin adds to a
lava-server.  It is rendered with Jinja2 over the device-type templates of
DIR (lava/device-types.sh prints them) and, like the server does for each
job, with the job's 'context' as variables: the result is the device
configuration lava-run --device reads.  It must be a YAML mapping.

Exit: 0 ok; 2 usage or bad input (a file that cannot be read, a template
error, a result that is not a YAML mapping, an --out that is a folder, a
device, a FIFO or a symlink: one line naming it); 3 python3-jinja2 or
python3-yaml missing, FILE not writable.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree: what is built goes to build/
from outfile import out_problem  # noqa: E402 (lava/outfile.py, beside this file)


def fail(status, msg):
    print("render-device: error: %s" % msg, file=sys.stderr)
    sys.exit(status)


try:
    import jinja2
    import yaml
except ImportError as exc:
    fail(3, "%s; apt-get install python3-jinja2 python3-yaml (host/packages/lava.txt)" % exc)


def main(argv):
    opts = {"--device-types": None, "--job": None, "--out": None}
    dict_path = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.split("\n\n", 1)[1].strip())
            return 0
        if a in opts:
            if i + 1 >= len(argv):
                fail(2, "%s needs a value: see render-device.py --help" % a)
            opts[a] = argv[i + 1]
            i += 2
            continue
        if a.startswith("-"):
            fail(2, "unknown option '%s': see render-device.py --help" % a)
        if dict_path is not None:
            fail(2, "unexpected argument '%s': one DICT" % a)
        dict_path = a
        i += 1
    if dict_path is None or opts["--device-types"] is None:
        fail(2, "give DICT and --device-types DIR (lava/device-types.sh prints it): see render-device.py --help")
    problem = opts["--out"] and out_problem(opts["--out"], "device.yaml")
    if problem:
        fail(2, problem)
    types = opts["--device-types"]
    if not os.path.isfile(os.path.join(types, "base.jinja2")):
        fail(2, "%s has no base.jinja2: give the folder lava/device-types.sh prints" % types)
    context = {}
    if opts["--job"]:
        try:
            with open(opts["--job"], encoding="utf-8") as f:
                job = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as exc:
            fail(2, "cannot read the job %s: %s" % (opts["--job"], exc))
        context = (job or {}).get("context") or {}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([os.path.dirname(os.path.abspath(dict_path)), types]),
        trim_blocks=True, autoescape=False)
    try:
        text = env.get_template(os.path.basename(dict_path)).render(**context)
    except jinja2.TemplateNotFound as exc:
        fail(2, "template %s not found (in %s or %s)" % (exc.name, os.path.dirname(dict_path) or ".", types))
    except jinja2.TemplateError as exc:
        fail(2, "%s: %s" % (dict_path, exc))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        fail(2, "%s renders to invalid YAML: %s" % (dict_path, str(exc).splitlines()[0]))
    if not isinstance(data, dict):
        fail(2, "%s renders to no device configuration (not a YAML mapping)" % dict_path)
    if opts["--out"]:
        try:
            with open(opts["--out"], "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            fail(3, "cannot write %s: %s" % (opts["--out"], exc.strerror))
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
