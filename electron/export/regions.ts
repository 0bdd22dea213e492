/**
 * DS9 region files (format 4.1, as DS9, Aladin and astropy-regions read them):
 * one fk5 circle per source, labelled, with free text in tags. Lines starting
 * with `#` are comments there, so provenance rides along at the top.
 */

export interface RegionCircle {
  /** ICRS degrees (fk5 in DS9 is J2000; the difference is far below a plate's astrometry). */
  ra: number;
  dec: number;
  radiusArcsec: number;
  /** Shown beside the circle. */
  text: string;
  color: string;
  /** Extra text carried with the region (DS9 shows it in the region's dialog and groups by it). */
  tags: string[];
  /** Drawn dashed: context rather than a candidate. */
  dashed?: boolean;
}

/**
 * One line of region text: a line break would end the region, and astropy-regions
 * splits lines at `;` (DS9's region separator) even inside comments and braces.
 */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/;/g, ',');
}

/** A region property value in braces (a brace inside would end it early). */
function braced(s: string): string {
  return `{${oneLine(s).replace(/\{/g, '(').replace(/\}/g, ')')}}`;
}

export function formatDs9Regions(comments: string[], circles: Iterable<RegionCircle>): string {
  const out = ['# Region file format: DS9 version 4.1', ...comments.map((c) => `# ${oneLine(c)}`), 'fk5'];
  for (const c of circles) {
    if (!Number.isFinite(c.ra) || !Number.isFinite(c.dec)) throw new Error(`DS9 regions: "${c.text}" has no sky position`);
    const props = [`color=${c.color}`, ...(c.dashed ? ['dash=1'] : []), `text=${braced(c.text)}`, ...c.tags.filter(Boolean).map((t) => `tag=${braced(t)}`)];
    out.push(`circle(${c.ra.toFixed(8)},${c.dec.toFixed(8)},${c.radiusArcsec}") # ${props.join(' ')}`);
  }
  return out.join('\n') + '\n';
}
