import { formatNumber } from '@/lib/format';
import type { RegionStats } from '../../api/analysisTypes';

/** A region's statistics (photutils ApertureStats conventions; see the guide). */
export function RegionStatsTable({ stats }: { stats: RegionStats }) {
  const u = stats.bunit ? ` ${stats.bunit}` : '';
  const rows: Array<[string, string]> = [
    ['Pixels', String(stats.pixels)],
    ['NaN pixels', String(stats.nan_pixels)],
    ['Sum', formatNumber(stats.sum) + u],
    ['Mean', formatNumber(stats.mean) + u],
    ['Median', formatNumber(stats.median) + u],
    ['Std', formatNumber(stats.std) + u],
    ['Min', formatNumber(stats.min) + u],
    ['Max', formatNumber(stats.max) + u],
    ...Object.entries(stats.percentiles).map(([q, v]): [string, string] => [`${q}th percentile`, formatNumber(v) + u]),
    ['Area', stats.area_arcsec2 !== null ? `${formatNumber(stats.area_arcsec2)} arcsec²` : `${formatNumber(stats.area_pix)} px²`],
  ];
  if (stats.flux_jy !== null) rows.push(['Flux density', `${formatNumber(stats.flux_jy)} ± ${formatNumber(stats.flux_jy_err)} Jy`]);
  return (
    <table className="table table--dense" data-testid="region-stats">
      <caption>Region statistics</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td data-field={k}>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
