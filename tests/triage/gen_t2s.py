#!/usr/bin/env python3
"""Regenerate server/triage/lexicon/t2s.tsv: every Traditional character whose Simplified form is used
by a pattern in zh.tsv or emoji.tsv, taken from OpenCC's TSCharacters table (Debian package `opencc`:
`opencc_dict -i /usr/share/opencc/TSCharacters.ocd2 -o TSCharacters.txt -f ocd2 -t text`).

Usage: tests/triage/gen_t2s.py TSCharacters.txt      (writes t2s.tsv in place; existing lines are kept)
Maintenance tool only; the engine reads t2s.tsv and needs no OpenCC at run time.
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
lexdir = os.path.join(os.path.dirname(os.path.dirname(here)), "server", "triage", "lexicon")


def han(c):
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


used = set()
for name in ("zh.tsv", "emoji.tsv"):
    for line in open(os.path.join(lexdir, name), encoding="utf-8"):
        if line.startswith("#"):
            continue
        used.update(c for c in line.split("\t")[0] if han(c))
        if line.startswith("@define"):
            used.update(c for c in line if han(c))

path = os.path.join(lexdir, "t2s.tsv")
header, pairs = [], {}
for line in open(path, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#") or not line:
        header.append(line)
        continue
    t, s = line.split("\t")
    pairs[t] = s

added = 0
for line in open(sys.argv[1], encoding="utf-8"):
    t, rest = line.rstrip("\n").split("\t")
    s = rest.split(" ")[0]
    if len(t) != 1 or len(s) != 1 or t == s or s not in used or t in pairs:
        continue
    pairs[t] = s
    added += 1

with open(path, "w", encoding="utf-8") as f:
    for h in header:
        f.write(h + "\n")
    for t, s in pairs.items():
        f.write(f"{t}\t{s}\n")
print(f"{len(pairs)} pairs ({added} added) for {len(used)} characters used")
