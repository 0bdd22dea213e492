/** Number and angle formatting for the UI: fixed widths so columns never jump. */

export function fmt(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** RA in degrees -> "HH:MM:SS.ss". */
export function raHms(raDeg: number, secDigits = 2): string {
  if (!Number.isFinite(raDeg)) return '—';
  const totalSec = (((raDeg % 360) + 360) % 360) / 15 * 3600;
  const scale = 10 ** secDigits;
  let s = Math.round(totalSec * scale) / scale;
  if (s >= 86400) s -= 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${sec.toFixed(secDigits).padStart(secDigits + 3, '0')}`;
}

/** Dec in degrees -> "+DD:MM:SS.s". */
export function decDms(decDeg: number, secDigits = 1): string {
  if (!Number.isFinite(decDeg)) return '—';
  const sign = decDeg < 0 ? '-' : '+';
  const scale = 10 ** secDigits;
  const s = Math.round(Math.abs(decDeg) * 3600 * scale) / scale;
  const d = Math.floor(s / 3600);
  const m = Math.floor((s - d * 3600) / 60);
  const sec = s - d * 3600 - m * 60;
  return `${sign}${pad(d, 2)}:${pad(m, 2)}:${sec.toFixed(secDigits).padStart(secDigits + 3, '0')}`;
}

/** Seconds -> "1h 02m", "3m 05s", "42s". */
export function duration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60), 2)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60, 2)}s`;
  return `${s}s`;
}

/** Julian epoch -> "J1951.510". */
export function epoch(julian: number | null | undefined): string {
  return julian === null || julian === undefined ? 'epoch ?' : `J${julian.toFixed(3)}`;
}
