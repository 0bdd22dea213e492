/** Colours of the survey view: a plate's state, a candidate's label on the map. */
import type { ReviewLabel } from '../../../electron/store/labels';
import type { SurveyPlate } from '../../stores/survey';

export const STATE_COLOURS: Record<SurveyPlate['state'], string> = {
  done: '#4ade80',
  failed: '#ff6b6b',
  running: '#f5b748',
  queued: '#5eb3f0',
  planned: '#8d99ae',
};

/** Unreviewed candidates stand out in white; a transient in amber; every other label (an artefact) muted. */
export function labelColour(label: ReviewLabel | null): string {
  if (label === null) return '#f4f6f8';
  if (label === 'transient') return '#ffb020';
  if (label === 'unsure') return '#c77dff';
  return '#5b6572';
}
