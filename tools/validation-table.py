#!/usr/bin/env python3
"""docs/validation.md's "published vs simulated" table, from the published head-to-head
figures (docs/calibration-fit/head-to-head.json) and topsim runs of their scenarios.

For every scenario named in the figures file (looked up in scenarios/validation/head-to-head/,
where `topsim check` runs it, then in validation-pending/, where the ones that do not pass
yet wait), runs `TOPSIM run FILE --out DIR`, reads DIR/summary.csv (docs/outputs.md: one row
per topology, means over replications) and evaluates each figure's `simulated` expression:

    TOPOLOGY.METRIC            e.g. istio.p99           (summary.csv column p99_ms)
    A - B                      e.g. istio.p50 - baseline.p50
    (X) / (Y)                  a ratio of two of the above

Tolerance forms: {"abs": d} published +- d; {"rel": r} published x (1 +- r);
{"range": [lo, hi]} with null for an open end; {"gt": x} / {"lt": x} strictly above /
below (an ordering the publication states); {"none": why} shown, not checked.

The table replaces what is between `<!-- VALIDATION TABLE BEGIN -->` and
`<!-- VALIDATION TABLE END -->` in the document. The same binary, scenarios and seeds give
the same table (topsim's outputs are byte-identical for a seed).

Usage: tools/validation-table.py TOPSIM [--doc docs/validation.md]
                                        [--figures docs/calibration-fit/head-to-head.json]
                                        [--scenarios DIR]...   (instead of the two above)
       (`make validation-table`)
Exit status: 0 written; 1 a run failed; 2 bad input (missing file, markers or column).
Standard library only.
"""
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile

BEGIN = "<!-- VALIDATION TABLE BEGIN -->"
END = "<!-- VALIDATION TABLE END -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where scenarios are looked for, in order, and what being there means.
SEARCH = [
    ("scenarios/validation/head-to-head", "checked by `topsim check scenarios/`"),
    ("validation-pending", "pending, not in `make test`"),
]

# Expression metric -> summary.csv column (docs/outputs.md).
COLUMNS = {
    "mean": "mean_ms", "p50": "p50_ms", "p90": "p90_ms", "p99": "p99_ms", "p999": "p999_ms", "max": "max_ms",
    "throughput": "throughput_rps", "success_rate": "success_rate", "requests": "requests",
    "proxies": "proxies", "proxy_memory_mb": "proxy_memory_mb", "proxy_cpu_cores": "proxy_cpu_cores",
    "hops": "hops_per_request",
}


class InputError(Exception):
    pass


def locate(name, search):
    """(path as shown, path to open, what its directory means) of a scenario file."""
    for d, state in search:
        full = os.path.join(ROOT, d) if not os.path.isabs(d) else d
        if os.path.exists(os.path.join(full, name)):
            return os.path.join(d, name), os.path.join(full, name), state
    raise InputError(f"{name}: not in {' or '.join(d for d, _ in search)}")


def run(topsim, path):
    """summary.csv of one run as {topology: row}."""
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run([topsim, "run", path, "--out", out],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            raise RuntimeError(f"{topsim} run {path}: exit status {p.returncode}")
        with open(os.path.join(out, "summary.csv"), newline="") as f:
            return {row["topology"]: row for row in csv.DictReader(f)}


REF = re.compile(r"^([A-Za-z_][^.\s]*)\.([a-z_0-9]+)$")


def term(text, summary):
    """TOPOLOGY.METRIC or A - B, optionally in parentheses."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
    parts = t.split(" - ")
    if len(parts) > 2:
        raise InputError(f"'{text}': at most one '-'")
    values = []
    for p in parts:
        m = REF.match(p.strip())
        if not m:
            raise InputError(f"'{p}' is not TOPOLOGY.METRIC")
        topo, metric = m.groups()
        if topo not in summary:
            raise InputError(f"no topology '{topo}' in summary.csv (topologies: {', '.join(summary)})")
        if metric not in COLUMNS:
            raise InputError(f"metric '{metric}' has no summary.csv column here ({', '.join(COLUMNS)})")
        cell = summary[topo][COLUMNS[metric]]
        values.append(float(cell) if cell != "" else math.nan)   # empty cell: no data
    return values[0] - values[1] if len(values) == 2 else values[0]


def evaluate(expr, summary):
    """The expression's value; a ratio is the ratio of the two sides' values."""
    if " / " in expr:
        num, den = expr.split(" / ", 1)
        d = term(den, summary)
        return term(num, summary) / d if d != 0 else math.nan
    return term(expr, summary)


def within(value, published, tol, u=""):
    """(True | False | None when not checked, tolerance as text)."""
    if "abs" in tol:
        d = tol["abs"]
        return (abs(value - published) <= d if not math.isnan(value) else False), f"± {num(d)} {u}".rstrip()
    if "rel" in tol:
        r = tol["rel"]
        ok = not math.isnan(value) and abs(value - published) <= r * abs(published)
        return ok, f"± {num(r * 100)}%"
    if "range" in tol:
        lo, hi = tol["range"]
        ok = not math.isnan(value) and (lo is None or value >= lo) and (hi is None or value <= hi)
        text = f"[{num(lo)}, {num(hi)}]" if lo is not None and hi is not None else (
            f"≥ {num(lo)}" if lo is not None else f"≤ {num(hi)}")
        return ok, text
    if "gt" in tol:
        g = tol["gt"]
        return (not math.isnan(value) and value > g), f"> {num(g)}"
    if "lt" in tol:
        l = tol["lt"]
        return (not math.isnan(value) and value < l), f"< {num(l)}"
    if "none" in tol:
        return None, tol["none"]
    raise InputError(f"unknown tolerance {tol}")


def num(v):
    """3 significant digits, no exponent for the magnitudes in play."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "no data"
    if v == 0:
        return "0"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    return f"{v:.{digits}f}"


def unit(v, u):
    if u == "x":
        return num(v) + "×" if v is not None and not (isinstance(v, float) and math.isnan(v)) else num(v)
    return f"{num(v)} {u}" if v is not None and not (isinstance(v, float) and math.isnan(v)) else num(v)


def table(figures_path, topsim, search):
    with open(figures_path) as f:
        doc = json.load(f)
    runs, states = {}, {}
    rows, passed, checked = [], 0, 0
    for pub in doc["publications"]:
        for fig in pub["figures"]:
            name = fig["scenario"]
            if name not in runs:
                shown_path, path, state = locate(name, search)
                runs[name], states[name] = run(topsim, path), (shown_path, state)
            value = evaluate(fig["simulated"], runs[name])
            ok, tol_text = within(value, fig.get("published"), fig["tolerance"], fig["unit"])
            published = fig.get("published")
            shown = fig.get("published_text") or unit(published, fig["unit"])
            if published is not None and fig.get("published_text"):
                shown = f"{fig['published_text']} ({unit(published, fig['unit'])})"
            ratio = "–"
            if published is not None and not math.isnan(value) and value != 0:
                ratio = num(published / value)
            if ok is not None:
                checked += 1
                passed += ok
            verdict = "–" if ok is None else ("yes" if ok else "**no**")
            link = f"[{pub['id']}]({pub['url']})"
            rows.append(f"| {link} | {fig['load']} | {fig['metric']} | {shown} | {unit(value, fig['unit'])} "
                        f"| {ratio} | {verdict} | {tol_text} |")
    out = [
        "| publication | load | metric | published | simulated | published / simulated | within tolerance | tolerance |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"{passed} of {checked} checked figures within tolerance (rows marked – are shown, not checked). "
        "Simulated: means over the scenario's replications, from `topsim run`'s summary.csv. Scenarios:",
        "",
    ]
    for name, (rel, state) in sorted(states.items()):
        out.append(f"- `{rel}` ({state})")
    return "\n".join(out) + "\n"


def main(argv):
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    topsim = args[0]
    doc_path = os.path.join(ROOT, "docs/validation.md")
    figures = os.path.join(ROOT, "docs/calibration-fit/head-to-head.json")
    rest = args[1:]
    search = []
    while rest:
        if rest[0] == "--doc" and len(rest) > 1:
            doc_path, rest = rest[1], rest[2:]
        elif rest[0] == "--figures" and len(rest) > 1:
            figures, rest = rest[1], rest[2:]
        elif rest[0] == "--scenarios" and len(rest) > 1:
            search.append((os.path.abspath(rest[1]), "from " + rest[1]))
            rest = rest[2:]
        else:
            sys.stderr.write(f"error: unknown argument '{rest[0]}'\n{__doc__}")
            return 2
    try:
        with open(doc_path) as f:
            text = f.read()
        if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
            raise InputError(f"{doc_path}: needs one '{BEGIN}' before one '{END}'")
        generated = table(figures, topsim, search or SEARCH)
    except InputError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    except (OSError, RuntimeError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    head, tail = text.split(BEGIN)[0], text.split(END)[1]
    new = head + BEGIN + "\n" + generated + END + tail
    # Written whole: a failed run above leaves the document as it was.
    tmp = doc_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, doc_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
