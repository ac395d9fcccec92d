import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startSupervised } from '../../local/process/supervised-process';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('supervised child processes', () => {
  it('stop() ends the command and resolves', async () => {
    const child = startSupervised('sh', ['-c', 'echo ready; exec sleep 60']);
    await waitUntil(() => child.output().includes('ready'));
    await child.stop();
    expect(await child.exited).not.toBeNull();
  });

  it('a command that exits by itself reports its exit code and output', async () => {
    const child = startSupervised('sh', ['-c', 'echo bye; exit 3']);
    expect(await child.exited).toBe(3);
    expect(child.output()).toContain('bye');
  });

  it('the command dies with its parent, even when the parent is killed with SIGKILL', async () => {
    const script = `
      const { startSupervised } = require(${JSON.stringify(join(__dirname, '../../local/process/supervised-process'))});
      const child = startSupervised('sh', ['-c', 'echo $$; exec sleep 60'], { onOutput: (t) => process.stdout.write('pid:' + t) });
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitUntil(() => /pid:\d+/.test(out));
    const pid = Number(/pid:(\d+)/.exec(out)?.[1]);
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    await waitUntil(() => !alive(pid));
  }, 30_000);
});
