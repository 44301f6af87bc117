"""Dependencies of the engine's viewer routes, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from webbscope.services.engine.params import check_sha
from webbscope.services.engine.state import FileRef, ViewerState, get_viewer


async def file_ref(
    sha: Annotated[str, Path(description="sha256 of the file's content (its identity)")],
    key: Annotated[str, Query(max_length=1024, description="the file's storage key")],
    file_size: Annotated[int | None, Query(ge=0, description="the file's size in bytes")] = None,
) -> FileRef:
    return FileRef(check_sha(sha), key, file_size)


FileRefDep = Annotated[FileRef, Depends(file_ref)]
Viewer = Annotated[ViewerState, Depends(get_viewer)]
