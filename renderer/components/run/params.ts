/**
 * The run parameters the form offers: every parameter of
 * electron/pipeline/parameter-schema.ts with its default (the reference
 * method), limits or choices, unit and help text, so the form, `vasco run
 * --help` and pipeline.start's checks cannot drift apart. Keys are the dotted
 * parameter paths (filters.*, redBlue.*, catalogue.*, extraction.*).
 * Only values that differ from the defaults are sent: the pipeline records
 * its own defaults in summary.json.
 */
import { RUN_PARAMETER_LIST, type RunParameter } from '../../../electron/pipeline/parameter-schema';

export type ParamValue = number | string | boolean;

export interface ParamSpec {
  key: string;
  label: string;
  unit: string;
  /** The default. */
  value: ParamValue;
  kind: RunParameter['kind'];
  /** Number fields: step and limits (no max: unbounded). */
  step?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  /** Word fields: the words allowed. */
  choices?: readonly string[];
  help: string;
}

function toSpec(p: RunParameter): ParamSpec {
  const common = { key: p.key, label: p.label, unit: p.unit, value: p.default, kind: p.kind, help: p.description.replace(/\n/g, '; ') + (p.note ? ` (${p.note})` : '') };
  if (p.kind === 'number') return { ...common, step: p.step, min: p.min, max: p.max, integer: p.integer };
  if (p.kind === 'choice') return { ...common, choices: p.choices };
  return common;
}

export const PARAMS: ParamSpec[] = RUN_PARAMETER_LIST.map(toSpec);

export function defaultParams(): Record<string, ParamValue> {
  return Object.fromEntries(PARAMS.map((p) => [p.key, p.value]));
}

/** The parameters that differ from the reference defaults. */
export function changedParams(values: Record<string, ParamValue>): Record<string, ParamValue> {
  return Object.fromEntries(PARAMS.filter((p) => values[p.key] !== p.value).map((p) => [p.key, values[p.key]]));
}
