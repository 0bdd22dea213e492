/**
 * The modern catalogues a POSS-I candidate is vetoed against: VizieR table
 * names, the columns we ask for, epochs and sky coverage. Table and column
 * names as published by VizieR (checked against their use in astroquery-based
 * code and VizieR URLs).
 */
import type { SimpleTable } from './table';
import { DEC_NAMES, EPOCH_NAMES, ID_NAMES, PMDEC_NAMES, PMRA_NAMES, RA_NAMES, findColumn, numericColumn, stringColumn } from './table';
import type { TapServiceId } from './tap';

export type CatalogId = 'gaia' | 'ps1' | 'ptf' | 'supercosmos' | 'vsx' | 'gsc23' | 'allwise' | '2mass' | 'catwise' | 'ukidss' | 'usnob';

/** Catalogues held by a TAP service and reached by uploading the positions (an ADQL join). */
export interface TapAccess {
  kind: 'tap';
  service: TapServiceId;
  table: string;
}

/**
 * How a catalogue is reached: `vizier` follows --veto (CDS XMatch upload or
 * VizieR cones); `vizier-cone` always asks VizieR for cones (small
 * catalogues); a TAP access uploads the positions to that service.
 */
export type CatalogAccess = 'vizier' | 'vizier-cone' | TapAccess;

export interface CatalogDef {
  id: CatalogId;
  label: string;
  /** VizieR table, also the XMatch `vizier:` identifier (for a TAP catalogue: its table there, for messages and cache keys). */
  vizier: string;
  ra: string;
  dec: string;
  idColumn?: string;
  magColumn?: string;
  pmra?: string;
  pmdec?: string;
  /** Column holding the position epoch, when the table has one. */
  epochColumn?: string;
  /** Epoch of the positions (Julian year) when they move; null: no motion applied. */
  epoch: number | null;
  /** Southern limit of the survey, degrees (Pan-STARRS: -30). */
  decMin?: number;
  group: 'primary' | 'ir' | 'optional';
  /** Default 'vizier'. */
  access?: CatalogAccess;
  /** Cell of the sky grid VizieR cones are asked in, degrees (default 0.5); larger for sparse catalogues, fewer requests. */
  coneCellDeg?: number;
  note?: string;
}

export const CATALOGS: Record<CatalogId, CatalogDef> = {
  gaia: {
    id: 'gaia',
    label: 'Gaia EDR3',
    vizier: 'I/350/gaiaedr3',
    ra: 'RA_ICRS',
    dec: 'DE_ICRS',
    idColumn: 'Source',
    magColumn: 'Gmag',
    pmra: 'pmRA',
    pmdec: 'pmDE',
    epochColumn: 'Epoch',
    epoch: 2016.0,
    group: 'primary',
  },
  ps1: {
    id: 'ps1',
    label: 'Pan-STARRS DR2',
    vizier: 'II/389/ps1_dr2',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: 'objID',
    magColumn: 'rmag',
    epoch: null,
    decMin: -30,
    group: 'primary',
  },
  ptf: {
    id: 'ptf',
    label: 'PTF objects (IRSA)',
    vizier: 'ptf_objects',
    ra: 'ra',
    dec: 'dec',
    idColumn: 'oid',
    epoch: null,
    group: 'primary',
    access: { kind: 'tap', service: 'irsa', table: 'ptf_objects' },
    note: 'Palomar Transient Factory objects (2009-2017) with at least --ptf-min-good good observations (ngoodobs), as in Solano et al. (2022).',
  },
  supercosmos: {
    id: 'supercosmos',
    label: 'SuperCOSMOS (GAVO supercosmos.sources)',
    vizier: 'supercosmos.sources',
    ra: 'raj2000',
    dec: 'dej2000',
    idColumn: 'objid',
    epoch: null,
    group: 'primary',
    access: { kind: 'tap', service: 'gavo', table: 'supercosmos.sources' },
    note: 'The SuperCOSMOS Sky Survey merged source table (B, R1 = POSS-I E, R2, I plates). With --supercosmos-role confirm (the published method) a candidate needs an R1 detection, i.e. a second scan of the same POSS-I plate; with veto a detection on a later plate (B, R2, I) drops it.',
  },
  vsx: {
    id: 'vsx',
    label: 'VSX variable stars (B/vsx)',
    vizier: 'B/vsx/vsx',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: 'Name',
    magColumn: 'max',
    epoch: null,
    group: 'optional',
    access: 'vizier-cone',
    coneCellDeg: 2, // about 250 variables a square degree: a 2-degree cell is a small answer, and a plate needs ~20 of them, not ~200
    note: 'AAVSO International Variable Star Index through VizieR; not part of the published method (a variable star is a real, persistent source, so the published catalogue may hold some).',
  },
  gsc23: {
    id: 'gsc23',
    label: 'GSC 2.3 (I/305/out)',
    vizier: 'I/305/out',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: 'GSC2.3',
    magColumn: 'Fmag',
    epoch: null,
    group: 'optional',
    note: 'VizieR I/305/out is the Guide Star Catalog 2.3.2, built from second-epoch (POSS-II/SERC) plate scans; it stood in for SuperCOSMOS before the TAP veto.',
  },
  allwise: {
    id: 'allwise',
    label: 'AllWISE',
    vizier: 'II/328/allwise',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: 'AllWISE',
    magColumn: 'W1mag',
    epoch: null,
    group: 'ir',
  },
  '2mass': {
    id: '2mass',
    label: '2MASS',
    vizier: 'II/246/out',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: '2MASS',
    magColumn: 'Jmag',
    epoch: null,
    group: 'ir',
  },
  catwise: {
    id: 'catwise',
    label: 'CatWISE2020',
    vizier: 'II/365/catwise',
    ra: 'RA_ICRS',
    dec: 'DE_ICRS',
    idColumn: 'Name',
    magColumn: 'W1mproPM',
    epoch: null,
    group: 'ir',
  },
  ukidss: {
    id: 'ukidss',
    label: 'UKIDSS-LAS DR9',
    vizier: 'II/319/las9',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    magColumn: 'Jmag1',
    epoch: null,
    group: 'ir',
  },
  usnob: {
    id: 'usnob',
    label: 'USNO-B1.0',
    vizier: 'I/284/out',
    ra: 'RAJ2000',
    dec: 'DEJ2000',
    idColumn: 'USNO-B1.0',
    magColumn: 'R1mag',
    epoch: null,
    group: 'optional',
    note: 'USNO-B1.0 includes POSS-I measurements themselves; vetoing with it removes real POSS-I-only sources.',
  },
};

export const CATALOG_IDS = Object.keys(CATALOGS) as CatalogId[];

/** Gaia, Pan-STARRS, PTF and SuperCOSMOS always; IR (--ir) and USNO-B (--usnob) on request, VSX and GSC 2.3 with --catalogs. */
export function defaultCatalogs(o: { ir?: boolean; usnob?: boolean } = {}): CatalogId[] {
  return CATALOG_IDS.filter((id) => {
    const g = CATALOGS[id].group;
    return g === 'primary' || (g === 'ir' && o.ir) || (id === 'usnob' && o.usnob);
  });
}

export function isCatalogId(s: string): s is CatalogId {
  return (CATALOG_IDS as string[]).includes(s);
}

/** Columns asked from VizieR: position, motion, epoch, id, magnitude. */
export function queryColumns(def: CatalogDef): string[] {
  return [def.ra, def.dec, def.pmra, def.pmdec, def.epochColumn, def.idColumn, def.magColumn].filter(
    (c): c is string => !!c,
  );
}

/** Why a catalogue cannot help on this plate at all, or null. */
export function coverageGap(def: CatalogDef, plateCentre: { dec: number }, plateRadiusDeg: number): string | null {
  if (def.decMin !== undefined && plateCentre.dec + plateRadiusDeg < def.decMin) {
    return `${def.label} has no coverage south of Dec ${def.decMin}; the whole plate lies below it`;
  }
  return null;
}

/** Positions, motions, ids and magnitudes pulled from any table (VizieR, XMatch answer, local file). */
export interface CatalogRows {
  ra: Float64Array;
  dec: Float64Array;
  pmra: Float64Array | null;
  pmdec: Float64Array | null;
  epoch: Float64Array | null;
  id: string[];
  mag: Float64Array;
}

export function extractRows(def: CatalogDef, table: SimpleTable): CatalogRows | { error: string } {
  const ra = findColumn(table, [def.ra, ...RA_NAMES]);
  const dec = findColumn(table, [def.dec, ...DEC_NAMES]);
  if (ra < 0 || dec < 0) {
    return {
      error: `no ${ra < 0 ? 'RA' : 'Dec'} column (looked for ${def.ra}/${def.dec} and the usual names; columns: ${table.columns
        .map((c) => c.name)
        .join(', ')})`,
    };
  }
  const moving = def.epoch !== null;
  const pmra = moving ? findColumn(table, [def.pmra ?? 'pmRA', ...PMRA_NAMES]) : -1;
  const pmdec = moving ? findColumn(table, [def.pmdec ?? 'pmDE', ...PMDEC_NAMES]) : -1;
  const epoch = moving ? findColumn(table, [def.epochColumn ?? 'Epoch', ...EPOCH_NAMES]) : -1;
  const id = findColumn(table, def.idColumn ? [def.idColumn, ...ID_NAMES] : [...ID_NAMES]);
  const mag = findColumn(table, def.magColumn ? [def.magColumn, 'phot_g_mean_mag', 'mag'] : ['mag']);
  const ids = id >= 0 ? stringColumn(table, id) : table.rows.map((_, i) => `row ${i + 1}`);
  return {
    ra: numericColumn(table, ra),
    dec: numericColumn(table, dec),
    pmra: pmra >= 0 ? numericColumn(table, pmra) : null,
    pmdec: pmdec >= 0 ? numericColumn(table, pmdec) : null,
    epoch: epoch >= 0 ? numericColumn(table, epoch) : null,
    id: ids,
    mag: numericColumn(table, mag),
  };
}
