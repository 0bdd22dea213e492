/**
 * The veto stage with the strongest peer's vetoes, online against answers
 * shaped like the real services' on 127.0.0.1: SuperCOSMOS (GAVO TAP) in both
 * roles, PTF objects (IRSA TAP) with the good-observation minimum, VSX
 * variable stars (VizieR B/vsx/vsx cones). Each drops exactly the candidates
 * its served rows say, with its own reason and the counterpart in the ledger;
 * offline each is skipped and said to be.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../electron/catalogs/http';
import { vetoStage, type VetoOptions } from '../../../electron/pipeline/veto';
import { startRecordedServer, type RecordedServer } from '../../helpers/recorded-server';
import { candidate, offsetBy } from '../pipeline/synthetic';
import { gavoSupercosmosAnswer, irsaPtfAnswer, readTapRequest, vizierVsxAnswer, type ScosRow } from './tap-answers';

const VOT = { 'content-type': 'application/x-votable+xml' };
const dir = mkdtempSync(join(tmpdir(), 'vasco-peer-vetoes-'));

/** 12 candidates on a 0.05 deg grid; candidate k's fate is set by k % 4 below. */
const cands = () => Array.from({ length: 12 }, (_, k) => candidate(k + 1, 150 + 0.05 * (k % 4), 20 + 0.05 * Math.floor(k / 4)));
const pos = new Map(cands().map((c) => [c.id, [c.ra, c.dec] as const]));

describe('SuperCOSMOS, PTF and VSX vetoes against served answers', () => {
  let srv: RecordedServer;
  let base: VetoOptions;
  beforeAll(async () => {
    srv = await startRecordedServer();
    process.env.VASCO_VIZIER_URL = `${srv.url}/viz-bin/votable`;
    // SuperCOSMOS: an R1 source 1.5" from candidates 1-8; candidates 5 and 6 also seen on a later R2 plate 2" away.
    srv.route('/gavo/sync', (req) => {
      const { form, positions } = readTapRequest(req);
      const confirm = form.QUERY.value.includes('c.objidr1 IS NOT NULL)');
      const rows: ScosRow[] = [];
      for (const p of positions) {
        const cand = [...pos].find(([, [ra, dec]]) => Math.abs(ra - p.ra) < 1e-9 && Math.abs(dec - p.dec) < 1e-9)![0];
        if (confirm && cand <= 8) rows.push({ uploadId: p.id, ...at(p, 1.5, 30), b: null, r1: 5000 + cand, r2: null, i: null });
        if (!confirm && (cand === 5 || cand === 6)) rows.push({ uploadId: p.id, ...at(p, 2, 200), b: null, r1: null, r2: 6000 + cand, i: null });
      }
      return { body: gavoSupercosmosAnswer(rows, form.QUERY.value), headers: VOT };
    });
    // PTF: an object 3" from candidate 2 (ngoodobs 12); the service applies the query's minimum, as IRSA does.
    srv.route('/irsa/sync', (req) => {
      const { form, positions } = readTapRequest(req);
      const min = Number(/ngoodobs >= (\d+)/.exec(form.QUERY.value)![1]);
      const rows = positions
        .filter((p) => Math.abs(p.ra - pos.get(2)![0]) < 1e-9 && Math.abs(p.dec - pos.get(2)![1]) < 1e-9 && 12 >= min)
        .map((p) => ({ uploadId: p.id, oid: 35020000000002, ...radec(p, 3, 120), ngoodobs: 12 }));
      return { body: irsaPtfAnswer(rows, form.QUERY.value), headers: VOT };
    });
    // VSX: a variable 4" from candidate 3 and one 6" from candidate 7 (outside 5"), in every cone asked.
    srv.route('/viz-bin/votable', (req) => {
      if (req.url.searchParams.get('-source') !== 'B/vsx/vsx') return { status: 400, body: 'wrong table' };
      const v3 = offsetBy(...pos.get(3)!, 4, 10);
      const v7 = offsetBy(...pos.get(7)!, 6, 10);
      return { body: vizierVsxAnswer([{ Name: 'V0123 Leo', RAJ2000: v3[0], DEJ2000: v3[1], max: 14.2 }, { Name: 'NSVS 1234567', RAJ2000: v7[0], DEJ2000: v7[1], max: 15.1 }]), headers: VOT };
    });
    base = {
      mode: 'xmatch', catalogs: ['ptf', 'supercosmos', 'vsx'], localFiles: {}, radiusArcsec: 5, epochJulian: 1953.7, plateCentre: { ra: 150.1, dec: 20.1 },
      plateRadiusDeg: 3.2, cacheDir: join(dir, 'cache'), offline: false, tapUrls: { gavo: `${srv.url}/gavo`, irsa: `${srv.url}/irsa` },
      http: new HttpClient({ timeoutMs: 5000, retries: 1, backoffBaseMs: 5, minIntervalMs: 0 }),
    };
  });
  afterAll(async () => {
    delete process.env.VASCO_VIZIER_URL;
    await srv.close();
  });

  function at(p: { ra: number; dec: number }, sep: number, pa: number) {
    const [raj2000, dej2000] = offsetBy(p.ra, p.dec, sep, pa);
    return { raj2000, dej2000 };
  }
  function radec(p: { ra: number; dec: number }, sep: number, pa: number) {
    const [ra, dec] = offsetBy(p.ra, p.dec, sep, pa);
    return { ra, dec };
  }
  const droppedBy = (c: ReturnType<typeof cands>[number]) => c.ledger.find((e) => e.dropped);

  it('confirm (published): PTF drops its match, SuperCOSMOS the unconfirmed, VSX its variable; the rest stay', async () => {
    const c = cands();
    const n0 = srv.requests.length;
    const r = await vetoStage(c, base, { log: () => {} });
    // VSX is sparse: VizieR is asked in 2-degree cells (a cone of ~1.4 deg radius), so a plate needs few requests.
    const cones = srv.requests.slice(n0).filter((q) => q.url.pathname === '/viz-bin/votable');
    expect(cones.length).toBeGreaterThan(0);
    for (const q of cones) expect(Number(q.url.searchParams.get('-c.rd'))).toBeGreaterThan(1);
    // PTF: 2. SuperCOSMOS (confirm): 9-12 have no R1 source. VSX: 3 (7's variable is 6" away).
    expect(r.vetoed.map((s) => s.id).sort((a, b) => a - b)).toEqual([2, 3, 9, 10, 11, 12]);
    expect(r.kept.map((s) => s.id)).toEqual([1, 4, 5, 6, 7, 8]);
    expect(r.count.dropped).toEqual({ ptf: 1, supercosmos: 4, vsx: 1 });
    expect(droppedBy(c[1])).toMatchObject({ stage: 'veto', reason: 'ptf', counterpart: '35020000000002' });
    expect(droppedBy(c[1])!.distanceArcsec!).toBeCloseTo(3, 3);
    expect(droppedBy(c[1])!.detail).toMatch(/PTF objects \(IRSA\) counterpart 35020000000002 at 3\.00" \(<= 5", ngoodobs >= 1; IRSA TAP upload join\)/);
    expect(droppedBy(c[8])).toMatchObject({ reason: 'supercosmos' });
    expect(droppedBy(c[8])!.detail).toMatch(/no POSS-I E \(R1\) source within 5": not confirmed by a second scan of the plate \(GAVO TAP upload join\)/);
    expect(droppedBy(c[2])).toMatchObject({ reason: 'vsx', counterpart: 'V0123 Leo', counterpartMag: 14.2 });
    expect(droppedBy(c[2])!.detail).toMatch(/VizieR cone/);
    // The confirmed carry their SuperCOSMOS source as a kept note.
    const note = c[0].ledger.find((e) => e.reason === 'supercosmos_confirmed')!;
    expect(note).toMatchObject({ dropped: false, counterpart: '5001' });
    expect(note.distanceArcsec!).toBeCloseTo(1.5, 3);
    expect(c[6].ledger.some((e) => e.dropped)).toBe(false);
  });

  it('veto role: a source on a later plate drops the candidate; PTF with a higher minimum lets its object go', async () => {
    const c = cands();
    const r = await vetoStage(c, { ...base, catalogs: ['supercosmos', 'ptf'], tap: { supercosmosRole: 'veto', ptfMinGoodObs: 20 } }, {});
    expect(r.vetoed.map((s) => s.id).sort((a, b) => a - b)).toEqual([5, 6]);
    expect(r.count.dropped).toEqual({ supercosmos: 2, ptf: 0 });
    expect(droppedBy(c[4])).toMatchObject({ reason: 'supercosmos', counterpart: '6005' });
    expect(droppedBy(c[4])!.detail).toMatch(/on a later B\/R2\/I plate/);
  });

  it('offline: each is skipped with a note saying which file would stand in for it, nothing dropped', async () => {
    const c = cands();
    const n0 = srv.requests.length;
    const r = await vetoStage(c, { ...base, offline: true, localFiles: {} }, {});
    expect(srv.requests.length).toBe(n0);
    expect(r.vetoed).toEqual([]);
    expect(r.count.skipped).toMatch(/offline/);
  });

  it('offline with a local SuperCOSMOS file: confirming works from the file', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'scos.csv');
    const lines = ['objid,raj2000,dej2000', ...[1, 2, 3].map((k) => `${8000 + k},${offsetBy(...pos.get(k)!, 1, 0).join(',')}`)];
    writeFileSync(file, lines.join('\n') + '\n');
    const c = cands();
    const r = await vetoStage(c, { ...base, offline: true, catalogs: ['ptf', 'supercosmos', 'vsx'], localFiles: { supercosmos: file } }, {});
    expect(r.kept.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(r.notes.join(' ')).toMatch(/PTF objects \(IRSA\) skipped: no --catalog ptf=FILE given in offline mode/);
    expect(r.notes.join(' ')).toMatch(/VSX .* skipped: no --catalog vsx=FILE/);
  });
});
