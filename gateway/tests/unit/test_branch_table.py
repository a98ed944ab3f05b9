"""The routing table keeps the newest copy of each branch, whatever order copies arrive in."""
from __future__ import annotations

import threading

from portal_gateway.routing.branches import BranchTable


def test_a_branch_applied_to_the_table_routes_by_its_slug(make_branch):
    table = BranchTable()
    row = make_branch(slug="north")
    assert table.apply(row) is True
    branch = table.by_slug("north")
    assert (branch.branch_id, branch.company_id, branch.enabled, branch.revision) == (
        row["branch_id"], row["company_id"], True, 1)


def test_an_older_revision_arriving_late_is_ignored(make_branch):
    table = BranchTable()
    newer = make_branch(slug="north", name="North (renamed)", enabled=False, revision=3)
    older = {**newer, "name": "North", "enabled": True, "revision": 2}
    table.apply(newer)
    assert table.apply(older) is False
    assert table.by_slug("north").name == "North (renamed)"
    assert table.by_slug("north").enabled is False


def test_the_same_revision_delivered_twice_is_ignored_the_second_time(make_branch):
    table = BranchTable()
    row = make_branch(slug="north", revision=2)
    assert table.apply(row) is True
    assert table.apply({**row, "name": "Something else"}) is False
    assert table.by_slug("north").name == "North Branch"
    assert len(table) == 1


def test_a_slug_rename_stops_routing_the_old_slug(make_branch):
    table = BranchTable()
    row = make_branch(slug="old-name", revision=1)
    table.apply(row)
    table.apply({**row, "slug": "new-name", "revision": 2})
    assert table.by_slug("old-name") is None
    assert table.by_slug("new-name").branch_id == row["branch_id"]
    assert len(table) == 1


def test_a_freed_slug_taken_by_another_branch_stays_with_that_branch(make_branch):
    table = BranchTable()
    first = make_branch(slug="north", revision=1)
    table.apply(first)
    table.apply({**first, "slug": "north-old", "revision": 2})
    second = make_branch(slug="north", revision=1)
    table.apply(second)
    table.apply({**first, "name": "still renamed", "slug": "north-old", "revision": 3})
    assert table.by_slug("north").branch_id == second["branch_id"]
    assert table.by_slug("north-old").branch_id == first["branch_id"]


def test_loading_a_snapshot_fills_the_table_and_marks_it_loaded(make_branch):
    table = BranchTable()
    assert not table.loaded.is_set()
    table.load_snapshot([make_branch(slug="a"), make_branch(slug="b")])
    assert table.loaded.is_set()
    assert len(table) == 2
    assert table.by_slug("a") is not None and table.by_slug("b") is not None


def test_an_empty_snapshot_still_marks_the_table_loaded():
    table = BranchTable()
    table.load_snapshot([])
    assert table.loaded.is_set()
    assert len(table) == 0


def test_a_snapshot_older_than_an_event_already_applied_does_not_undo_it(make_branch):
    table = BranchTable()
    row = make_branch(slug="north", revision=1)
    table.apply({**row, "enabled": False, "revision": 2})
    table.load_snapshot([row])
    assert table.by_slug("north").enabled is False


def test_concurrent_updates_leave_the_highest_revision(make_branch):
    table = BranchTable()
    row = make_branch(slug="north")
    threads = [threading.Thread(target=table.apply, args=({**row, "revision": r},)) for r in range(1, 50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert table.by_slug("north").revision == 49
