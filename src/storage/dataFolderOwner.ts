/**
 * The owner file: written next to `postmaster.pid` by the driftwatch that
 * started the embedded server, removed when it stops the server. It names
 * that driftwatch by PID and start time, so the next start can tell a server
 * whose driftwatch still runs from one it left behind (dataFolderTakeover.ts).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRunning, viewProcess } from './processView.js';

/** Written next to postmaster.pid by the driftwatch that started the server. */
const OWNER_FILE = 'driftwatch.owner.json';

/** The driftwatch process that started the server on a data folder. */
export interface OwnerRecord {
  pid: number;
  /** null where there is no /proc. */
  startTicks: string | null;
}

/** Records this process as the owner of the server on `dataDir`. */
export async function writeOwner(dataDir: string): Promise<void> {
  const self = await viewProcess(process.pid);
  const record: OwnerRecord = { pid: process.pid, startTicks: self?.startTicks ?? null };
  await writeFile(path.join(dataDir, OWNER_FILE), `${JSON.stringify(record)}\n`);
}

/** The recorded owner; null when there is no owner file or it is unreadable. */
export async function readOwner(dataDir: string): Promise<OwnerRecord | null> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, OWNER_FILE), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, startTicks } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
    return { pid, startTicks: typeof startTicks === 'string' ? startTicks : null };
  } catch {
    return null;
  }
}

export async function removeOwner(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, OWNER_FILE), { force: true });
}

/** Whether the owner still runs: same PID and, where /proc tells, same start time. */
export async function ownerRuns(owner: OwnerRecord): Promise<boolean> {
  if (!(await isRunning(owner.pid))) return false;
  if (owner.startTicks === null) return true;
  const view = await viewProcess(owner.pid);
  return view === null || view.startTicks === owner.startTicks;
}
