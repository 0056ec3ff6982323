"""Print the per-preset markdown tables of docs/calibration.md from the binary.

Usage: python3 docs/calibration-fit/preset_tables.py .build/debug/topsim
Paste the output between the PRESET TABLES markers of docs/calibration.md.
"""
import re, subprocess, sys

topsim = sys.argv[1]
table = subprocess.run([topsim, "presets"], capture_output=True, text=True, check=True).stdout
names = [l.split()[0] for l in table.splitlines()[1:] if l and not l[0].isupper() and not l.startswith("`")]
for name in names:
    text = subprocess.run([topsim, "presets", name], capture_output=True, text=True, check=True).stdout
    lines = text.rstrip("\n").split("\n")
    i = 1
    meta = []
    while i < len(lines) and lines[i].strip():
        meta.append(lines[i]); i += 1
    rest = [l for l in lines[i:] if l.strip()]
    print(f"### {name}\n\n**{lines[0]}**\n")
    for m in meta:
        print(m + "\n")
    print("| field | value | source |\n|---|---|---|")
    for j in range(0, len(rest), 2):
        f, v = rest[j].split(" = ", 1)
        src = rest[j + 1].strip()
        src = re.sub(r"\((https?://[^)\s]+)\)", r"(<\1>)", src)  # autolink, keep parentheses
        print(f"| `{f}` | {v.replace('|', '/')} | {src.replace('|', '/')} |")
    print()
