import { useState } from 'react';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import type { BulkRequest, Visibility } from '../api/records';

interface Props {
  count: number;
  busy: boolean;
  onAction: (req: Omit<BulkRequest, 'ids'>) => void;
  onClear: () => void;
}

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Actions on the selected records: tag, untag, archive, restore, share, delete. */
export function BulkBar({ count, busy, onAction, onClear }: Props) {
  const [tags, setTags] = useState('');
  const [users, setUsers] = useState('');
  const [visibility, setVisibility] = useState<Visibility | ''>('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (count === 0) return null;
  const tagList = splitList(tags);
  return (
    <section className="bulkbar" aria-label="Bulk actions">
      <p className="bulkbar__count" aria-live="polite">
        {count} selected
      </p>
      <form
        className="bulkbar__group"
        onSubmit={(e) => {
          e.preventDefault();
          if (tagList.length) onAction({ action: 'tag', tags: tagList });
        }}
      >
        <label htmlFor="bulk-tags" className="sr-only">
          Tags (comma separated)
        </label>
        <input id="bulk-tags" placeholder="tags, comma separated" value={tags} onChange={(e) => setTags(e.target.value)} />
        <button type="submit" className="btn btn--small btn--primary" disabled={busy || !tagList.length}>
          Add tags
        </button>
        <button type="button" className="btn btn--small" disabled={busy || !tagList.length} onClick={() => onAction({ action: 'untag', tags: tagList })}>
          Remove tags
        </button>
      </form>
      <div className="bulkbar__group">
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => onAction({ action: 'archive' })}>
          Archive
        </button>
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => onAction({ action: 'unarchive' })}>
          Restore
        </button>
      </div>
      <form
        className="bulkbar__group"
        onSubmit={(e) => {
          e.preventDefault();
          const u = splitList(users);
          onAction({ action: 'share', visibility: visibility || null, users: u.length ? u : null });
        }}
      >
        <label htmlFor="bulk-visibility" className="sr-only">
          Visibility
        </label>
        <select id="bulk-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility | '')}>
          <option value="">Visibility…</option>
          <option value="private">Private</option>
          <option value="shared">Shared</option>
          <option value="public">Public</option>
        </select>
        <label htmlFor="bulk-users" className="sr-only">
          Share with usernames
        </label>
        <input id="bulk-users" placeholder="share with: user, user" value={users} onChange={(e) => setUsers(e.target.value)} />
        <button type="submit" className="btn btn--small" disabled={busy || (!visibility && !splitList(users).length)}>
          Share
        </button>
      </form>
      <div className="bulkbar__group">
        <button type="button" className="btn btn--small btn--danger" disabled={busy} onClick={() => setConfirmDelete(true)}>
          Delete
        </button>
        <button type="button" className="btn btn--small btn--ghost" onClick={onClear}>
          Clear selection
        </button>
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${count} record${count === 1 ? '' : 's'}?`}
        confirmLabel="Delete"
        danger
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          onAction({ action: 'delete' });
        }}
      >
        The files are removed from storage. This cannot be undone.
      </ConfirmDialog>
    </section>
  );
}
