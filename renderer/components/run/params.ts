/**
 * The run parameters the form offers, with the reference defaults (the
 * replication method: SPREAD_MODEL > -0.01, FWHM 2-7 px at 1.7"/px,
 * ELONGATION < 1.3, symmetry < 2 px, SNR >= 30, 5" red/blue match and veto,
 * Dec >= -30). Keys are the dotted parameter paths of electron/pipeline
 * (filters.*, redBlue.*, catalogue.*); test/renderer checks the defaults
 * against the pipeline's own.
 * Only values that differ from the defaults are sent: the pipeline records
 * its own defaults in summary.json.
 */
export interface ParamSpec {
  key: string;
  label: string;
  unit: string;
  value: number;
  step: number;
  help: string;
}

export const PARAMS: ParamSpec[] = [
  { key: 'filters.spreadModelMin', label: 'SPREAD_MODEL >', unit: '', value: -0.01, step: 0.001, help: 'keep sources above this (published -0.002; -0.01 keeps 97% of VASCO sources with our PSFEx models)' },
  { key: 'filters.fwhmMinPx', label: 'FWHM ≥', unit: 'px', value: 2, step: 0.1, help: 'at 1.7″/px, scaled to the plate' },
  { key: 'filters.fwhmMaxPx', label: 'FWHM ≤', unit: 'px', value: 7, step: 0.1, help: 'at 1.7″/px, scaled to the plate' },
  { key: 'filters.elongationMax', label: 'ELONGATION <', unit: '', value: 1.3, step: 0.05, help: 'rejects streaks and trails' },
  { key: 'filters.symmetryMaxPx', label: 'symmetry <', unit: 'px', value: 2, step: 0.5, help: '|width − height| of the bounding box' },
  { key: 'filters.snrMin', label: 'SNR ≥', unit: '', value: 30, step: 1, help: 'FLUX_AUTO / FLUXERR_AUTO' },
  { key: 'redBlue.radiusArcsec', label: 'red–blue radius', unit: '″', value: 5, step: 0.5, help: 'a red source with a blue one this close is dropped' },
  { key: 'catalogue.vetoRadiusArcsec', label: 'veto radius', unit: '″', value: 5, step: 0.5, help: 'a modern-catalogue counterpart this close drops the candidate' },
  { key: 'catalogue.decMin', label: 'Dec ≥', unit: '°', value: -30, step: 1, help: 'southern boundary of the published search (dec-cut stage)' },
];

export function defaultParams(): Record<string, number> {
  return Object.fromEntries(PARAMS.map((p) => [p.key, p.value]));
}

/** The parameters that differ from the reference defaults. */
export function changedParams(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(PARAMS.filter((p) => values[p.key] !== p.value).map((p) => [p.key, values[p.key]]));
}
