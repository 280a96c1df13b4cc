#!/usr/bin/env python3
"""Evaluate the triage engine on a labelled set (research notes §6): 4x4 confusion matrix and metrics,
overall, per language, Vietnamese with/without diacritics and per hard-case tag.

Usage: tests/triage/eval.py [--cli build-triage/server/triage/tamsu_triage_cli] [--lexicon DIR]
                            [--set tests/triage/dev.tsv] [--errors] [--gate]
Default sets: dev.tsv + fresh.tsv + fresh2.tsv + fresh3.tsv + fresh4.tsv + fresh5.tsv. --lexicon is passed to the CLI (default: the lexicon
directory compiled into the CLI, i.e. server/triage/lexicon of the tree it was configured from).
Python 3 standard library only. Multi-send items (sends separated by ' // ') are fed as one session
window (engine::assess_window), as the held-out protocol (§6.1.2) does.
--gate exits 1 unless critical recall is 100 %, critical precision >= 0.85 and exact accuracy >= 0.85.
"""
import argparse
import json
import math
import os
import subprocess
import sys
from collections import defaultdict

LEVELS = ["critical", "high", "normal", "low"]
ORD = {"critical": 3, "high": 2, "normal": 1, "low": 0}
COST = {  # true -> predicted (§6.2)
    "critical": {"critical": 0, "high": 20, "normal": 50, "low": 100},
    "high": {"critical": 2, "high": 0, "normal": 10, "low": 20},
    "normal": {"critical": 3, "high": 1, "normal": 0, "low": 2},
    "low": {"critical": 3, "high": 1, "normal": 0.5, "low": 0},
}
SEP = " // "


def load(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("id\t"):
                continue
            cols = line.split("\t")
            if len(cols) != 6 or cols[4] not in ORD:
                sys.exit(f"{path}: bad line: {line[:80]}")
            iid, lang, dia, tags, lvl, text = cols
            items.append({"id": iid, "lang": lang, "dia": dia,
                          "tags": [] if tags == "-" else tags.split(","), "level": lvl, "text": text})
    return items


def run(cli, items, explain, lexicon=None):
    args = [cli, "--window-sep", SEP] + (["--explain"] if explain else []) + (["--lexicon", lexicon] if lexicon else [])
    data = "".join(it["text"] + "\n" for it in items)
    out = subprocess.run(args, input=data.encode(), stdout=subprocess.PIPE, check=True).stdout.decode()
    lines = out.splitlines()
    if len(lines) != len(items):
        sys.exit(f"expected {len(items)} answers, got {len(lines)}")
    return [json.loads(l) for l in lines]


def wilson_low(k, n, z=1.96):
    if n == 0:
        return float("nan")
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    r = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (c - r) / d


def metrics(pairs):
    c = {t: {p: 0 for p in LEVELS} for t in LEVELS}
    for t, p in pairs:
        c[t][p] += 1
    n = len(pairs)
    row = {t: sum(c[t].values()) for t in LEVELS}
    col = {p: sum(c[t][p] for t in LEVELS) for p in LEVELS}
    m = {"n": n, "cm": c}
    m["crit_recall"] = c["critical"]["critical"] / row["critical"] if row["critical"] else float("nan")
    m["crit_recall_wilson_low"] = wilson_low(c["critical"]["critical"], row["critical"])
    m["crit_precision"] = c["critical"]["critical"] / col["critical"] if col["critical"] else float("nan")
    m["severe_under"] = c["critical"]["normal"] + c["critical"]["low"] + c["high"]["low"]
    m["under_rate"] = sum(1 for t, p in pairs if ORD[p] < ORD[t]) / n if n else float("nan")
    hi = [(t, p) for t, p in pairs if ORD[t] >= 2]
    m["high_recall"] = sum(1 for t, p in hi if ORD[p] >= 2) / len(hi) if hi else float("nan")
    benign = [(t, p) for t, p in pairs if ORD[t] <= 1]
    m["false_crit"] = sum(1 for t, p in benign if p == "critical") / len(benign) if benign else float("nan")
    m["accuracy"] = sum(1 for t, p in pairs if t == p) / n if n else float("nan")
    m["within_one"] = sum(1 for t, p in pairs if abs(ORD[t] - ORD[p]) <= 1) / n if n else float("nan")
    m["mae"] = sum(abs(ORD[t] - ORD[p]) for t, p in pairs) / n if n else float("nan")
    f1s = []
    for l in LEVELS:
        tp = c[l][l]
        prec = tp / col[l] if col[l] else 0.0
        rec = tp / row[l] if row[l] else 0.0
        if row[l]:
            f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    m["macro_f1"] = sum(f1s) / len(f1s) if f1s else float("nan")
    m["cost"] = sum(COST[t][p] for t, p in pairs) / n if n else float("nan")
    return m


def fmt(x):
    return "  n/a" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"


def print_matrix(m):
    print("| true \\ predicted | critical | high | normal | low | total |")
    print("|---|---|---|---|---|---|")
    for t in LEVELS:
        r = m["cm"][t]
        print(f"| {t} | " + " | ".join(str(r[p]) for p in LEVELS) + f" | {sum(r.values())} |")


def summary_header():
    print("| slice | n | crit recall | crit prec | severe under | high+ recall | false crit | exact acc | within 1 | macro-F1 | MAE | cost/item |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")


def summary_row(name, m):
    print(f"| {name} | {m['n']} | {fmt(m['crit_recall'])} | {fmt(m['crit_precision'])} | {m['severe_under']} | "
          f"{fmt(m['high_recall'])} | {fmt(m['false_crit'])} | {fmt(m['accuracy'])} | {fmt(m['within_one'])} | "
          f"{fmt(m['macro_f1'])} | {fmt(m['mae'])} | {fmt(m['cost'])} |")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(root, "build-triage/server/triage/tamsu_triage_cli"))
    ap.add_argument("--lexicon", help="lexicon directory passed to the CLI (default: the CLI's built-in one)")
    ap.add_argument("--set", action="append", help="labelled TSV (repeatable); default dev.tsv + fresh.tsv + fresh2.tsv + fresh3.tsv + fresh4.tsv + fresh5.tsv")
    ap.add_argument("--errors", action="store_true", help="list every wrong item with its matches")
    ap.add_argument("--gate", action="store_true")
    a = ap.parse_args()

    sets = a.set or [os.path.join(here, f) for f in ("dev.tsv", "fresh.tsv", "fresh2.tsv", "fresh3.tsv", "fresh4.tsv", "fresh5.tsv")]
    items = [it for s in sets for it in load(s)]
    answers = run(a.cli, items, a.errors, a.lexicon)
    pairs = [(it["level"], ans["level"]) for it, ans in zip(items, answers)]
    overall = metrics(pairs)

    print(f"Sets: {', '.join(os.path.basename(s) for s in sets)}; {len(items)} items\n")
    print("Confusion matrix (all items):\n")
    print_matrix(overall)
    print()
    summary_header()
    summary_row("all", overall)
    slices = defaultdict(list)
    for it, (t, p) in zip(items, pairs):
        slices[f"lang={it['lang']}"].append((t, p))
        if it["lang"] == "vi":
            slices[f"vi diacritics={it['dia']}"].append((t, p))
        for tag in it["tags"]:
            slices[f"tag={tag}"].append((t, p))
    for name in sorted(slices):
        summary_row(name, metrics(slices[name]))
    print()
    print(f"Critical recall Wilson 95 % lower bound: {fmt(overall['crit_recall_wilson_low'])}")

    if a.errors:
        print("\nErrors:")
        for it, ans in zip(items, answers):
            if it["level"] != ans["level"]:
                terms = ", ".join(f"{m['class']}:{m['text']}" for m in ans.get("matches", []) if m["class"] not in ("DES",))
                print(f"  {it['id']} [{it['lang']}] true={it['level']} pred={ans['level']} :: {it['text'][:110]}")
                print(f"      {terms[:240]} | rules={','.join(ans.get('rules', []))}")

    if a.gate:
        ok = (overall["crit_recall"] == 1.0 and overall["crit_precision"] >= 0.85 and overall["accuracy"] >= 0.85)
        print("\nGATE:", "PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
