/**
 * The review taxonomy for candidates on photographic plates. Browser-safe (no
 * Node imports): the React renderer draws its label buttons and keyboard keys
 * from this list, the store checks labels against it.
 *
 * Keys: digits 1-9 then 0, then letters chosen to stay clear of keys a review
 * screen is likely to use for itself (b blink, u undo, j/k next/previous).
 */
export type ReviewLabel =
  | 'transient'
  | 'emulsion_defect'
  | 'dust_or_scratch'
  | 'halo_or_ghost'
  | 'diffraction_spike'
  | 'satellite_or_plane_trail'
  | 'plate_edge'
  | 'asteroid'
  | 'variable_star'
  | 'high_proper_motion'
  | 'blend'
  | 'unsure';

export interface ReviewLabelInfo {
  label: ReviewLabel;
  title: string;
  /** Keyboard key that sets this label in the review screen. */
  key: string;
  /** One line for tooltips: what on the plate earns this label. */
  description: string;
}

export const REVIEW_LABELS: readonly ReviewLabelInfo[] = [
  { label: 'transient', title: 'Transient candidate', key: '1', description: 'star-like image on the red plate with nothing at its place on the blue plate or in modern surveys' },
  { label: 'emulsion_defect', title: 'Emulsion defect', key: '2', description: 'flaw in the photographic emulsion: sharp-edged, not star-shaped, no wings' },
  { label: 'dust_or_scratch', title: 'Dust or scratch', key: '3', description: 'dust grain, hair or scratch on the plate or the scanner glass' },
  { label: 'halo_or_ghost', title: 'Halo or ghost', key: '4', description: 'part of a bright star\'s halo or an internal reflection ghost' },
  { label: 'diffraction_spike', title: 'Diffraction spike', key: '5', description: 'knot on the diffraction spike of a bright star' },
  { label: 'satellite_or_plane_trail', title: 'Satellite or plane trail', key: '6', description: 'segment of a trail crossing the plate' },
  { label: 'plate_edge', title: 'Plate edge', key: '7', description: 'artefact of the plate edge, label or scan border' },
  { label: 'asteroid', title: 'Asteroid', key: '8', description: 'known or likely minor planet at the plate epoch' },
  { label: 'variable_star', title: 'Variable star', key: '9', description: 'a real star that was brighter at the plate epoch' },
  { label: 'high_proper_motion', title: 'High proper motion', key: '0', description: 'a star that has since moved away from this position' },
  { label: 'blend', title: 'Blend', key: 'l', description: 'two or more sources blended into one detection' },
  { label: 'unsure', title: 'Unsure', key: 'q', description: 'cannot tell; needs another look or another reviewer' },
];

const byName = new Map(REVIEW_LABELS.map((l) => [l.label as string, l]));

export function isReviewLabel(value: unknown): value is ReviewLabel {
  return typeof value === 'string' && byName.has(value);
}

export function reviewLabelInfo(label: ReviewLabel): ReviewLabelInfo {
  return byName.get(label)!;
}

/** The label a keyboard key sets, or null. */
export function labelForKey(key: string): ReviewLabel | null {
  return REVIEW_LABELS.find((l) => l.key === key)?.label ?? null;
}
