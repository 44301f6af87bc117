"""Request and response models of the backend API (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from webbscope.domain.records import Record, Source, Visibility
from webbscope.domain.users import Role, User
from webbscope.services.common.errors import ErrorBody

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[^@\s/\\]+@[^@\s/\\]+\.[^@\s/\\]+$"
    ),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(Strict):
    username: Username
    email: Email
    password: Annotated[str, StringConstraints(max_length=256)]
    display_name: ShortText | None = None
    organisation: ShortText | None = None


class LoginRequest(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="The username or the email address"
    )
    password: Annotated[str, StringConstraints(max_length=256)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserOut(BaseModel):
    id: str
    username: str
    email: str
    display_name: str | None
    organisation: str | None
    role: Role
    disabled: bool
    created_at: datetime
    #: Only on GET /api/users/me: bytes the account's records hold, and its quota (0: none).
    storage_used_bytes: int | None = None
    storage_quota_bytes: int | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(**user.model_dump(include=set(cls.model_fields)))


class UserList(BaseModel):
    items: list[UserOut]
    total: int
    offset: int
    limit: int


class ProfileUpdate(Strict):
    email: Email | None = None
    display_name: ShortText | None = None
    organisation: ShortText | None = None


class PasswordChange(Strict):
    current_password: Annotated[str, StringConstraints(max_length=256)]
    new_password: Annotated[str, StringConstraints(max_length=256)]


class RoleChange(Strict):
    role: Role


class DisabledChange(Strict):
    disabled: bool


# -- the library ---------------------------------------------------------------------------

Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]


class LineageOut(BaseModel):
    derived_from: list[str]
    derivatives: list[str]
    note: str | None = None


class DownloadLinkOut(BaseModel):
    url: str = Field(description="a signed path to GET the file without a token")
    expires_at: datetime
    file_name: str


class RecordOut(BaseModel):
    id: str
    owner_id: str
    owner_username: str
    file_name: str
    visibility: Visibility
    shared_with: list[str] = Field(description="usernames the record is shared with")
    source: Source
    size: int
    sha256: str
    metadata: dict[str, Any]
    processing_level: str | None
    product_type: str | None
    tags: list[str]
    description: str
    archived: bool
    lineage: LineageOut
    thumbnail_url: str | None
    download_url: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Record) -> RecordOut:
        return cls(
            **r.model_dump(
                include={
                    "id",
                    "owner_id",
                    "owner_username",
                    "file_name",
                    "visibility",
                    "shared_with",
                    "source",
                    "size",
                    "sha256",
                    "metadata",
                    "processing_level",
                    "product_type",
                    "tags",
                    "description",
                    "archived",
                    "lineage",
                    "created_at",
                    "updated_at",
                }
            ),
            thumbnail_url=f"/api/records/{r.id}/thumbnail" if r.thumbnail_key else None,
            download_url=f"/api/records/{r.id}/download",
        )


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int
    offset: int
    limit: int
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )


class FacetCount(BaseModel):
    value: str
    count: int


class RecordFacets(BaseModel):
    total: int = Field(description="records matching the filter")
    instrument: list[FacetCount]
    filter: list[FacetCount]
    processing_level: list[FacetCount]
    target: list[FacetCount]


class UploadItem(BaseModel):
    record: RecordOut
    created: bool = Field(description="false when the file was already in the library")


class UploadResult(BaseModel):
    items: list[UploadItem]


class RecordPatch(Strict):
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    visibility: Visibility | None = None
    shared_with: Annotated[list[Username], Field(max_length=100)] | None = Field(
        None, description="usernames; setting it makes the record shared"
    )
    archived: bool | None = None


class BulkAction(StrEnum):
    tag = "tag"
    untag = "untag"
    archive = "archive"
    unarchive = "unarchive"
    share = "share"
    delete = "delete"


class BulkRequest(Strict):
    action: BulkAction
    ids: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=500)
    ]
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    visibility: Visibility | None = Field(None, description="for share: the new visibility")
    users: Annotated[list[Username], Field(max_length=100)] | None = Field(
        None, description="for share: usernames to share with"
    )


class BulkItem(BaseModel):
    id: str
    ok: bool
    error: ErrorBody | None = None


class BulkResult(BaseModel):
    action: BulkAction
    succeeded: int
    failed: int
    items: list[BulkItem]


class HeaderCardOut(BaseModel):
    key: str
    value: str | int | float | bool | list[float] | None = Field(
        description="non-finite numbers as text, complex numbers as [real, imaginary]"
    )
    comment: str


class HduHeaderOut(BaseModel):
    index: int
    name: str
    ver: int | None = None
    type: str | None = Field(None, description="primary, image, compressed_image, bintable, ...")
    cards: list[HeaderCardOut]


class HeadersOut(BaseModel):
    record_id: str
    hdus: list[HduHeaderOut]


class LineageNode(BaseModel):
    id: str
    file_name: str
    source: Source
    processing_level: str | None = None
    product_type: str | None = None


class LineageGraph(BaseModel):
    record: LineageNode
    derived_from: list[LineageNode]
    derivatives: list[LineageNode]
    hidden: int = Field(0, description="related records the caller may not see")
