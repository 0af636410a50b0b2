# SPDX-License-Identifier: MIT
"""outfile.py - the --out FILE of lava/render-job.py and lava/render-device.py.

The rule of every irqlbench --out (README, "Exit statuses"): FILE is a
regular file to replace, or none yet.  A folder, a device, a FIFO, a socket
or a symlink is bad input, exit 2, refused before anything is rendered:
writing would fail on a folder, block on a FIFO, and a rename would
replace a device node or a symlink instead of writing through it.
"""
import os
import stat


def out_problem(out, example):
    """None when out may be written; else the one-line problem and its fix
    (example: the file name a folder's fix suggests in it)."""
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return "--out %s: %s; give a file name" % (out, exc.strerror)
    if stat.S_ISDIR(st.st_mode):
        return "--out %s is a folder: give a file name, e.g. --out %s" % (out, os.path.join(out, example))
    if not stat.S_ISREG(st.st_mode):
        return "--out %s is not a regular file (a device, FIFO, socket or symlink): give a file name" % out
    return None
