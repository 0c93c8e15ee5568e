"""The CNN of the seed talk's Clara FL experiment on MNIST, sized for any square image.

Conv2d 32 filters 3x3 (same padding) + ReLU, MaxPool 2, Flatten, Linear 256 + ReLU,
Linear 10. ``image_size`` sets the flattened width, so the same class serves MNIST's
28x28 digits and any other size the data is resized to (``IMAGE_SIZE`` in
``config/environment.json``): 1,608,778 parameters at 28x28.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SeedCNN"]


class SeedCNN(nn.Module):
    """The seed's model.

    Args:
        in_channels: image channels (1 for MNIST).
        num_classes: output logits (10 digits).
        image_size: height and width of the (square) input images.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> None:
        super().__init__()
        if image_size < 2:
            raise ValueError(f"image_size must be at least 2, not {image_size}")
        pooled = image_size // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(32 * pooled * pooled, 256),
            nn.ReLU(),
            nn.Linear(256, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
