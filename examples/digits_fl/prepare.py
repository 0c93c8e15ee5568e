"""Write scikit-learn's bundled handwritten digits into ``data/`` as an MMAR datalist.

The digits (1,797 real 8x8 scans, values 0-16) ship inside scikit-learn, so nothing is
downloaded. Each image becomes one ``.npy`` file that MONAI's ``LoadImaged`` reads with
its NumPy reader, and ``data/dataset.json`` lists them in Decathlon form with
``training`` / ``validation`` keys: a deterministic, class-stratified 80/20 split, so every
machine trains and validates on exactly the same images.

Usage: python prepare.py [--out DIR]   (default: the data/ folder next to this file)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def prepare(out: Path) -> Path:
    """Write the images and ``dataset.json`` under ``out``; return the datalist path."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.images.astype(np.float32)  # (1797, 8, 8), values 0..16
    labels = digits.target.astype(int)
    indices = np.arange(len(labels))
    train_idx, val_idx = train_test_split(indices, test_size=0.2, random_state=0, stratify=labels)
    (out / "images").mkdir(parents=True, exist_ok=True)
    split: dict[str, list[dict[str, object]]] = {"training": [], "validation": []}
    for key, idx in (("training", train_idx), ("validation", val_idx)):
        for i in sorted(int(j) for j in idx):
            name = f"images/digit_{i:04d}.npy"
            np.save(out / name, images[i])
            split[key].append({"image": name, "label": int(labels[i])})
    datalist = {
        "name": "sklearn-digits",
        "description": "scikit-learn load_digits, 8x8 grey scans of handwritten digits",
        "numTraining": len(split["training"]),
        "numValidation": len(split["validation"]),
        **split,
    }
    path = out / "dataset.json"
    path.write_text(json.dumps(datalist, indent=1) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    args = parser.parse_args()
    path = prepare(args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
