// A PostgreSQL server of the test's own, on a spare port, so a test can crash and restart it
// while the shared server on 5432 (every other test's) stays up. Debian's server binaries
// (scripts/ensure-postgres.sh installs them); initdb and postgres refuse to run as root, so
// as root they run as the `postgres` OS user, in a directory that user owns.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const BIN_ROOT = '/usr/lib/postgresql';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth). */
  adminUrl: string;
  port: number;
  /** The data directory, for failure messages (the server log is `<dir>/server.log`). */
  dir: string;
  /**
   * Stops the server with `pg_ctl stop -m immediate` (every backend killed at once, no
   * checkpoint: on start the server replays its WAL, as after a crash) and starts it again.
   */
  crashRestart(): Promise<void>;
  /** Stops the server (fast shutdown) and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin directory; throws with the remedy if there is none. */
export function postgresBinDir(): string {
  const versions = existsSync(BIN_ROOT)
    ? readdirSync(BIN_ROOT)
        .filter((v) => existsSync(join(BIN_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (newest === undefined) {
    throw new Error(
      `no PostgreSQL server binaries under ${BIN_ROOT}/*/bin: this test starts a server of its own; ` +
        "run `bash scripts/ensure-postgres.sh` (installs Debian's postgresql package) and try again",
    );
  }
  return join(BIN_ROOT, newest, 'bin');
}

async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Runs a server binary, as the postgres OS user when we are root. Asynchronously: the test's
 * receivers live in this process and must keep answering while the server restarts.
 */
async function run(bin: string, args: readonly string[]): Promise<string> {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  try {
    const { stdout } = await execFileAsync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** initdb a fresh cluster in a temporary directory and start it on a spare loopback port. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'payhook-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await sparePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=60`;
  const start = () => run(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  const stop = (mode: 'immediate' | 'fast') => run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  let running = true;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async crashRestart() {
      await stop('immediate');
      await start();
    },
    async destroy() {
      if (running) {
        running = false;
        try {
          await stop('fast');
        } catch {
          // Already down (a failed restart): nothing to stop.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
