/**
 * A survey opened for review: the plates on the sky by state with the
 * candidates on them, the plate list with each plate's funnel, and the
 * candidate table across plates. A plate picked on the map or in the list
 * filters the table (the Review view shows the same table and filters, with
 * the cutouts and the flag keys).
 */
import { useEffect } from 'react';
import { useCandidates } from '../../stores/candidates';
import { useNotices } from '../../stores/notices';
import { useReview } from '../../stores/review';
import { useSelection } from '../../stores/selection';
import { useSession } from '../../stores/session';
import { useSurvey } from '../../stores/survey';
import { CandidateTable } from '../candidate/CandidateTable';
import { FilterBar } from '../candidate/FilterBar';
import { PlateList } from './PlateList';
import { SurveyMap } from './SurveyMap';
import { STATE_COLOURS } from './survey-colours';
import './survey.css';

const pickPlate = (plate: string | null) => useCandidates.getState().setFilter({ plate });

/** A dot on the map: select that candidate in the table (its plate's, when the table shows another plate). */
async function pickCandidate(id: number, plate: string | null): Promise<void> {
  const current = useCandidates.getState().filter.plate;
  if (current !== null && current !== plate) pickPlate(plate);
  const { index } = await useCandidates.getState().locate(id);
  if (index !== null) await useSelection.getState().select(index);
  else useNotices.getState().say(`#${id} is hidden by the table's filters`);
}

export function SurveyView() {
  const overview = useSurvey((s) => s.overview);
  const plate = useCandidates((s) => s.filter.plate);
  const progress = useReview((s) => s.progress);
  const candidateId = useSelection((s) => s.id);
  // Labels given meanwhile recolour the map and the counts.
  useEffect(() => {
    void useSurvey.getState().load();
  }, [progress?.reviewed]);

  if (!overview) return <div className="placeholder big">This workspace is not a survey's store.</div>;
  const states = (Object.keys(overview.counts) as (keyof typeof overview.counts)[]).filter((k) => overview.counts[k] > 0);
  const m = overview.merge;
  return (
    <div className="survey-view">
      <div className="survey-side">
        <header className="survey-head">
          <h3>Survey</h3>
          <span className="mono small ellipsis" title={`${overview.dir}\n${overview.selection}`}>
            {overview.dir}
          </span>
          <span className="survey-counts small" data-testid="survey-counts">
            {states.map((k) => (
              <span key={k} className="state-count">
                <span className="state-dot" style={{ background: STATE_COLOURS[k] }} />
                {overview.counts[k]} {k}
              </span>
            ))}
            {m && (
              <span className="muted" title="candidates of the merged plates, and after joining the same sky position (within 5″) seen on overlapping plates">
                · {m.plateCandidates} candidates, {m.candidates} distinct positions
              </span>
            )}
          </span>
        </header>
        <SurveyMap overview={overview} selected={plate} onPick={pickPlate} candidateId={candidateId} onPickCandidate={(id, p) => void pickCandidate(id, p)} />
        <PlateList overview={overview} selected={plate} onPick={pickPlate} />
      </div>
      <div className="table-area">
        <div className="table-toolbar">
          <FilterBar />
          <button title="cutouts, blink and the flag keys for the selected candidate" onClick={() => useSession.getState().setView('review')}>
            Review ▸
          </button>
        </div>
        <CandidateTable />
      </div>
    </div>
  );
}
