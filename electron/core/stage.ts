/** Conventions shared by every long-running stage (see DESIGN.md). */

export interface Progress {
  /** Stage name as it appears in summary.json, e.g. "extract-red". */
  stage: string;
  /** 0..1 within the stage. */
  fraction: number;
  /** Seconds left in this stage, when it can tell. */
  etaSeconds?: number;
  message?: string;
  /** On a stage's last report: what it did ("2431 -> 1210", or why it was skipped). */
  outcome?: string;
}

export interface StageContext {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** One line of human-readable log (tool stderr, decisions). */
  log?: (line: string) => void;
  /** Something the person should know now, not only in the log (e.g. what a plate without DATE-OBS cannot do). */
  warn?: (line: string) => void;
}
