import { useEffect, useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import { formatBytes } from '@/lib/format';
import type { Observation } from '../api/mast';
import { useImport, useProducts } from '../hooks/useArchive';

/** An observation's products: the recommended ones are preselected; import the chosen files. */
export function ProductsPanel({ obs, onClose }: { obs: Observation; onClose: () => void }) {
  const [recommendedOnly, setRecommendedOnly] = useState(true);
  const products = useProducts(obs.obsid, recommendedOnly);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const imp = useImport();

  useEffect(() => {
    if (products.data) setChosen(new Set(products.data.items.filter((p) => p.recommended).map((p) => p.product_id)));
  }, [products.data]);

  const toggle = (id: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const total = (products.data?.items ?? []).filter((p) => chosen.has(p.product_id)).reduce((a, p) => a + (p.size ?? 0), 0);

  return (
    <section className="products" aria-labelledby="products-title">
      <div className="products__head">
        <h2 id="products-title">Products of {obs.obs_id}</h2>
        <button type="button" className="btn btn--ghost btn--small" onClick={onClose} aria-label="Close products">
          ×
        </button>
      </div>
      <label className="check">
        <input type="checkbox" checked={recommendedOnly} onChange={(e) => setRecommendedOnly(e.target.checked)} /> Recommended products only
      </label>
      {products.isPending && <Spinner label="Loading products" />}
      {products.isError && <ErrorNotice error={products.error} onRetry={() => void products.refetch()} />}
      {products.data && (
        <div className="table-wrap">
          <table className="table table--dense">
            <caption className="sr-only">Products</caption>
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
              {products.data.items.map((p) => (
                <tr key={p.product_id}>
                  <td>
                    <input type="checkbox" aria-label={`Import ${p.filename}`} checked={chosen.has(p.product_id)} onChange={() => toggle(p.product_id)} />
                  </td>
                  <td className="mono break">
                    {p.filename}
                    {p.recommended && <span className="badge badge--info">recommended</span>}
                  </td>
                  <td>{p.subgroup ?? p.product_type ?? '—'}</td>
                  <td>{p.calib_level ?? '—'}</td>
                  <td className="num">{formatBytes(p.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="form__actions">
        <button
          type="button"
          className="btn btn--primary"
          disabled={chosen.size === 0 || imp.isPending}
          onClick={() => imp.mutate({ obsids: [String(obs.obsid)], products: [...chosen] }, { onSuccess: onClose })}
        >
          Import {chosen.size} file{chosen.size === 1 ? '' : 's'} ({formatBytes(total)})
        </button>
      </div>
    </section>
  );
}
