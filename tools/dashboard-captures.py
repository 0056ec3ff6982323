#!/usr/bin/env python3
"""Regenerates the captures in docs/dashboard.md from the headless renderer.

Each capture is a line "`topsim tui ARGS` (frame N)" followed by a ```text block; the
block is replaced by frame N of `topsim tui --headless ARGS` (LANG=C.UTF-8, so UTF-8
glyphs unless ARGS say --ascii). Usage: tools/dashboard-captures.py TOPSIM [DOC]
"""
import os
import re
import shlex
import subprocess
import sys

CAPTURE = re.compile(r"^`topsim tui (?P<args>[^`]*)` \(frame (?P<frame>\d+)\)$")


def frame(topsim, args, n):
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("NO_COLOR", None)
    out = subprocess.run([topsim, "tui", "--headless"] + shlex.split(args), env=env, check=True,
                         capture_output=True, text=True).stdout
    frames = re.split(r"^--- frame \d+/\d+ at t=[^\n]* ---\n", out, flags=re.M)[1:]
    return frames[n - 1].rstrip("\n")


def main():
    topsim = sys.argv[1]
    doc = sys.argv[2] if len(sys.argv) > 2 else "docs/dashboard.md"
    lines = open(doc, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        m = CAPTURE.match(lines[i])
        if m and i + 2 < len(lines) and lines[i + 1] == "" and lines[i + 2] == "```text":
            out += ["", "```text", frame(topsim, m["args"], int(m["frame"]))]
            i += 3
            while lines[i] != "```":
                i += 1
            continue
        i += 1
    open(doc, "w", encoding="utf-8").write("\n".join(out))


if __name__ == "__main__":
    main()
