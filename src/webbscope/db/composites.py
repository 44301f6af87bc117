"""The composites collection: one document per recipe (its `_id` is the recipe's id), who
made it, what the engine said about it (grid, channels) and its renders; and the presets
users saved for the composite builder."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument

from webbscope.db._client import Database, Document
from webbscope.errors import NotFound


class CompositesRepo:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("composites")
        self.presets = db.collection("composite_presets")

    async def save(
        self,
        composite_id: str,
        *,
        recipe: Document,
        creator: str,
        input_ids: list[str],
        plan: Document,
        name: str | None,
    ) -> tuple[Document, bool]:
        """Store the composite (or add `creator` to an existing one); (document, created)."""
        now = datetime.now(UTC)
        before = await self.coll.find_one_and_update(
            {"_id": composite_id},
            {
                "$setOnInsert": {
                    "recipe": recipe,
                    "input_ids": input_ids,
                    "plan": plan,
                    "created_at": now,
                    "renders": [],
                    "record_id": None,
                },
                "$addToSet": {"creators": creator},
                "$set": {f"names.{creator}": name, "updated_at": now},
            },
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        doc = await self.get(composite_id)
        return doc, before is None

    async def get(self, composite_id: str) -> Document:
        doc = await self.coll.find_one({"_id": composite_id})
        if doc is None:
            raise NotFound(f"composite {composite_id} not found", code="composite_not_found")
        return doc

    async def find(self, composite_id: str) -> Document | None:
        return await self.coll.find_one({"_id": composite_id})

    async def list_for(self, user_id: str, limit: int = 200) -> list[Document]:
        cursor = self.coll.find({"creators": user_id}).sort("updated_at", -1).limit(limit)
        return [doc async for doc in cursor]

    async def add_render(self, composite_id: str, render: Document) -> None:
        await self.coll.update_one(
            {"_id": composite_id},
            {"$push": {"renders": render}, "$set": {"record_id": render.get("record_id")}},
        )

    # -- presets ---------------------------------------------------------------------------

    async def user_presets(self, user_id: str) -> list[Document]:
        cursor = self.presets.find({"owner_id": user_id}).sort("name", 1)
        return [doc async for doc in cursor]

    async def save_preset(self, user_id: str, name: str, body: dict[str, Any]) -> Document:
        doc = await self.presets.find_one_and_update(
            {"_id": f"{user_id}:{name}"},
            {
                "$set": {
                    "owner_id": user_id,
                    "name": name,
                    "preset": body,
                    "updated_at": datetime.now(UTC),
                }
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        return doc

    async def delete_preset(self, user_id: str, name: str) -> bool:
        result = await self.presets.delete_one({"_id": f"{user_id}:{name}"})
        return result.deleted_count == 1
