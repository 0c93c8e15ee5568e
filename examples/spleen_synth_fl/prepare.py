"""Write small synthetic 3D segmentation volumes into ``data/`` as NIfTI, with a datalist.

Stands in for the Medical Segmentation Decathlon spleen task (Clara's classic 3D UNet
MMAR) so the example runs anywhere in minutes: each case is a 48^3 volume of random
spheres on uniform noise from ``monai.data.create_test_image_3d`` (label 1 inside the
spheres), written with nibabel as ``.nii.gz`` so training goes through the real
``LoadImaged`` NIfTI path. A fixed seed makes every machine generate the same cases.
``data/dataset.json`` lists them in Decathlon form (``training`` / ``validation``).

Usage: python prepare.py [--out DIR] [--train N] [--val N] [--size S]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import nibabel as nib
import numpy as np


def prepare(out: Path, n_train: int = 32, n_val: int = 8, size: int = 48, seed: int = 0) -> Path:
    """Write ``n_train + n_val`` cases and ``dataset.json`` under ``out``; return its path."""
    from monai.data import create_test_image_3d

    rng = np.random.RandomState(seed)
    (out / "imagesTr").mkdir(parents=True, exist_ok=True)
    (out / "labelsTr").mkdir(parents=True, exist_ok=True)
    affine = np.eye(4)
    items = []
    for i in range(n_train + n_val):
        image, label = create_test_image_3d(
            size,
            size,
            size,
            num_objs=6,
            rad_max=10,
            rad_min=4,
            noise_max=0.6,
            num_seg_classes=1,
            random_state=rng,
        )
        name = f"synth_{i:03d}.nii.gz"
        nib.Nifti1Image(image.astype(np.float32), affine).to_filename(out / "imagesTr" / name)
        nib.Nifti1Image(label.astype(np.uint8), affine).to_filename(out / "labelsTr" / name)
        items.append({"image": f"imagesTr/{name}", "label": f"labelsTr/{name}"})
    datalist = {
        "name": "spleen_synth",
        "description": "synthetic spheres on noise (monai.data.create_test_image_3d), 2 classes",
        "tensorImageSize": "3D",
        "labels": {"0": "background", "1": "foreground"},
        "numTraining": n_train,
        "numValidation": n_val,
        "training": items[:n_train],
        "validation": items[n_train:],
    }
    path = out / "dataset.json"
    path.write_text(json.dumps(datalist, indent=1) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    parser.add_argument("--train", type=int, default=32)
    parser.add_argument("--val", type=int, default=8)
    parser.add_argument("--size", type=int, default=48)
    args = parser.parse_args()
    print(f"wrote {prepare(args.out, args.train, args.val, args.size)}")


if __name__ == "__main__":
    main()
