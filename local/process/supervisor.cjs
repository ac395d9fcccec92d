// Runs one command and ties its life to the process that started this supervisor.
//
// The parent holds our stdin open; when the parent exits for any reason, even SIGKILL, the pipe
// closes and we stop the command's whole process group. Java and anvil do not watch their parent,
// so without this a crashed test run would leave them listening.
//
// usage: node supervisor.cjs <command> [args...]
'use strict';
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('supervisor: no command given\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;

function stop(signal) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    process.exit(1);
  }, 5000).unref();
}

child.on('error', (error) => {
  process.stderr.write(`supervisor: cannot start ${command}: ${error.message}\n`);
  process.exit(error.code === 'ENOENT' ? 127 : 1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('close', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));
