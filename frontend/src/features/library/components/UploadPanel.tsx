import { useRef, useState } from 'react';
import { ProgressBar } from '@/components/ProgressBar';
import { formatBytes } from '@/lib/format';
import { isActive, type UploadItem } from '../hooks/useUploads';

const STATUS_TEXT: Record<UploadItem['status'], string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  processing: 'Reading the file…',
  done: 'Added',
  duplicate: 'Already in the library',
  error: 'Failed',
  cancelled: 'Cancelled',
};

interface Props {
  items: UploadItem[];
  onFiles: (files: FileList | File[]) => void;
  onCancel: (key: string) => void;
  onClear: () => void;
}

/** A drop zone (also a keyboard-operable file picker) and the per-file progress list. */
export function UploadPanel({ items, onFiles, onCancel, onClear }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <section className="upload" aria-label="Upload FITS files">
      <div
        className={over ? 'dropzone is-over' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer.files.length) onFiles(e.dataTransfer.files);
        }}
      >
        <p>
          Drop FITS files here, or{' '}
          <button type="button" className="btn btn--small" onClick={() => input.current?.click()}>
            choose files
          </button>
        </p>
        <input
          ref={input}
          type="file"
          multiple
          accept=".fits,.fit,.fts,.gz,application/fits"
          className="sr-only"
          aria-label="Choose FITS files to upload"
          tabIndex={-1}
          onChange={(e) => {
            if (e.target.files?.length) onFiles(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {items.length > 0 && (
        <>
          <ul className="uploads" aria-label="Uploads">
            {items.map((it) => (
              <li key={it.key} className={`upload-item upload-item--${it.status}`}>
                <span className="upload-item__name">{it.name}</span>
                <ProgressBar value={it.status === 'queued' ? 0 : it.size ? it.loaded / it.size : null} label={`Upload of ${it.name}`} />
                <span className="upload-item__status">
                  {STATUS_TEXT[it.status]}
                  {it.status === 'uploading' && ` ${formatBytes(it.loaded)} of ${formatBytes(it.size)}`}
                  {it.error && `: ${it.error}`}
                </span>
                {isActive(it.status) && (
                  <button type="button" className="btn btn--small btn--ghost" onClick={() => onCancel(it.key)} aria-label={`Cancel upload of ${it.name}`}>
                    Cancel
                  </button>
                )}
              </li>
            ))}
          </ul>
          {items.some((it) => !isActive(it.status)) && (
            <button type="button" className="btn btn--small btn--ghost" onClick={onClear}>
              Clear finished
            </button>
          )}
        </>
      )}
    </section>
  );
}
