/**
 * A private single-node Slurm for tests, started the way /work/shared/STACK.md
 * measured it: munged (--force), then slurmctld and slurmd with a slurm.conf of
 * our own in a temporary folder (this host as controller and node, private
 * ports, linuxproc process tracking, no task plugin, cores as the consumable
 * resource, SlurmUser root). Clients find it through SLURM_CONF. Both daemons
 * are stopped by pid at the end; munged only when we started it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateSlurm {
  /** The slurm.conf; give it to clients as SLURM_CONF. */
  conf: string;
  /** { SLURM_CONF } for a child process's environment. */
  env: Record<string, string>;
  dir: string;
  cpus: number;
  /** The controller's log, for a test's failure message. */
  controllerLog(): string;
  stop(): Promise<void>;
}

const COMMANDS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'];

/** Why a private Slurm cannot start here, or null when it can. */
export function slurmMissing(): string | null {
  const missing = COMMANDS.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0 && !existsSync(`/usr/sbin/${c}`));
  if (missing.length) return `${missing.join(', ')} not installed (sudo apt-get install slurm-wlm munge, or bash scripts/setup.sh)`;
  if (process.getuid?.() !== 0) return 'the private Slurm runs its daemons as root (SlurmUser=root); these tests are not running as root';
  if (!existsSync('/etc/munge/munge.key')) return '/etc/munge/munge.key is missing (reinstall munge)';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

const sbin = (name: string) => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

function pidIn(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopPid(pid: number | null): Promise<void> {
  if (pid === null || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function munged(): { running: boolean; pid: number | null } {
  const pid = pidIn('/run/munge/munged.pid');
  return { running: pid !== null && alive(pid), pid };
}

/** Starts the private Slurm, or prints why not and returns null (the caller skips). */
export async function startPrivateSlurm(): Promise<PrivateSlurm | null> {
  const why = slurmMissing();
  if (why) {
    console.warn(`SKIP: no private Slurm: ${why}`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vasco-slurm-'));
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
  const host = hostname().split('.')[0];
  const cpus = availableParallelism();
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=vascotest',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      'KillWait=5',
      `NodeName=${host} CPUs=${cpus} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  const startedMunge = !munged().running;
  if (startedMunge) {
    // Without systemd nobody makes munged's socket folder (tmpfiles.d does on a booted host).
    mkdirSync('/run/munge', { recursive: true });
    execFileSync(sbin('munged'), ['--force'], { stdio: 'ignore' });
  }
  const mungePid = startedMunge ? munged().pid : null;
  const controllerLog = () => (existsSync(join(dir, 'slurmctld.log')) ? readFileSync(join(dir, 'slurmctld.log'), 'utf8') : '');
  const stop = async () => {
    await stopPid(pidIn(join(dir, 'slurmd.pid')));
    await stopPid(pidIn(join(dir, 'slurmctld.pid')));
    if (startedMunge) await stopPid(mungePid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync(sbin('slurmctld'), ['-f', conf], { stdio: 'ignore', env: { ...process.env, ...env } });
    execFileSync(sbin('slurmd'), ['-f', conf], { stdio: 'ignore', env: { ...process.env, ...env } });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8', env: { ...process.env, ...env } });
      if (r.status === 0 && r.stdout.trim() === 'idle') break;
      if (Date.now() > deadline) throw new Error(`the private Slurm did not come up idle in 30 s (sinfo: ${r.stdout.trim() || r.stderr.trim()})\n${controllerLog().slice(-2000)}`);
      await sleep(300);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { conf, env, dir, cpus, controllerLog, stop };
}
