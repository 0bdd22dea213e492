/**
 * The survey's plates, one row each: state, red plate, candidates and how
 * many are reviewed, and the plate's funnel (sources kept after each stage, a
 * bar per stage on a log scale; hover for the counts). A failed plate says
 * why. Clicking a row filters the candidate table to that plate.
 */
import type { SurveyOverview, SurveyPlate } from '../../stores/survey';
import { STATE_COLOURS } from './survey-colours';

type Stage = NonNullable<SurveyPlate['funnel']>[number];

export function MiniFunnel({ stages, max }: { stages: Stage[]; max: number }) {
  const w = 5;
  const h = 22;
  const y = (n: number) => (n > 0 ? (Math.log10(n + 1) / Math.log10(max + 1)) * h : 0);
  return (
    <svg className="mini-funnel" width={stages.length * w} height={h} role="img" aria-label="funnel">
      <title>{stages.map((s) => `${s.name}: ${s.input} → ${s.output}`).join('\n')}</title>
      {stages.map((s, i) => (
        <g key={s.name}>
          <rect x={i * w} y={h - y(s.input)} width={w - 1} height={y(s.input)} className="mini-in" />
          <rect x={i * w} y={h - y(s.output)} width={w - 1} height={y(s.output)} className="mini-out" />
        </g>
      ))}
    </svg>
  );
}

/** A reason as a line of the list: file names without their folders (the whole text is the tooltip). */
const shortReason = (reason: string) => reason.replace(/(^|\s)\/(?:[^/]+\/)+/g, '$1');

export function PlateList({ overview, selected, onPick }: { overview: SurveyOverview; selected: string | null; onPick(plate: string | null): void }) {
  const max = Math.max(1, ...overview.plates.flatMap((p) => (p.funnel ?? []).map((s) => s.input)));
  const sum = (of: (p: SurveyPlate) => number) => overview.plates.reduce((n, p) => n + of(p), 0);
  return (
    <div className="plate-list" data-testid="plate-list">
      <table>
        <thead>
          <tr>
            <th className="left">plate</th>
            <th className="left">state</th>
            <th className="right" title="candidates recorded from this plate">cand.</th>
            <th className="right" title="candidates you have labelled / with any label">reviewed</th>
            <th className="left" title="sources entering (pale) and kept (bright) at each stage, log scale">funnel</th>
          </tr>
        </thead>
        <tbody>
          {overview.plates.map((p) => {
            const first = p.funnel?.[0];
            const last = p.funnel?.at(-1);
            return (
              <tr
                key={p.id}
                data-plate={p.id}
                data-state={p.state}
                className={selected === p.id ? 'selected' : undefined}
                aria-selected={selected === p.id}
                onClick={() => onPick(selected === p.id ? null : p.id)}
              >
                <td className="left">
                  <span className="state-dot" style={{ background: STATE_COLOURS[p.state] }} />
                  <span className="mono">{p.id}</span>
                  {p.region && <span className="muted small"> {p.region}</span>}
                </td>
                <td className="left" title={p.reason ?? ''}>
                  <span style={{ color: STATE_COLOURS[p.state] }}>{p.state}</span>
                  {p.stage && p.state === 'running' && <span className="muted"> · {p.stage}</span>}
                  {p.reason && <div className="plate-reason small">{shortReason(p.reason)}</div>}
                </td>
                <td className="right mono">{p.runId === null ? '—' : p.candidates}</td>
                <td className="right mono">{p.runId === null ? '—' : `${p.mine} / ${p.reviewed}`}</td>
                <td className="left">
                  {p.funnel && first && last ? (
                    <span className="funnel-cell">
                      <MiniFunnel stages={p.funnel} max={max} />
                      <span className="mono small muted">
                        {first.input} → {last.output}
                      </span>
                    </span>
                  ) : (
                    <span className="muted small">not merged</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr className={selected === null ? 'selected' : undefined} onClick={() => onPick(null)} title="every plate: the stages summed">
            <td className="left">all plates</td>
            <td className="left muted">{overview.plates.length} plates</td>
            <td className="right mono">{sum((p) => p.candidates)}</td>
            <td className="right mono">{`${sum((p) => p.mine)} / ${sum((p) => p.reviewed)}`}</td>
            <td className="left">
              {overview.funnel.length > 0 && (
                <span className="funnel-cell">
                  <MiniFunnel stages={overview.funnel} max={Math.max(1, ...overview.funnel.map((s) => s.input))} />
                  <span className="mono small muted">
                    {overview.funnel[0].input} → {overview.funnel.at(-1)!.output}
                  </span>
                </span>
              )}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
