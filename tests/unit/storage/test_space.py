"""The free-space reserve (MIN_FREE_DISK_BYTES)."""

from __future__ import annotations

from pathlib import Path

import pytest

from webbscope.storage import StorageFull
from webbscope.storage.space import check_reserve, free_bytes


def test_free_bytes_of_a_path_not_yet_made_is_that_of_its_disk(tmp_path: Path) -> None:
    assert free_bytes(tmp_path / "not" / "yet") == free_bytes(tmp_path) > 0


def test_the_reserve_refuses_with_507_naming_the_setting(tmp_path: Path) -> None:
    check_reserve(tmp_path, 0)
    check_reserve(tmp_path, 1024)
    free = free_bytes(tmp_path)
    with pytest.raises(StorageFull) as caught:
        check_reserve(tmp_path, free + 10**12)
    assert caught.value.status == 507 and caught.value.code == "storage_full"
    assert caught.value.details["setting"] == "MIN_FREE_DISK_BYTES"
    with pytest.raises(StorageFull):  # what is about to arrive counts
        check_reserve(tmp_path, 1024, incoming=free + 10**12)
