"""Open-data files the apps publish, registered so one public page lists and documents them.

An app registers a `Dataset` from its AppConfig.ready() (`dataset_register`):
its files (one address per format), what each column means and which query
parameters it takes. The core names no app: /open-data/ shows whatever is
registered, to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column (or GeoJSON property) of a file and what it holds."""

    name: str
    description: Any  # lazy text


@dataclass(frozen=True)
class DataFile:
    """One download of a dataset: its format's name, URL name and media type."""

    label: str
    url_name: str
    media_type: str


@dataclass(frozen=True)
class Dataset:
    """A set of public records offered as files, with its columns documented."""

    key: str
    title: Any
    description: Any
    files: tuple[DataFile, ...]
    columns: tuple[Column, ...]
    # (name, what it does) of each query parameter the files take.
    parameters: tuple[tuple[str, Any], ...] = ()
    order: int = 100


_DATASETS: dict[str, Dataset] = {}


def dataset_register(dataset: Dataset) -> None:
    _DATASETS[dataset.key] = dataset


def datasets() -> list[Dataset]:
    return sorted(_DATASETS.values(), key=lambda d: (d.order, d.key))
