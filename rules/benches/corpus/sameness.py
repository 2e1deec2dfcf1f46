#!/usr/bin/env python3
"""Byte-for-byte sameness of eligibility output across two builds.

    sameness.py run BINARY OUT      appraise the corpus with BINARY, answers into OUT
    sameness.py compare OLD NEW     compare two OUT folders byte for byte

Run from the repository root. The corpus is every shipped example (JSON and workbook) and,
for every case of every shipped rule, a copy of the first project of
`workbooks/examples/city-pipeline.json` with the case's activity and evidence: as given,
yes/no flipped, numbers halved, numbers times ten, and one field left out; countries rotate.
Each file is appraised with `--explain --format json` in English and Chinese.
`compare` maps each pack's `content_hash` (the SHA-256 of its files, which changes whenever
a rule file does) from OLD to NEW, taking the pairs in the order the first answer lists
them, and then requires every answer, error stream and exit code to be identical.
Needs PyYAML.
"""
import copy, glob, json, os, re, subprocess, sys
from decimal import Decimal

import yaml

COUNTRIES = ["CN", "DE", "FR", "NL", "CN", "IT"]
BATCH = 250


def variants():
    base = json.load(open("workbooks/examples/city-pipeline.json"))["projects"][0]
    base.pop("evidence", None)
    projects = []
    for path in sorted(glob.glob("rules/packs/*/rules/*.cases.yaml")):
        for index, case in enumerate(yaml.safe_load(open(path))):
            record = dict(case["record"])
            activity = record.pop("activity", None)
            record.pop("assessment_date", None)
            if not isinstance(activity, str):
                continue
            evidence = {k: v for k, v in record.items() if v is not None}
            number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)

            def add(tag, fields):
                p = copy.deepcopy(base)
                p["id"] = f"{os.path.basename(path)[:-11]}-{index}-{tag}"
                p["activity"] = activity
                p["country"] = COUNTRIES[len(projects) % len(COUNTRIES)]
                if case.get("assessment_date"):
                    p["assessment_date"] = case["assessment_date"]
                p["evidence"] = {
                    k: (v if isinstance(v, (bool, str)) else str(Decimal(str(v))))
                    for k, v in fields.items()
                }
                projects.append(p)

            add("as", evidence)
            add("flip", {k: (not v if isinstance(v, bool) else v) for k, v in evidence.items()})
            add("half", {k: (Decimal(str(v)) / 2 if number(v) else v) for k, v in evidence.items()})
            add("x10", {k: (Decimal(str(v)) * 10 if number(v) else v) for k, v in evidence.items()})
            keys = sorted(evidence)
            if keys:
                add("drop", {k: v for k, v in evidence.items() if k != keys[len(keys) // 2]})
    return projects


def run(binary, out):
    os.makedirs(f"{out}/input", exist_ok=True)
    projects = variants()
    files = sorted(glob.glob("workbooks/examples/*.json") + glob.glob("workbooks/examples/*.xlsx"))
    for i in range(0, len(projects), BATCH):
        name = f"{out}/input/variants{i // BATCH:03d}.json"
        json.dump({"projects": projects[i:i + BATCH]}, open(name, "w"), indent=1)
        files.append(name)
    for f in files:
        for lang in ["en", "zh"]:
            done = subprocess.run([binary, "--lang", lang, "appraise", "--explain", "--format", "json", f],
                                  capture_output=True)
            stem = f"{out}/{os.path.basename(f)}.{lang}"
            open(f"{stem}.out", "wb").write(done.stdout)
            open(f"{stem}.err", "wb").write(done.stderr)
            open(f"{stem}.rc", "w").write(str(done.returncode))
    print(f"{len(files) * 2} answers, {len(projects)} variants")


def compare(old, new):
    hashes = lambda d: re.findall(rb'"content_hash": "sha256:([0-9a-f]+)"',
                                  open(f"{d}/flood-wall.json.en.out", "rb").read())
    pairs = dict(zip(hashes(old), hashes(new)))
    differ = 0
    names = sorted(os.path.basename(p) for p in glob.glob(f"{old}/*.*") if not os.path.isdir(p))
    for name in names:
        a = open(f"{old}/{name}", "rb").read()
        for before, after in pairs.items():
            a = a.replace(before, after)
        if a != open(f"{new}/{name}", "rb").read():
            print("differs:", name)
            differ += 1
    changed = sum(1 for b, a in pairs.items() if b != a)
    print(f"{len(names)} files compared, {differ} differ; {changed} pack content hashes changed")
    return differ == 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and len(sys.argv) == 4:
        run(os.path.abspath(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["compare"] and len(sys.argv) == 4:
        sys.exit(0 if compare(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
