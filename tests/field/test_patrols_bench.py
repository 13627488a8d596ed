"""The patrol bench (bench/bench_patrols.py) runs, on the test town, and leaves nothing."""

import pytest
from sqlalchemy import text

from bench import bench_patrols

pytestmark = [pytest.mark.town("incidents"), pytest.mark.commits]


def test_the_bench_measures_a_batch_and_rolls_it_back(app, conn, town):
    from app.extensions import db

    row = bench_patrols.run(db.engine, 1)
    assert row.ours.endswith(" ms") and "grids walked per batch" in row.notes[0]
    assert not row.notes[0].startswith("runs: ours 0 ms")
    assert "2 grids walked" in row.notes[0]  # community 1's box crosses A and then B or C
    assert conn.execute(text("SELECT count(*) FROM patrols")).scalar() == 0
