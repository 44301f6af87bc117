import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import { formatBytes } from '@/lib/format';
import type { Observation, Product } from '../api/mast';
import { useImport, useProducts } from '../hooks/useArchive';
import { MAST_TOKEN_SECTION } from './MastTokenPanel';

/** What the panel preselects: the recommended products an import accepts. */
export function preselected(items: Product[]): Set<string> {
  return new Set(items.filter((p) => p.recommended && p.importable).map((p) => p.product_id));
}

/** The body the panel sends: exactly the chosen products, all of which can be imported. */
export function importBody(obs: Observation, items: Product[], chosen: Set<string>) {
  const products = items.filter((p) => chosen.has(p.product_id) && p.importable).map((p) => p.product_id);
  return { obsids: [String(obs.obsid)], products };
}

/**
 * An observation's products, opened right after its card: focus moves to its heading (so it is
 * announced), Escape or × closes it and gives focus back to the button that opened it. The
 * recommended products that can be imported are chosen; the others say why they cannot be.
 */
export function ProductsPanel({ obs, onClose }: { obs: Observation; onClose: () => void }) {
  const [recommendedOnly, setRecommendedOnly] = useState(true);
  const products = useProducts(String(obs.obsid), recommendedOnly);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const imp = useImport();
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = `products-title-${obs.obsid}`;

  useLayoutEffect(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    heading.current?.focus();
  }, []);

  useEffect(() => {
    if (products.data) setChosen(preselected(products.data.items));
  }, [products.data]);

  const close = () => {
    onClose();
    const back = opener.current;
    if (back) requestAnimationFrame(() => back.isConnected && back.focus());
  };

  const toggle = (id: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const items = products.data?.items ?? [];
  const body = importBody(obs, items, chosen);
  const total = items.filter((p) => body.products.includes(p.product_id)).reduce((a, p) => a + (p.size ?? 0), 0);
  const needsToken = items.some((p) => !p.importable && p.data_rights != null && p.data_rights !== 'PUBLIC');

  return (
    <section
      className="products"
      aria-labelledby={titleId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <div className="products__head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          Products of {obs.obs_id}
        </h2>
        <button type="button" className="btn btn--ghost btn--small" onClick={close} aria-label={`Close the products of ${obs.obs_id}`}>
          ×
        </button>
      </div>
      <label className="check">
        <input type="checkbox" checked={recommendedOnly} onChange={(e) => setRecommendedOnly(e.target.checked)} /> Recommended products only
      </label>
      {products.isPending && <Spinner label="Loading products" />}
      {products.isError && <ErrorNotice error={products.error} onRetry={() => void products.refetch()} />}
      {products.data && (
        <>
          <p className="muted" aria-live="polite">
            {items.length} product{items.length === 1 ? '' : 's'}, {body.products.length} chosen
          </p>
          <div className="table-wrap">
            <table className="table table--dense">
              <caption className="sr-only">Products of {obs.obs_id}</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="sr-only">Import</span>
                  </th>
                  <th scope="col">File</th>
                  <th scope="col">Type</th>
                  <th scope="col">Level</th>
                  <th scope="col">Size</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => {
                  const noteId = `why-${obs.obsid}-${p.product_id}`;
                  return (
                    <tr key={p.product_id} className={p.importable ? undefined : 'is-disabled'}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Import ${p.filename}`}
                          aria-describedby={p.importable ? undefined : noteId}
                          checked={chosen.has(p.product_id)}
                          disabled={!p.importable}
                          onChange={() => toggle(p.product_id)}
                        />
                      </td>
                      <td className="mono break">
                        {p.filename}
                        {p.recommended && <span className="badge badge--info">recommended</span>}
                        {!p.importable && p.reason && (
                          <span id={noteId} className="products__why">
                            Cannot be imported: {p.reason}
                          </span>
                        )}
                      </td>
                      <td>{p.subgroup ?? p.product_type}</td>
                      <td>{p.calib_level ?? '—'}</td>
                      <td className="num">{formatBytes(p.size)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {needsToken && (
            <p>
              <a href={`#${MAST_TOKEN_SECTION}`}>Add your MAST API token</a> to import exclusive-access data of your programme.
            </p>
          )}
        </>
      )}
      <div className="form__actions">
        <button
          type="button"
          className="btn btn--primary"
          disabled={body.products.length === 0 || imp.isPending}
          onClick={() => imp.mutate(body, { onSuccess: close })}
        >
          Import {body.products.length} file{body.products.length === 1 ? '' : 's'} ({formatBytes(total)})
        </button>
      </div>
    </section>
  );
}
