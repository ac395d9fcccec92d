import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** A child process that stops when we ask, and also when this process dies, however it dies. */
export interface SupervisedProcess {
  readonly pid: number;
  /** Resolves with the exit code once the command has exited (by itself or after stop()). */
  readonly exited: Promise<number | null>;
  /** The last lines it wrote, for error messages. */
  output(): string;
  /** Stops the command and its process group; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface SupervisedOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each chunk of output (stdout and stderr). */
  readonly onOutput?: (chunk: string) => void;
}

const SUPERVISOR = join(__dirname, 'supervisor.cjs');
const KEEP_OUTPUT = 8_192;

/**
 * Starts `command` under a small supervisor in its own process group. The supervisor watches a pipe
 * from us: when this process exits (Ctrl-C, a crash, SIGKILL), the pipe closes and the supervisor
 * stops the whole group.
 */
export function startSupervised(
  command: string,
  args: readonly string[],
  options: SupervisedOptions = {},
): SupervisedProcess {
  const child: ChildProcess = spawn(process.execPath, [SUPERVISOR, command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let recent = '';
  const record = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    recent = (recent + text).slice(-KEEP_OUTPUT);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  // Our end of the pipe must not keep the event loop alive: the supervisor only needs it to close.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    pid: child.pid ?? -1,
    exited,
    output: () => recent,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Keep the event loop alive until it has exited: otherwise a caller awaiting stop() with
      // nothing else pending would see the process end before stop() resolves.
      child.ref();
      child.stdin?.end();
      await exited;
    },
  };
}
