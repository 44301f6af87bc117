import { useState } from 'react';
import type { RecordOut, RecordPatch } from '../api/record';
import { usePatchRecord } from '../hooks/useRecord';

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The owner's edits: description, tags, visibility, sharing, archived. */
export function EditPanel({ record }: { record: RecordOut }) {
  const patch = usePatchRecord(record.id);
  const [description, setDescription] = useState(record.description);
  const [tags, setTags] = useState(record.tags.join(', '));
  const [visibility, setVisibility] = useState(record.visibility);
  const [sharedWith, setSharedWith] = useState(record.shared_with.join(', '));

  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    const body: RecordPatch = { description, tags: splitList(tags), visibility };
    const users = splitList(sharedWith);
    if (users.join(',') !== record.shared_with.join(',')) body.shared_with = users;
    patch.mutate(body);
  };

  return (
    <form className="form form--wide" onSubmit={onSubmit}>
      <div className="field">
        <label htmlFor="rec-description">Description</label>
        <textarea id="rec-description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="rec-tags">Tags (comma separated)</label>
        <input id="rec-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
      </div>
      <div className="form__row">
        <div className="field">
          <label htmlFor="rec-visibility">Visibility</label>
          <select id="rec-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as RecordOut['visibility'])}>
            <option value="private">Private</option>
            <option value="shared">Shared</option>
            <option value="public">Public</option>
          </select>
        </div>
        <div className="field field--grow">
          <label htmlFor="rec-shared">Shared with (usernames)</label>
          <input id="rec-shared" value={sharedWith} onChange={(e) => setSharedWith(e.target.value)} />
        </div>
      </div>
      <div className="form__actions">
        <button type="submit" className="btn btn--primary" disabled={patch.isPending}>
          Save
        </button>
        <button type="button" className="btn" disabled={patch.isPending} onClick={() => patch.mutate({ archived: !record.archived })}>
          {record.archived ? 'Restore from archive' : 'Archive'}
        </button>
      </div>
    </form>
  );
}
