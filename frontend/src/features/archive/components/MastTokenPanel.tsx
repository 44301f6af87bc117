import { useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { errorMessage } from '@/lib/api/errors';
import { formatDate } from '@/lib/format';
import { useClearMastToken, useMastToken, useSetMastToken } from '../hooks/useArchive';

export const MAST_TOKEN_SECTION = 'mast-token';

/**
 * Your MAST API token, for exclusive-access data of your programmes: set it (the archive checks
 * it first) or forget it. The server never shows it again, only whether one is stored.
 */
export function MastTokenPanel() {
  const status = useMastToken(true);
  const save = useSetMastToken();
  const clear = useClearMastToken();
  const [token, setToken] = useState('');
  const [said, setSaid] = useState('');

  return (
    <section className="panel mast-token" id={MAST_TOKEN_SECTION} aria-labelledby="mast-token-title">
      <h2 id="mast-token-title">Exclusive-access data</h2>
      <p className="muted">
        New observations are in exclusive access for a while: only the programme's team may download them. If you are on
        the team, store your MAST API token (made in your MAST account); it is kept encrypted and used only for your own
        imports.
      </p>
      {status.isError && <ErrorNotice error={status.error} onRetry={() => void status.refetch()} />}
      <p role="status" aria-live="polite">
        {status.data?.set
          ? `A MAST API token is stored${status.data.name ? ` (${status.data.name})` : ''}, since ${formatDate(status.data.set_at)}.`
          : status.data
            ? 'No MAST API token is stored.'
            : ''}{' '}
        {said}
      </p>
      <form
        className="form__row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          save.mutate(token.trim(), {
            onSuccess: () => {
              setToken('');
              setSaid('The archive accepted the token.');
            },
            onError: () => setSaid(''),
          });
        }}
      >
        <div className="field">
          <label htmlFor="mast-token-input">MAST API token</label>
          <input
            id="mast-token-input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
        </div>
        {save.isError && (
          <p className="field__error" role="alert">
            {errorMessage(save.error)}
          </p>
        )}
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={!token.trim() || save.isPending}>
            {status.data?.set ? 'Replace the token' : 'Store the token'}
          </button>
          {status.data?.set && (
            <button
              type="button"
              className="btn"
              disabled={clear.isPending}
              onClick={() => clear.mutate(undefined, { onSuccess: () => setSaid('The token was forgotten.') })}
            >
              Forget the token
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
