"""The study's grid: which settings a spec means, each one ordinary simulator run.

Why a stage of its own: the runner, the results table and the plots all key on the same
settings, so the expansion (the baseline, each sweep around it, every seed, duplicates
merged) and each setting's id, simulation (clients, data split) and round count are
defined once, here.

Every setting trains the same ``total_epochs`` local epochs per site, in
``total_epochs / epochs_per_round`` rounds, so curves over epochs compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmarc.plan.simulation import SimulationSettings, simulation_settings

from .spec import DataShare, StudySpec, parse_share

__all__ = ["AXES", "Setting", "expand"]

#: The sweeps, in the order the plots and the report show them.
AXES = ("clients", "epochs_per_round", "data_share")


@dataclass(frozen=True)
class Setting:
    """One point of the grid: a federation of ``clients`` sites and a seed.

    Args:
        sites: the baseline's number of sites, among which the data is cut.
        epochs_per_round: local epochs between two aggregations.
        share: how much of the data the federation holds.
        seed: the seed of the data split and of the training (``seed`` in the config).
        rounds: rounds to reach the study's ``total_epochs``.
        sweeps: the sweeps this setting belongs to (the baseline belongs to all).
    """

    sites: int
    epochs_per_round: int
    share: DataShare
    seed: int
    rounds: int
    sweeps: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def clients(self) -> int:
        """Client processes that train: all sites, or the share of them that is on."""
        if self.share.mode == "sites":
            return max(1, round(self.share.fraction * self.sites))
        return self.sites

    @property
    def data_share(self) -> float:
        """The fraction of the training items the federation trains on (1.0: all of them)."""
        if self.share.mode == "sites":
            return self.clients / self.sites
        return self.share.fraction

    @property
    def train_share(self) -> float:
        """The share of its training items each training site keeps (``data:F``: F)."""
        return self.share.fraction if self.share.mode == "data" else 1.0

    def simulation(self) -> SimulationSettings:
        """The simulation this setting compiles its plan for (the hash covers it).

        The training items are cut iid among the baseline's ``sites``; ``sites:F`` runs
        the first ``clients`` of them, ``data:F`` keeps F of every site's part. The
        validation items are cut among the clients that run, so every setting validates
        on the whole validation set (see :mod:`mmarc.plan.simulation`).
        """
        return simulation_settings(
            self.clients, "iid", self.seed, sites=self.sites, train_share=self.train_share
        )

    @property
    def id(self) -> str:
        """A file-name-safe id: ``c8-e2-all-s0``, ``c4-e2-sites0.5-s0``..."""
        share = str(self.share).replace(":", "")
        return f"c{self.sites}-e{self.epochs_per_round}-{share}-s{self.seed}"

    @property
    def label(self) -> str:
        """A legend label: ``8 clients, 2 epochs/round, all data``."""
        share = {"all": "all data", "sites": "sites", "data": "data per site"}[self.share.mode]
        if self.share.mode != "all":
            share = f"{self.share.fraction:g} of the {share}"
        clients = f"{self.clients} client{'s' if self.clients != 1 else ''}"
        epochs = f"{self.epochs_per_round} epoch{'s' if self.epochs_per_round != 1 else ''}"
        return f"{clients}, {epochs}/round, {share}"


def expand(spec: StudySpec) -> list[Setting]:
    """The settings of ``spec`` in run order (baseline first), each once per seed."""
    base = spec.baseline
    points: dict[tuple[int, int, DataShare], set[str]] = {}

    def add(sites: int, epochs: int, share: DataShare, sweep: str | None) -> None:
        found = points.setdefault((sites, epochs, share), set())
        found.update(AXES if sweep is None else (sweep,))

    base_share = parse_share(base.data_share)
    add(base.clients, base.epochs_per_round, base_share, None)
    for clients in spec.sweeps.clients or []:
        add(clients, base.epochs_per_round, base_share, "clients")
    for epochs in spec.sweeps.epochs_per_round or []:
        add(base.clients, epochs, base_share, "epochs_per_round")
    for text in spec.sweeps.data_share or []:
        add(base.clients, base.epochs_per_round, parse_share(text), "data_share")
    return [
        Setting(
            sites=sites,
            epochs_per_round=epochs,
            share=share,
            seed=seed,
            rounds=max(1, spec.total_epochs // epochs),
            sweeps=frozenset(sweeps),
        )
        for seed in spec.seeds
        for (sites, epochs, share), sweeps in points.items()
    ]
