/**
 * Which process holds a port, and what it is: best effort, from Linux's /proc only. Elsewhere,
 * or without the permission to look, the answer is "unknown" and never an error; the messages
 * that use it read well either way.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The PID of the process listening on `port` (any address), when /proc shows it. */
export function portHolder(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readLines(table).slice(1)) {
      // sl local_address rem_address st ... uid timeout inode; the port is hex, 0A is LISTEN.
      const f = line.trim().split(/\s+/);
      const local = f[1]?.split(':');
      if (f[3] === '0A' && local && parseInt(local[local.length - 1]!, 16) === port && f[9])
        inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of list('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    for (const fd of list(`/proc/${pid}/fd`)) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // gone, or not ours to look at
      }
    }
  }
  return undefined;
}

/** `PID 123 (node server.js)`, or just `PID 123` when its command line cannot be read. */
export function describeProcess(pid: number): string {
  const argv = readFile(`/proc/${pid}/cmdline`)?.split('\0').filter(Boolean).join(' ');
  if (!argv) return `PID ${pid}`;
  return `PID ${pid} (${argv.length > 120 ? `${argv.slice(0, 117)}...` : argv})`;
}

function readFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readLines(path: string): string[] {
  return readFile(path)?.split('\n').filter(Boolean) ?? [];
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
