"""Rebuild the figures of README "Your own corpus": the 67 reports of data/external/state-council-and-congress.

    python figures/own-corpus/build.py                    # corpus and outputs under .cache/own-corpus/
    python figures/own-corpus/build.py --corpus DIR --out DIR

Writes the 52 State Council work reports and the 15 Party congress reports as a corpus folder
(tests/_state_council.py, `congress=True`), runs `make figures CORPUS=… OUT=… PREPARE_ARGS=--to-simplified` (the
1954–1957 reports are Traditional script) with no parameter file, and copies the figures shown in the README, scaled
to 1,000 px wide (256 colours), into this folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
#: (notebook, figure) shown in the README, in its order
FIGURES = [("01-corpus-overview", "lengths"), ("04-keyword-trends", "period-trends"),
           ("05-keyness", "keyness-by-period"), ("07-rhetoric", "formula-timeline"),
           ("02-tfidf", "similarity"), ("03-topics", "topic-shares-nmf"), ("04-keyword-trends", "unit-rates"),
           ("08-text-reuse", "reuse-matrix")]
WIDTH = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / ".cache" / "own-corpus" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "own-corpus" / "out")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    from _state_council import write_corpus
    from PIL import Image

    if not (args.corpus / "metadata.csv").is_file():
        write_corpus(args.corpus, congress=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    # The 1954–1957 reports are Traditional script: converted so that keyness and trends compare like with like
    subprocess.run(["make", "figures", f"CORPUS={args.corpus}", f"OUT={args.out}", "PREPARE_ARGS=--to-simplified"],
                   cwd=ROOT, env=env, check=True)
    for notebook, name in FIGURES:
        with Image.open(args.out / "figures" / notebook / f"{name}.png") as image:
            image = image.convert("RGB")
            height = round(image.height * WIDTH / image.width)
            small = image.resize((WIDTH, height), Image.LANCZOS).quantize(colors=256, method=Image.MEDIANCUT)
            small.save(HERE / f"{notebook[:2]}-{name}.png", optimize=True)
        print(f"figures/own-corpus/{notebook[:2]}-{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
