"""The demo city's people: grid workers and the Party organisation (``geo.demo.city``),
written by :func:`write` through ``geo.people.store`` like every other roster.

Every grid has a 网格长, a 专职 worker, some 兼职 workers and 楼栋长. Each community has a
党委, most grids a 党支部 and some buildings a 党小组; residents who are members serve
their home grid, in-service members (双报到) a grid chosen by households, and a few grids
(mostly those without a branch) are left for the coverage map to show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.demo import names
from geo.demo.arrays import enum, rank_within
from geo.people.store import party as party_store
from geo.people.store import workers as worker_store

SERVED_FROM = "2020-01-01"
_WORK_UNITS = np.array(["区卫生健康委员会", "区城市管理委员会", "区教育委员会", "区税务局",
                        "区人民法院", "区住房和城乡建设委员会", "市第一中学", "区图书馆"],
                       dtype=object)
_HOURS = {"grid_chief": "周一至周五 9:00-17:30", "full_time": "周一至周五 9:00-17:30",
          "part_time": "周六、周日 9:00-12:00", "building_head": "每日 19:00-21:00"}


def grid_members(rng: np.random.Generator, grids: pd.DataFrame) -> pd.DataFrame:
    """Per grid: a 网格长, a 专职 worker, 0–2 兼职 and 0–3 楼栋长.

    Parameters
    ----------
    rng : numpy.random.Generator
        For the numbers of workers, their names and phones.
    grids : DataFrame
        The ``grids`` frame (``id`` is used).

    Returns
    -------
    DataFrame
        Frame of the ``grid_members`` table, by grid and then role.
    """
    n = len(grids)
    part, heads = rng.choice(3, n, p=[0.3, 0.45, 0.25]), rng.choice(4, n, p=[.25, .35, .25, .15])
    grid = np.repeat(np.arange(n), 2 + part + heads)
    rank = rank_within(grid)
    role = np.select([rank == 0, rank == 1, rank < 2 + part[grid]],
                     ["grid_chief", "full_time", "part_time"], "building_head").astype(object)
    office = names.landlines(rng, n)[grid]
    return pd.DataFrame({
        "id": np.arange(1, len(grid) + 1),
        "name": names.person_names(rng, len(grid)),
        "role": enum(role),
        "public_phone": np.where(role == "building_head", None, office),
        "private_phone": names.mobiles(rng, len(grid)),
        "service_hours": enum(pd.Series(role).map(_HOURS).to_numpy()),
        "community_id": grids["community_id"].to_numpy()[grid],
        "active": ~((role == "part_time") & (rng.random(len(grid)) < 0.05)),
        "publish": role != "building_head",  # 楼栋长 are volunteers: not published
        "consent_on": np.where(role != "building_head", SERVED_FROM, None),
        "grid_id": grids["id"].to_numpy()[grid],
    })


def worker_grids(members: pd.DataFrame) -> pd.DataFrame:
    """Each worker serves the grid it was drawn for, since before the incident history."""
    return pd.DataFrame({"id": np.arange(1, len(members) + 1), "worker_id": members["id"],
                         "grid_id": members["grid_id"], "served_from": SERVED_FROM})


def full_time_workers(members: pd.DataFrame, n_grids: int) -> np.ndarray:
    """Id of each grid's 专职 worker, indexed by grid id (index 0 unused, 0)."""
    full_time = np.zeros(n_grids + 1, np.int64)
    is_full = members["role"].to_numpy() == "full_time"
    full_time[members["grid_id"].to_numpy()[is_full]] = members["id"].to_numpy()[is_full]
    return full_time


def party(rng: np.random.Generator, comms: pd.DataFrame, grids: pd.DataFrame,
          buildings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Party organisations and their members.

    Parameters
    ----------
    rng : numpy.random.Generator
        For which grids and buildings have an organisation, and the members.
    comms, grids, buildings : DataFrame
        The frames of those tables (with households counted).

    Returns
    -------
    orgs, members : DataFrame
        Frames of ``party_orgs`` (党委, ~85 % of grids a 党支部, ~30 % of buildings a
        党小组) and ``party_members``.
    """
    n_comm, n_grid = len(comms), len(grids)
    branch = rng.random(n_grid) < 0.85
    group = rng.random(len(buildings)) < 0.30
    n_branch = int(branch.sum())
    branch_id = np.where(branch, n_comm + np.cumsum(branch), 0)
    group_id = np.where(group, n_comm + n_branch + np.cumsum(group), 0)
    orgs = _org_frame(comms, grids, buildings, branch, group)
    # Grids nobody serves: mostly those without a branch, so the coverage map has work.
    uncovered = rng.random(n_grid) < np.where(branch, 0.03, 0.4)
    return orgs, _party_members(rng, buildings, grids, branch_id, group_id, uncovered)


def _org_frame(comms, grids, buildings, branch: np.ndarray, group: np.ndarray):
    """Community 党委 first, then grid 党支部, then building 党小组; ids in that order."""
    n_comm, n_branch, n_group = len(comms), int(branch.sum()), int(group.sum())
    orgs = pd.DataFrame({
        "name": np.concatenate([comms["name"] + "党委", grids["name"][branch] + "党支部",
                                buildings["address"][group] + "党小组"]),
        "level": enum(np.repeat(["community_committee", "grid_branch", "building_group"],
                                [n_comm, n_branch, n_group])),
        "community_id": np.concatenate([comms["id"], grids["community_id"][branch],
                                        buildings["community_id"][group]]),
        "grid_id": pd.array(np.r_[[None] * n_comm, grids["id"][branch],
                                  [None] * n_group], dtype="Int64"),
        "building_id": pd.array(np.r_[[None] * (n_comm + n_branch),
                                      buildings["id"][group]], dtype="Int64"),
        "parent_id": pd.array(np.r_[[None] * n_comm, grids["community_id"][branch],
                                    _group_parents(comms, grids, buildings, branch, group)],
                              dtype="Int64"),
    })
    orgs.insert(0, "id", np.arange(1, len(orgs) + 1))
    return orgs


def _group_parents(comms, grids, buildings, branch, group) -> np.ndarray:
    """A building group's parent: its grid's branch, else its community's 党委."""
    branch_id = np.where(branch, len(comms) + np.cumsum(branch), 0)
    g = buildings["grid_id"].to_numpy()[group] - 1
    return np.where(branch_id[g] > 0, branch_id[g], grids["community_id"].to_numpy()[g])


def _party_members(rng, buildings, grids, branch_id, group_id, uncovered):
    """Residents (in their building's group, grid's branch or community's 党委) and
    in-service members (in the branch or 党委 of the grid they serve)."""
    per_building = rng.poisson(buildings["residents"].to_numpy() * 0.03)
    b = np.repeat(np.arange(len(buildings)), per_building)
    g = buildings["grid_id"].to_numpy()[b] - 1
    comm = grids["community_id"].to_numpy()
    org = np.where(group_id[b] > 0, group_id[b], np.where(branch_id[g] > 0, branch_id[g],
                                                          comm[g]))
    serving = np.where(uncovered[g], 0, g + 1)
    covered = np.flatnonzero(~uncovered)
    hh = grids["households"].to_numpy()[covered].astype(float)
    s = covered[rng.choice(len(covered), len(b) // 4, p=hh / hh.sum())]
    s_org = np.where(branch_id[s] > 0, branch_id[s], comm[s])
    n_res, n_srv = len(b), len(s)
    frame = pd.DataFrame({
        "id": np.arange(1, n_res + n_srv + 1),
        "name": names.person_names(rng, n_res + n_srv),
        "kind": enum(np.repeat(["resident", "in_service"], [n_res, n_srv])),
        "org_id": np.r_[org, s_org],
        "home_building_id": pd.array(np.r_[b + 1, np.zeros(n_srv, int)], dtype="Int64"),
        "serving_grid_id": pd.array(np.r_[serving, s + 1], dtype="Int64"),
        "households_linked": np.r_[np.where(serving > 0, rng.integers(3, 31, n_res), 0),
                                   rng.integers(0, 11, n_srv)],
        "community_id": np.r_[comm[g], comm[s]],
        "work_unit": np.r_[[None] * n_res, rng.choice(_WORK_UNITS, n_srv)],
    })
    for col in ("home_building_id", "serving_grid_id"):
        frame.loc[frame[col] == 0, col] = pd.NA
    return frame


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (None for missing), for the writers of geo.people."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict("records")


def _workers(conn, frame):
    worker_store.insert(conn, _records(frame), ids=frame["id"].tolist())


def _worker_grids(conn, frame):
    worker_store.add_grids(conn, list(zip(frame["worker_id"].tolist(), frame["grid_id"].tolist(),
                                     strict=True)), served_from=SERVED_FROM)


def _orgs(conn, frame):
    party_store.insert_orgs(conn, _records(frame), ids=frame["id"].tolist())


def _members(conn, frame):
    rows = _records(frame.assign(status="confirmed",
                                 org_id=frame["org_id"].astype("Int64")))
    party_store.insert_members(conn, rows, ids=frame["id"].tolist())


# The people go in through the writers the API, the pages and the imports use (one writer).
WRITERS = {"grid_members": _workers, "worker_grids": _worker_grids, "party_orgs": _orgs,
           "party_members": _members}


def write(conn, table: str, frame: pd.DataFrame) -> bool:
    """Write a people table of the demo through ``geo.people.store``; False for others."""
    if table not in WRITERS:
        return False
    WRITERS[table](conn, frame)
    return True
