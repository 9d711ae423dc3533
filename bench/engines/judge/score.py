"""Count a judgement file's verdicts per pair of candidates.

    .venv/bin/python -m bench.engines.judge.score RUNDIR/montages/judgements.md [--key KEY.json] [--set objects]

The format is described in bench/engines/judge/judgements.md. The letters are turned into
candidate names with the key montage.py wrote beside the sheets (key.json in the same
folder by default). For every pair X, Y judged together in at least one case it prints
"X no worse than Y in n of N" (better + ties), and per candidate how often an editor
would accept it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from pathlib import Path


def parse(text: str) -> dict[str, dict]:
    """{case id: {"accept": [letters], "better": {(x, y)}, "tie": {(x, y)}, "reason": str,
    "judged": bool}}; a section whose accept, rank and pairs are all empty is not judged yet."""
    cases, current = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            current = cases.setdefault(line[3:].strip(), {"accept": [], "better": set(), "tie": set(),
                                                           "reason": "", "letters": [], "judged": False})
            continue
        if current is None or ":" not in line:
            continue
        field, value = (part.strip() for part in line.split(":", 1))
        if field == "candidates":
            current["letters"] = re.findall(r"[A-Z]", value)
        elif field == "accept":
            current["accept"] = re.findall(r"[A-Z]", value)
            current["judged"] |= bool(value)  # "-" says "none", an empty field "not judged yet"
        elif field == "rank" and value:
            current["judged"] = True
            groups = [re.findall(r"[A-Z]", g) for g in value.split(">")]
            named = [x for g in groups for x in g]
            groups.append([x for x in current["letters"] if x not in named])  # left out = worst
            for i, group in enumerate(groups):
                current["tie"] |= {(x, y) for x in group for y in group if x != y}
                for lower in groups[i + 1:]:
                    current["better"] |= {(x, y) for x in group for y in lower}
        elif field == "pairs" and value:
            current["judged"] = True
            for verdict in value.split(","):
                found = re.fullmatch(r"\s*([A-Z])\s*(>=|>|=)\s*([A-Z])\s*", verdict)
                if not found:
                    raise SystemExit(f"cannot read pair {verdict.strip()!r} in {raw!r}")
                x, op, y = found.groups()
                if op == ">":
                    current["better"].add((x, y))
                elif op == "=":
                    current["tie"] |= {(x, y), (y, x)}
                else:
                    current["tie"].add((x, y))  # one-sided "no worse than"
        elif field == "reason":
            current["reason"] = value
    return cases


def tally(cases: dict[str, dict], key: dict[str, dict[str, str]], only_set: str | None = None) -> dict:
    no_worse, better, judged, accepted, shown = {}, {}, {}, {}, {}
    for case_id, verdict in cases.items():
        if not verdict["judged"] or (only_set and not case_id.startswith(only_set + "/")):
            continue
        names = key[case_id]
        for letter in names:
            shown[names[letter]] = shown.get(names[letter], 0) + 1
        for letter in verdict["accept"]:
            accepted[names[letter]] = accepted.get(names[letter], 0) + 1
        if not verdict["better"] and not verdict["tie"]:
            continue
        for x, y in itertools.permutations(names, 2):
            pair = (names[x], names[y])
            judged[pair] = judged.get(pair, 0) + 1
            if (x, y) in verdict["better"]:
                better[pair] = better.get(pair, 0) + 1
            if (x, y) in verdict["better"] or (x, y) in verdict["tie"]:
                no_worse[pair] = no_worse.get(pair, 0) + 1
    return {"no_worse": no_worse, "better": better, "judged": judged, "accepted": accepted, "shown": shown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("judgements", type=Path)
    parser.add_argument("--key", type=Path, default=None)
    parser.add_argument("--set", default=None, help="count only this case set")
    parser.add_argument("--metrics", type=Path, default=None,
                        help="bench/engines/judge/results/metrics-NAME.json of the same run: also cross the worker's flags "
                             "with the verdicts (accepted or not)")
    args = parser.parse_args()
    key = json.loads((args.key or args.judgements.parent / "key.json").read_text())
    verdicts = parse(args.judgements.read_text())
    counts = tally(verdicts, key, args.set)
    print("accepted (of cases shown):")
    for name in sorted(counts["shown"]):
        print(f"  {name:16s} {counts['accepted'].get(name, 0):3d} of {counts['shown'][name]}")
    print("no worse than (better + ties, of cases judged with both):")
    for x, y in sorted(counts["judged"]):
        n = counts["judged"][(x, y)]
        print(f"  {x:16s} no worse than {y:16s} {counts['no_worse'].get((x, y), 0):3d} of {n}"
              f"   (better {counts['better'].get((x, y), 0)})")
    if args.metrics:
        print_flags_against_verdicts(verdicts, key, json.loads(args.metrics.read_text())["rows"], args.set)


def print_flags_against_verdicts(verdicts: dict, key: dict, rows: list[dict], only_set: str | None) -> None:
    """How well the worker's flags agree with the judge: per candidate, accepted fills
    that were flagged (false alarms) and rejected fills that were not (misses)."""
    flags = {(r["case"], r["candidate"]): r["flags"] for r in rows}
    table = {}
    for case_id, verdict in verdicts.items():
        if not verdict["judged"] or (only_set and not case_id.startswith(only_set + "/")):
            continue
        for letter, name in key[case_id].items():
            if (case_id, name) not in flags:
                continue
            accepted, flagged = letter in verdict["accept"], bool(flags[(case_id, name)])
            cell = table.setdefault(name, {"accepted": 0, "false_alarms": [], "rejected": 0, "caught": 0, "missed": []})
            if accepted:
                cell["accepted"] += 1
                if flagged:
                    cell["false_alarms"].append(f"{case_id} ({', '.join(flags[(case_id, name)])})")
            else:
                cell["rejected"] += 1
                if flagged:
                    cell["caught"] += 1
                else:
                    cell["missed"].append(case_id)
    print("the worker's flags against the verdicts:")
    for name, cell in sorted(table.items()):
        print(f"  {name:16s} rejected {cell['rejected']:3d}, flagged {cell['caught']:3d} of them;"
              f" accepted {cell['accepted']:3d}, flagged {len(cell['false_alarms']):3d} of them")
        for item in cell["false_alarms"]:
            print(f"      false alarm: {item}")
        for item in cell["missed"]:
            print(f"      missed: {item}")


if __name__ == "__main__":
    main()
